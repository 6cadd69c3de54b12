package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/extract"
)

const strikePage = `<html><head><title>Guardian</title></head><body><h1>Security breach detected</h1><p>You tried to perform an illegal action. This is your: 2nd Strike.</p></body></html>`

// blockedMarket is a small market: a front page linking three listings and a feedback page
// per listing; banAt names the path prefix answering a strike notice.
func blockedMarket(banAt string) (http.Handler, *sync.Map) {
	hits := &sync.Map{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := hits.LoadOrStore(r.URL.Path, new(int))
		*n.(*int)++
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if banAt != "" && strings.HasPrefix(r.URL.Path, banAt) {
			fmt.Fprint(w, strikePage)
			return
		}
		var b strings.Builder
		switch {
		case r.URL.Path == "/":
			b.WriteString(`<html><head><title>Market</title></head><body><h1>Market</h1><div class="list">`)
			for i := 1; i <= 3; i++ {
				fmt.Fprintf(&b, `<div class="card"><a href="/listing/%d">Cocaine %dg pure</a> <span class="price">USD %d.00</span> <a href="/vendor/alpha">alpha</a></div>`, i, i, 50*i)
			}
			b.WriteString(`</div></body></html>`)
		case strings.HasPrefix(r.URL.Path, "/listing/"):
			id := strings.TrimPrefix(r.URL.Path, "/listing/")
			fmt.Fprintf(&b, `<html><head><title>Cocaine %sg pure</title></head><body><h1>Cocaine %sg pure</h1><p>Price: USD %s0.00</p><p>Vendor: <a href="/vendor/alpha">alpha</a></p><p>Ships from: Germany</p><p><a href="/feedback/%s">Feedback</a></p></body></html>`, id, id, id, id)
		default:
			fmt.Fprintf(&b, `<html><head><title>Page</title></head><body><h1>%s</h1><p>Nothing here.</p></body></html>`, r.URL.Path)
		}
		fmt.Fprint(w, b.String())
	}), hits
}

// TestCrawlBlocked: a ban or strike notice is never waited on and retried like a queue. On
// a navigational page (the front page) the market is paused at once with reason "blocked"
// after one request; on another page (a listing's feedback tab) it is that page's problem:
// its pattern is not fetched again, the market is not paused, the listings are stored.
func TestCrawlBlocked(t *testing.T) {
	cases := []struct {
		name       string
		banAt      string
		wantPaused string
		wantSkip   int64 // the strike page and the feedback pages not fetched after it
		wantHits   int   // requests to the banned prefix
		listings   int
	}{
		{"ban on the front page pauses the market", "/", extract.InterstitialBlocked, 0, 1, 0},
		{"strike on a feedback page is that page's problem", "/feedback/", "", 3, 1, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, hits := blockedMarket(tc.banAt)
			fr, err := frontier.OpenBolt(filepath.Join(t.TempDir(), "frontier.db"), frontier.Options{
				BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { fr.Close() })
			x, err := extract.New(extract.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sink := newMemSink()
			var events []crawler.Event
			var mu sync.Mutex
			cr, err := crawler.New(crawler.Options{
				Markets: []crawler.Market{{Name: "m", Profile: "generic", Seeds: []string{"http://abcdefghijklmnop.onion/"}}},
				Workers: 1, Once: true, OnEvent: func(e crawler.Event) { mu.Lock(); events = append(events, e); mu.Unlock() },
			}, crawler.Deps{Frontier: fr, Transport: handlerTransport{h: h}, Extractor: x, Sink: sink})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := cr.Seed(ctx); err != nil {
				t.Fatal(err)
			}
			if err := cr.Run(ctx); err != nil {
				t.Fatal(err)
			}
			if ctx.Err() != nil {
				t.Fatal("the crawl did not end: a ban was waited on")
			}
			st, err := fr.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Markets["m"].Paused; got != tc.wantPaused {
				t.Errorf("market paused %q, want %q", got, tc.wantPaused)
			}
			if got := st.Markets["m"].Dead; got != 0 {
				t.Errorf("%d dead letters, want 0", got)
			}
			banned := 0
			hits.Range(func(k, v any) bool {
				if strings.HasPrefix(k.(string), tc.banAt) && (tc.banAt != "/" || k == "/") {
					banned += *v.(*int)
				}
				return true
			})
			if banned != tc.wantHits {
				t.Errorf("%d requests to %s, want %d (no retry of a ban)", banned, tc.banAt, tc.wantHits)
			}
			if got := len(sink.listings); got != tc.listings {
				t.Errorf("%d listings stored, want %d", got, tc.listings)
			}
			sk := cr.Stats().Skips()
			t.Logf("events %+v, skips %v, paused %q", events, sk, st.Markets["m"].Paused)
			if tc.wantPaused != "" {
				if len(events) == 0 || events[0].Kind != "market_paused" || events[0].Reason != tc.wantPaused {
					t.Errorf("events %+v, want market_paused %s", events, tc.wantPaused)
				}
			}
			if got := sk[crawler.SkipBlocked]; got != tc.wantSkip {
				t.Errorf("skips %v: want %d %s", sk, tc.wantSkip, crawler.SkipBlocked)
			}
		})
	}
}
