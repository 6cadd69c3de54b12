package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/index/alert"
)

var reasonsRe = regexp.MustCompile(`(not fetched|listing pages refetched by the refresh), by reason: *(.*)`)

var summaryRe = regexp.MustCompile(`crawl finished in \S+: (\d+) listings and (\d+) vendors stored, (\d+) requests`)

// TestCrawlRefreshDay2 crawls the testbed (every family, with the economy traps) on day 1,
// then runs `crawl --once --refresh` on day 2 over the same data: the day-1 summary counts
// exactly the truth's listings and vendors, the refresh raises exactly the truth's day-2
// alerts, and it sends at most 0.35 of day 1's requests (printed, per market too, with the
// refetches and skips by reason).
func TestCrawlRefreshDay2(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the testbed twice")
	}
	for _, fb := range []string{"embedded", "redis"} {
		t.Run(fb, func(t *testing.T) { refreshDay2(t, fb) })
	}
}

// refreshDay2 is TestCrawlRefreshDay2 on one frontier backend (the Redis one keeps the card
// book beside it, shared by every crawl process).
func refreshDay2(t *testing.T, frontierBackend string) {
	const seed, listings = 11, 200
	data := t.TempDir()
	base := baseYAML(data, "embedded", "", "", 0, 4) + dayAlertRules
	if frontierBackend == "redis" {
		u := testenv.RedisURL(t)
		var b [6]byte
		_, _ = rand.Read(b[:])
		prefix := "dwrefresh" + hex.EncodeToString(b[:])
		base += "frontier:\n  backend: redis\n  redis:\n    url: " + u + "\n    prefix: " + prefix + "\n"
		t.Cleanup(func() { deleteRedisPrefix(t, u, prefix) })
	}
	seen := map[string]bool{}
	var requests [2]int64
	perMarket := [2]map[string]int64{}
	dayTwo := ""
	for i, day := range []int{1, 2} {
		w, srv := startTestbed(t, testbed.Options{Seed: seed, Day: day, Listings: listings, Traps: true})
		cfg := e2eConfig(t, t.TempDir(), base, srv, w)
		args := []string{"crawl", "-config", cfg, "--once", "--progress", "off"}
		if day == 2 {
			args = append(args, "--refresh")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		var out, errb lockedBuffer
		code := Main(ctx, args, nil, &out, &errb)
		cancel()
		srv.Close()
		if code != exitOK {
			t.Fatalf("day %d crawl: exit %d\n%s\n%s", day, code, out.String(), tail(errb.String(), 3000))
		}
		st := w.Stats()
		requests[i] = st.Requests
		perMarket[i] = map[string]int64{}
		for _, m := range w.Markets() {
			perMarket[i][m.Name+" ("+m.Family+")"] = st.PerHost[m.Host]
		}
		t.Logf("day %d summary:\n%s", day, out.String())
		if day == 2 {
			dayTwo = out.String()
		}
		truth := w.Truth()
		if day == 1 {
			m := summaryRe.FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("no summary line in\n%s", out.String())
			}
			if got, want := m[1], strconv.Itoa(len(truth.Listings)); got != want {
				t.Errorf("summary: %s listings stored, truth %s", got, want)
			}
			if got, want := m[2], strconv.Itoa(len(truth.Vendors)); got != want {
				t.Errorf("summary: %s vendors stored, truth %s", got, want)
			}
			if got, want := m[3], fmt.Sprint(requests[0]); got != want {
				t.Errorf("summary: %s requests, the testbed served %s", got, want)
			}
		}
		var raised []alert.Alert
		for _, a := range listAlerts(t, cfg) {
			if !seen[a.ID] {
				seen[a.ID] = true
				raised = append(raised, a)
			}
		}
		if day == 2 {
			t.Logf("day 2: %d alerts raised, truth %d", len(raised), len(truth.Alerts))
			checkAlertsTruth(t, truth, raised)
		}
	}
	ratio := float64(requests[1]) / float64(requests[0])
	t.Logf("requests: day 1 %d, day 2 refresh %d: ratio %.3f", requests[0], requests[1], ratio)
	for m, n := range perMarket[1] {
		t.Logf("  %s: day 1 %d, day 2 %d: ratio %.3f", m, perMarket[0][m], n, float64(n)/float64(perMarket[0][m]))
	}
	// Every listing page the refresh fetched again, by reason, and the ones it did not
	// fetch (awaits_card: their cards showed no change).
	if m := reasonsRe.FindAllStringSubmatch(dayTwo, -1); m != nil {
		for _, r := range m {
			t.Logf("day 2 %s by reason: %s", r[1], r[2])
		}
	} else {
		t.Errorf("no refetch reasons in the day-2 summary")
	}
	if ratio > 0.35 {
		t.Errorf("the day-2 refresh sent %.3f of day 1's requests, want <= 0.35", ratio)
	}
}
