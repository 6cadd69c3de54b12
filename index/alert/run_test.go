package alert_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index/alert"
)

// TestRunDeliversUntilClose: New delivers nothing by itself; Run delivers a raised alert
// at once (not at the next poll, an hour away) and returns when Close is called, which
// waits for it (goleak in TestMain checks that nothing is left).
func TestRunDeliversUntilClose(t *testing.T) {
	var got atomic.Int32
	n := &fakeNotifier{"n", func(alert.Alert, string) error { got.Add(1); return nil }}
	f := newFixture(t, nil, nil)
	eng, err := alert.New(alert.Options{Rules: []alert.Rule{{Name: "nv", Kind: alert.KindNewVendor}}, Store: f.store,
		LogPath: filepath.Join(t.TempDir(), "alerts.db"), Notifiers: []alert.Notifier{n}, Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	f.eng = eng
	if as, err := f.page("m1", 200, "u", nil, []record.Vendor{vendor("m1", "a")}); err != nil || len(as) != 1 {
		t.Fatalf("raised %v, %v", as, err)
	}
	if got.Load() != 0 {
		t.Fatal("an alert was delivered without Run or Flush")
	}
	ran := make(chan error, 1)
	go func() { ran <- eng.Run(context.Background()) }()
	if _, err := f.page("m1", 200, "u", nil, []record.Vendor{vendor("m1", "b")}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for got.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got.Load() != 2 {
		t.Fatalf("delivered %d alerts while Run ran, want 2", got.Load())
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run = %v, want nil after Close", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Run had not returned 10s after Close")
	}
}
