package testbed_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/testbed"
)

// TestLargeWorld builds 20 markets x 5,000 listings, renders a page of each market and
// checks the heap stays small (pages are rendered lazily).
func TestLargeWorld(t *testing.T) {
	if testing.Short() {
		t.Skip("large world")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	w := newWorld(t, testbed.Options{Seed: 1, Markets: 20, Listings: 5000})
	for _, m := range w.Markets() {
		if st, _, _, err := w.Page(m.Name, "/"); err != nil || st != 200 {
			t.Fatalf("%s front page: %d %v", m.Name, st, err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	runtime.KeepAlive(w)
	t.Logf("20 x 5000 world: built in %v, heap %d MiB", time.Since(t0), heap>>20)
	if heap > 400<<20 {
		t.Errorf("heap grew by %d MiB, want < 400 MiB", heap>>20)
	}
}
