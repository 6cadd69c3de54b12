package crawler_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/extract"
)

// handlerTransport serves requests from an http.Handler in memory after a fixed delay.
type handlerTransport struct {
	h     http.Handler
	delay time.Duration
}

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case <-time.After(t.delay):
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// TestDispatchKeepsWorkersBusy crawls a market whose every page takes 100 ms (virtual time)
// with 4 workers: the crawl takes about pages/4 x 100 ms plus the discovery chain, because
// the dispatcher leases again as soon as a worker frees a slot. (It used to back off up to
// 500 ms whenever the job queue was full, leaving workers idle: 1.45x here.)
func TestDispatchKeepsWorkersBusy(t *testing.T) {
	const (
		workers = 4
		delay   = 100 * time.Millisecond
	)
	w, err := testbed.New(testbed.Options{Seed: 5, Markets: 1, Listings: 60})
	if err != nil {
		t.Fatal(err)
	}
	x, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		fr, err := frontier.OpenBolt(filepath.Join(dir, "frontier.db"), frontier.Options{HostMaxInFlight: workers})
		if err != nil {
			t.Fatal(err)
		}
		defer fr.Close()
		cr, err := crawler.New(crawler.Options{Markets: testbedMarkets(w), Workers: workers, Lease: time.Minute, FetchTimeout: time.Minute, Once: true},
			crawler.Deps{Frontier: fr, Transport: handlerTransport{h: w.Handler(), delay: delay}, Extractor: x, Sink: newMemSink()})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		start := time.Now()
		if err := cr.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		if err := cr.Run(ctx); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		pages := cr.Stats().Pages.Load()
		// Busy workers: pages/workers rounds of delay, plus rounds where discovery leaves
		// workers without work (the front page alone, then its first links): 1.3x is ample.
		ideal := time.Duration(pages) * delay / workers
		t.Logf("%d pages in %v (virtual), %.2fx the time with every worker always busy", pages, took, float64(took)/float64(ideal))
		if took > ideal*13/10 {
			t.Errorf("crawl took %v, want <= %v (1.3 x %d pages / %d workers x %v)", took, ideal*13/10, pages, workers, delay)
		}
	})
}
