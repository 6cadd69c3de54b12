package alert_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/index/alert"
)

// newArchive returns an archive under a fresh prefix, its index deleted at the end.
func newArchive(t *testing.T, es string) *alert.Archive {
	t.Helper()
	arch := &alert.Archive{URL: es, Prefix: fmt.Sprintf("dwarchlist%d", time.Now().UnixNano())}
	t.Cleanup(func() {
		req, _ := http.NewRequest(http.MethodDelete, es+"/"+arch.Prefix+"-alerts", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	return arch
}

// TestArchiveListLikeLog: Archive.List pages through the index (more alerts than a page)
// and answers as Log.List does for the same alerts, to the nanosecond of since and of the
// order, although the index keeps milliseconds; past MaxList it fails rather than cut.
func TestArchiveListLikeLog(t *testing.T) {
	es := testenv.ESURL(t)
	ctx := context.Background()
	arch := newArchive(t, es)
	arch.PageSize = 3
	l, err := alert.OpenLog(filepath.Join(t.TempDir(), "alerts.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	base := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	var as []alert.Alert
	for i := range 11 {
		// ids against times within one millisecond (i 0..3), equal times (4, 5), other zones.
		raised := base.Add(time.Duration(3-i) * 200 * time.Microsecond)
		switch {
		case i == 4 || i == 5:
			raised = base.Add(time.Hour)
		case i > 5:
			raised = base.Add(time.Duration(i) * time.Hour).In(time.FixedZone("x", -5*3600))
		}
		as = append(as, alert.Alert{ID: fmt.Sprintf("id%02d", i), Key: fmt.Sprint(i), Kind: alert.KindNewVendor, Market: "m",
			Subject: "m/v", FirstSeen: raised, Raised: raised})
	}
	if got, err := arch.List(ctx, time.Time{}); err != nil || len(got) != 0 {
		t.Fatalf("List before the index exists: %v, %v", got, err)
	}
	if _, err := l.Add(as, func(alert.Alert) []string { return nil }); err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if err := arch.Deliver(ctx, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, since := range []time.Time{{}, as[1].Raised, as[1].Raised.Add(time.Nanosecond), as[3].Raised, base.Add(time.Hour),
		base.Add(time.Hour + 1), base.Add(8 * time.Hour), base.Add(100 * time.Hour)} {
		want, err := l.List(since)
		if err != nil {
			t.Fatal(err)
		}
		got, err := arch.List(ctx, since)
		if err != nil {
			t.Fatalf("since %v: %v", since, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("since %v: archive differs from the log (-log +archive):\n%s", since, diff)
		}
	}
	arch.MaxList = 10
	if got, err := arch.List(ctx, time.Time{}); err == nil || !strings.Contains(err.Error(), "more than 10") {
		t.Errorf("List over MaxList: %d alerts, %v; want an error", len(got), err)
	}
	if got, err := arch.List(ctx, as[2].Raised); err != nil || len(got) != 10 {
		t.Errorf("List of exactly MaxList: %d alerts, %v", len(got), err)
	}
}

// TestArchiveListDynamicIndex: the index the Elasticsearch store creates for alerts (dynamic
// mapping, no raised field before the first alert) lists as empty, not as an error.
func TestArchiveListDynamicIndex(t *testing.T) {
	es := testenv.ESURL(t)
	arch := newArchive(t, es)
	req, _ := http.NewRequest(http.MethodPut, es+"/"+arch.Prefix+"-alerts", strings.NewReader(`{"mappings":{"dynamic":true,"properties":{"time":{"type":"date"}}}}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create index: HTTP %d", resp.StatusCode)
	}
	if got, err := arch.List(context.Background(), time.Time{}); err != nil || len(got) != 0 {
		t.Fatalf("List of an empty dynamic index: %v, %v", got, err)
	}
}
