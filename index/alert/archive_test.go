package alert_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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

// bulkArchive indexes alerts into arch's index in one bulk request (the index created by
// a first Deliver, with the archive's mapping), refreshed: Deliver waits for a refresh per
// alert, too slow for hundreds.
func bulkArchive(t *testing.T, es string, arch *alert.Archive, as []alert.Alert) {
	t.Helper()
	if err := arch.Deliver(t.Context(), as[0], ""); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, a := range as[1:] {
		if err := enc.Encode(map[string]any{"create": map[string]string{"_id": a.ID}}); err != nil {
			t.Fatal(err)
		}
		if err := enc.Encode(a); err != nil {
			t.Fatal(err)
		}
	}
	esPost(t, es+"/"+arch.Prefix+"-alerts/_bulk?refresh=true", "application/x-ndjson", b.String())
}

// esPost sends one request to Elasticsearch and fails the test unless it succeeds without
// item errors.
func esPost(t *testing.T, url, ctype, body string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var res struct {
		Errors bool `json:"errors"`
	}
	_ = json.Unmarshal(raw, &res)
	if resp.StatusCode/100 != 2 || res.Errors {
		t.Fatalf("POST %s: HTTP %d: %.500s", url, resp.StatusCode, raw)
	}
}

// searchFixture: 60 alerts, four to a millisecond with ids against their times, over three
// kinds and three markets, every fifth acknowledged, two at one instant, some in another
// time zone.
func searchFixture() []alert.Alert {
	base := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	kinds := []string{alert.KindNewVendor, alert.KindWatch, alert.KindPriceChange}
	markets := []string{"alpha", "bravo", "charlie"}
	var as []alert.Alert
	for i := range 60 {
		raised := base.Add(time.Duration(i/4)*time.Millisecond + time.Duration(3-i%4)*200*time.Microsecond)
		if i == 41 {
			raised = as[40].Raised
		}
		if i%7 == 3 {
			raised = raised.In(time.FixedZone("x", -5*3600))
		}
		a := alert.Alert{ID: fmt.Sprintf("id%02d", (i*7)%60), Key: fmt.Sprint(i), Kind: kinds[i%3], Market: markets[(i/3)%3],
			Subject: "m/v", FirstSeen: base, Raised: raised}
		if i%5 == 2 {
			a.Acked = base.Add(time.Hour)
		}
		as = append(as, a)
	}
	return as
}

// TestArchiveSearchLikeSelect: Archive.Search answers as Query.Select over the log's list,
// query for query, limit for limit (limits that fall inside a millisecond, since inside a
// millisecond, all filters), although the index keeps milliseconds.
func TestArchiveSearchLikeSelect(t *testing.T) {
	es := testenv.ESURL(t)
	ctx := t.Context()
	arch := newArchive(t, es)
	if got, total, err := arch.Search(ctx, alert.Query{Limit: 10}); err != nil || len(got) != 0 || total != 0 {
		t.Fatalf("Search before the index exists: %v, %d, %v", got, total, err)
	}
	l, err := alert.OpenLog(filepath.Join(t.TempDir(), "alerts.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	as := searchFixture()
	if _, err := l.Add(as, func(alert.Alert) []string { return nil }); err != nil {
		t.Fatal(err)
	}
	bulkArchive(t, es, arch, as)
	all, err := l.List(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	sinces := []time.Time{{}, as[21].Raised, as[21].Raised.Add(time.Nanosecond), as[23].Raised.Truncate(time.Millisecond), as[59].Raised.Add(time.Hour)}
	n := 0
	for _, since := range sinces {
		for _, kinds := range [][]string{nil, {alert.KindWatch}, {alert.KindNewVendor, alert.KindPriceChange}, {"nope"}} {
			for _, markets := range [][]string{nil, {"bravo"}, {"alpha", "charlie"}} {
				for _, acked := range []*bool{nil, &yes, &no} {
					for _, limit := range []int{0, 1, 2, 3, 4, 5, 7, 10, 41, 100} {
						q := alert.Query{Since: since, Kinds: kinds, Markets: markets, Acked: acked, Limit: limit}
						name := fmt.Sprintf("since %s kinds %v markets %v acked %v limit %d", since.Format(time.RFC3339Nano), kinds, markets, acked != nil && *acked, limit)
						if acked == nil {
							name = strings.Replace(name, "acked false", "acked any", 1)
						}
						want, wantTotal := q.Select(all)
						got, total, err := arch.Search(ctx, q)
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						n++
						if total != wantTotal {
							t.Errorf("%s: total %d, want %d", name, total, wantTotal)
						}
						if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
							t.Errorf("%s: archive differs from Select over the log (-log +archive):\n%s", name, diff)
						}
					}
				}
			}
		}
	}
	t.Logf("%d queries alike", n)
	arch.MaxList = 30
	if got, _, err := arch.Search(ctx, alert.Query{}); err == nil || !strings.Contains(err.Error(), "more than 30") {
		t.Errorf("Search without a limit over MaxList: %d alerts, %v; want an error", len(got), err)
	}
	if got, total, err := arch.Search(ctx, alert.Query{Limit: 50}); err != nil || len(got) != 50 || total != 60 {
		t.Errorf("Search with a limit over MaxList: %d alerts of %d, %v; want 50 of 60", len(got), total, err)
	}
}

// recorder is an http.RoundTripper that keeps the body of every request.
type recorder struct {
	mu     sync.Mutex
	bodies []map[string]any
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		raw, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body.Close()
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		r.mu.Lock()
		r.bodies = append(r.bodies, body)
		r.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(raw))
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) take() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bodies
	r.bodies = nil
	return b
}

// TestArchiveSearchReadsLimit: a listing with a limit asks Elasticsearch for limit+1 alerts
// in one request (two when since falls inside a millisecond and more alerts match, or when
// the limit falls inside a millisecond), whatever the size of the archive.
func TestArchiveSearchReadsLimit(t *testing.T) {
	es := testenv.ESURL(t)
	ctx := t.Context()
	arch := newArchive(t, es)
	as := searchFixture()
	bulkArchive(t, es, arch, as)
	rec := &recorder{}
	arch.Client = &http.Client{Transport: rec, Timeout: 30 * time.Second}
	newest := slices.Clone(as)
	slices.SortStableFunc(newest, func(x, y alert.Alert) int { return y.Raised.Compare(x.Raised) })
	ms := func(a alert.Alert) time.Time { return a.Raised.Truncate(time.Millisecond) }
	for _, c := range []struct {
		name  string
		q     alert.Query
		reads int // requests
	}{
		{"limit between milliseconds", alert.Query{Limit: 4}, 1},
		{"limit inside a millisecond", alert.Query{Limit: 5}, 2},
		{"one", alert.Query{Limit: 1}, 2},
		{"filtered", alert.Query{Kinds: []string{alert.KindWatch}, Limit: 3}, 1},
		{"since on a millisecond", alert.Query{Since: ms(as[20]), Limit: 8}, 1},
		{"since inside a millisecond", alert.Query{Since: as[21].Raised, Limit: 8}, 2},
		{"since inside a millisecond, all read", alert.Query{Since: as[57].Raised, Limit: 8}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, total, err := arch.Search(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			reqs := rec.take()
			if len(reqs) != c.reads {
				t.Errorf("%d requests, want %d: %v", len(reqs), c.reads, reqs)
			}
			if len(reqs) == 0 {
				return
			}
			if size, ok := reqs[0]["size"].(float64); !ok || int(size) != c.q.Limit+1 {
				t.Errorf("first request size %v, want limit+1 = %d", reqs[0]["size"], c.q.Limit+1)
			}
			if tt := reqs[0]["track_total_hits"]; tt != true {
				t.Errorf("first request track_total_hits %v, want true", tt)
			}
			if len(got) > c.q.Limit || total < len(got) {
				t.Errorf("%d alerts of %d, limit %d", len(got), total, c.q.Limit)
			}
		})
	}
	if ms(newest[3]).Equal(ms(newest[4])) || !ms(newest[4]).Equal(ms(newest[5])) || !ms(newest[0]).Equal(ms(newest[1])) {
		t.Fatal("fixture: the millisecond groups are not where the cases expect them")
	}
}

// TestArchiveMissingRaised: documents without raised (not written by Deliver, but a shared
// index may hold them) list as zero times, the oldest: List pages across them (their sort
// value is Long.MAX_VALUE, which a float64 would round past a long) and Search puts them
// last, equal times by id.
func TestArchiveMissingRaised(t *testing.T) {
	es := testenv.ESURL(t)
	ctx := t.Context()
	arch := newArchive(t, es)
	arch.PageSize = 1
	base := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	as := []alert.Alert{{ID: "r1", Kind: alert.KindWatch, Raised: base}, {ID: "r2", Kind: alert.KindWatch, Raised: base.Add(time.Second)}}
	bulkArchive(t, es, arch, as)
	var b strings.Builder
	for _, id := range []string{"n1", "n3", "n2"} {
		fmt.Fprintf(&b, "{\"create\":{\"_id\":%q}}\n{\"id\":%q,\"kind\":\"watch\"}\n", id, id)
	}
	esPost(t, es+"/"+arch.Prefix+"-alerts/_bulk?refresh=true", "application/x-ndjson", b.String())
	got, err := arch.List(ctx, time.Time{})
	if err != nil {
		t.Fatalf("List across documents without raised: %v", err)
	}
	ids := func(as []alert.Alert) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	if diff := cmp.Diff([]string{"n1", "n2", "n3", "r1", "r2"}, ids(got)); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	for limit, want := range map[int][]string{1: {"r2"}, 3: {"r2", "r1", "n3"}, 10: {"r2", "r1", "n3", "n2", "n1"}} {
		got, total, err := arch.Search(ctx, alert.Query{Limit: limit})
		if err != nil || total != 5 {
			t.Fatalf("Search limit %d: total %d, %v", limit, total, err)
		}
		if diff := cmp.Diff(want, ids(got)); diff != "" {
			t.Errorf("Search limit %d (-want +got):\n%s", limit, diff)
		}
	}
	if got, total, err := arch.Search(ctx, alert.Query{Since: base, Limit: 10}); err != nil || total != 2 || len(got) != 2 {
		t.Errorf("Search since: %d alerts of %d, %v; want the two raised", len(got), total, err)
	}
}

// TestArchiveFailsOver: a node that cannot be reached is skipped for the next configured
// one; with none reachable the error names every failure.
func TestArchiveFailsOver(t *testing.T) {
	es := testenv.ESURL(t)
	ctx := t.Context()
	arch := newArchive(t, es)
	as := searchFixture()
	bulkArchive(t, es, arch, as[:5])
	down := "http://127.0.0.1:1" // nothing listens on port 1
	arch.URL, arch.Others = down, []string{es}
	got, total, err := arch.Search(ctx, alert.Query{Limit: 10})
	if err != nil || total != 5 || len(got) != 5 {
		t.Fatalf("Search over a down node then %s: %d alerts of %d, %v; want 5 of 5", es, len(got), total, err)
	}
	arch.Others = []string{"http://127.0.0.1:2"}
	if _, _, err := arch.Search(ctx, alert.Query{Limit: 10}); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") || !strings.Contains(err.Error(), "127.0.0.1:2") {
		t.Fatalf("Search with no node up: %v; want an error naming both nodes", err)
	}
}
