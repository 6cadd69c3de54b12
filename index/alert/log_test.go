package alert_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/index/alert"
)

// TestLogShared: two Log values on one file (as a crawl and the API server would hold it)
// write and read it concurrently; nothing is lost, Ack is idempotent, Close is final.
func TestLogShared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.db")
	l1, err := alert.OpenLog(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := alert.OpenLog(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var wg sync.WaitGroup
	for w, l := range []*alert.Log{l1, l2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				a := alert.Alert{ID: fmt.Sprintf("w%d-%d", w, i), Kind: alert.KindNewVendor, Raised: now.Add(time.Duration(i) * time.Second)}
				if _, err := l.Add([]alert.Alert{a}, func(alert.Alert) []string { return []string{"hook"} }); err != nil {
					t.Error(err)
				}
				if _, err := l.List(time.Time{}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	all, err := l2.List(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 40 {
		t.Fatalf("List = %d alerts, want 40", len(all))
	}
	since, _ := l1.List(now.Add(10 * time.Second))
	if len(since) != 20 {
		t.Errorf("List(since +10s) = %d, want 20", len(since))
	}
	p, _ := l1.Pending()
	if len(p) != 40 {
		t.Errorf("Pending = %d, want 40", len(p))
	}
	if added, _ := l2.Add([]alert.Alert{{ID: "w0-0"}}, func(alert.Alert) []string { return []string{"hook"} }); len(added) != 0 {
		t.Errorf("re-adding an alert added %d", len(added))
	}
	a1, err := l1.Ack("w1-3", now)
	if err != nil || !a1.Acked.Equal(now) {
		t.Fatalf("Ack = %+v, %v", a1, err)
	}
	a2, _ := l2.Ack("w1-3", now.Add(time.Hour))
	if !a2.Acked.Equal(now) {
		t.Errorf("second Ack moved the ack time to %v", a2.Acked)
	}
	if _, err := l1.Ack("nope", now); !errors.Is(err, alert.ErrNotFound) {
		t.Errorf("Ack(unknown) = %v, want ErrNotFound", err)
	}
	l1.Close()
	l1.Close()
	if _, err := l1.List(time.Time{}); !errors.Is(err, alert.ErrLogClosed) {
		t.Errorf("List after Close = %v, want ErrLogClosed", err)
	}
}
