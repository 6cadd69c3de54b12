package crawler_test

import (
	"context"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/testbed"
)

// TestCrawlEconomyTraps crawls every family with the economy traps (links redirecting to the
// login page, message forms behind a CAPTCHA, a vendor search answering 500, action links)
// with the default crawl policy: no market is paused, no dead letter, nothing is left
// queued, no action is requested, every listing and vendor is stored, and the requests stay
// within 1.15 x the truth's minimum. It prints the ratio and the skips by reason.
func TestCrawlEconomyTraps(t *testing.T) {
	// Default frontier policy, with the retry backoff shortened so the test does not wait.
	fr, err := frontier.OpenBolt(filepath.Join(t.TempDir(), "frontier.db"), frontier.Options{
		BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fr.Close() })
	h := newHarnessOpts(t, testbed.Options{Seed: 5, Markets: 4, Listings: 200, Traps: true}, fr, crawler.Options{})
	h.run(t, 4*time.Minute)

	truth := h.world.Truth()
	minimum := 0
	for _, m := range truth.Markets {
		minimum += m.MinRequests
	}
	st := h.world.Stats()
	fst, err := fr.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name, ms := range fst.Markets {
		if ms.Paused != "" {
			t.Errorf("market %s paused: %s", name, ms.Paused)
		}
		if ms.Dead > 0 {
			dl, _ := fr.Dead(context.Background(), name, 5)
			t.Errorf("market %s: %d dead letters, e.g. %+v", name, ms.Dead, dl)
		}
		if n := ms.Queued + ms.Delayed + ms.InFlight; n > 0 {
			t.Errorf("market %s: %d URLs left queued", name, n)
		}
	}
	for _, e := range st.Log {
		u, _ := url.Parse(e.URL)
		if slices.ContainsFunc(testbed.TrapActions, func(p string) bool { return strings.HasPrefix(u.Path, p) }) {
			t.Errorf("the crawler acted on the market: %s", e.URL)
		}
	}
	cs := h.cr.Stats()
	if got, want := cs.DistinctListings(), len(truth.Listings); got != want {
		t.Errorf("distinct listings stored %d, truth %d", got, want)
	}
	if got, want := cs.DistinctVendors(), len(truth.Vendors); got != want {
		t.Errorf("distinct vendors stored %d, truth %d", got, want)
	}
	ratio := float64(st.Requests) / float64(minimum)
	for _, m := range truth.Markets {
		t.Logf("%s %s min %d requests %d", m.Host[:6], m.Name, m.MinRequests, st.PerHost[m.Host])
	}
	t.Logf("requests %d (crawler counted %d), truth minimum %d: ratio %.3f; listings %d (%.2f requests per listing), vendors %d; skips by reason %v",
		st.Requests, cs.Requests.Load(), minimum, ratio, cs.DistinctListings(), float64(st.Requests)/float64(cs.DistinctListings()), cs.DistinctVendors(), cs.Skips())
	if ratio > 1.15 {
		t.Errorf("requests %d > 1.15 x the minimum %d (%.3f)", st.Requests, minimum, ratio)
	}
	if cs.Requests.Load() != st.Requests {
		t.Errorf("crawler counted %d requests, the testbed served %d", cs.Requests.Load(), st.Requests)
	}
}
