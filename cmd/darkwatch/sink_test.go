package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
)

// TestSinkCardOnlyListings crawls the testbed with a page cap so that many listing pages
// are never fetched: the listings seen only on cards are indexed (marked partial), each
// with a truth id and the truth's title and market; none is a stray record.
func TestSinkCardOnlyListings(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the testbed")
	}
	w, srv := startTestbed(t, testbed.Options{Seed: e2eSeed, Listings: e2eListings})
	truth := map[string]extract.Listing{}
	for _, l := range w.Truth().Listings {
		truth[l.ID] = l
	}
	dir := t.TempDir()
	base := strings.Replace(baseYAML(dir, "embedded", "", "", 0, 4), "crawl:\n", "crawl:\n  max_pages_per_market: 12\n", 1)
	cfg := e2eConfig(t, t.TempDir(), base, srv, w)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if code, out, stderr := runCrawlMain(ctx, cfg); code != exitOK {
		t.Fatalf("crawl: exit %d\n%s\n%s", code, out, tail(stderr, 3000))
	}
	got := searchMain(t, cfg)
	partial := 0
	for _, l := range got {
		w, ok := truth[l.ID]
		if !ok {
			t.Errorf("indexed %s (partial %v, title %q): not a truth listing", l.ID, index.IsPartial(l), l.Title)
			continue
		}
		if !index.IsPartial(l) {
			continue
		}
		partial++
		if l.Title != w.Title || l.Market != w.Market || l.Description != "" || l.Capture == nil {
			t.Errorf("card-only %s: title %q market %q, want %q %q, no description, a capture", l.ID, l.Title, l.Market, w.Title, w.Market)
		}
	}
	t.Logf("%d listings indexed of %d in the truth, %d of them from cards only", len(got), len(truth), partial)
	if partial == 0 || len(got) == len(truth) {
		t.Errorf("%d card-only listings of %d indexed: the page cap should leave listing pages unfetched", partial, len(got))
	}
}

// TestSinkAlertsDays crawls testbed days 1 and 2, then day 2 again, through the real sink
// (cards stored as partial records) with one rule per alert kind, on each backend: day 2's
// alerts must be the truth's (cards raise no false listing_gone or price_change), the
// repeat none.
func TestSinkAlertsDays(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the testbed three times per backend")
	}
	for _, backend := range []string{"embedded", "elasticsearch"} {
		t.Run(backend, func(t *testing.T) { sinkAlertsDays(t, backend) })
	}
}

// dayAlertRules raise every kind of alert the testbed's truth lists for a day.
const dayAlertRules = "alerts:\n  rules:\n" +
	"    - {name: new-vendors, kind: new_vendor}\n" +
	"    - {name: new-substances, kind: new_substance, severity: warning}\n" +
	"    - {name: operators, kind: vendor_on_new_market, severity: critical}\n" +
	"    - {name: prices, kind: price_change, threshold_pct: 0.001}\n" +
	"    - {name: gone, kind: listing_gone}\n"

func sinkAlertsDays(t *testing.T, backend string) {
	const seed, listings = 11, 40
	data := t.TempDir()
	var esURL, prefix string
	if backend == "elasticsearch" {
		esURL = testenv.ESURL(t)
		prefix = fmt.Sprintf("dwsink%d", time.Now().UnixNano())
		cleanupES(t, esURL, prefix)
	}
	base := baseYAML(data, backend, esURL, prefix, 0, 4) + dayAlertRules
	seen := map[string]bool{}
	for i, day := range []int{1, 2, 2} {
		w, srv := startTestbed(t, testbed.Options{Seed: seed, Day: day, Listings: listings})
		cfg := e2eConfig(t, t.TempDir(), base, srv, w)
		if i > 0 {
			// Every known page is due again, including listings removed since (their 404
			// is what listing_gone is raised on).
			fr, err := frontier.OpenBolt(filepath.Join(data, "frontier.db"), frontier.Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = fr.RecrawlNow(context.Background())
			fr.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		code, out, stderr := runCrawlMain(ctx, cfg)
		cancel()
		srv.Close()
		if code != exitOK {
			t.Fatalf("day %d crawl: exit %d\n%s\n%s", day, code, out, tail(stderr, 3000))
		}
		var raised []alert.Alert
		for _, a := range listAlerts(t, cfg) {
			if !seen[a.ID] {
				seen[a.ID] = true
				raised = append(raised, a)
			}
		}
		switch i {
		case 0:
			t.Logf("day 1 (baseline): %d alerts", len(raised))
		case 1:
			checkAlertsTruth(t, w.Truth(), raised)
		default:
			for _, a := range raised {
				t.Errorf("crawling day 2 again raised %s %s %s", a.Kind, a.Market, a.Subject)
			}
		}
	}
}

func listAlerts(t *testing.T, cfg string) []alert.Alert {
	t.Helper()
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"alerts", "-config", cfg, "--json"}, strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("alerts --json: exit %d: %s", code, errb.String())
	}
	var as []alert.Alert
	dec := json.NewDecoder(&out)
	for dec.More() {
		var a alert.Alert
		if err := dec.Decode(&a); err != nil {
			t.Fatalf("alerts output: %v", err)
		}
		as = append(as, a)
	}
	return as
}

// checkAlertsTruth compares the alerts with the truth's as kind, market, subject
// (vendor_on_new_market: the truth's actor of the vendor): none missing, none extra.
func checkAlertsTruth(t *testing.T, tr testbed.Truth, alerts []alert.Alert) {
	t.Helper()
	actorOf := map[string]string{}
	for _, v := range tr.Vendors {
		actorOf[v.ID] = v.Actor
	}
	want, got := map[string]int{}, map[string]int{}
	for _, a := range tr.Alerts {
		want[a.Kind+" "+a.Market+" "+a.Subject]++
	}
	for _, a := range alerts {
		subj := a.Subject
		if a.Kind == alert.KindVendorOnNewMarket && len(a.VendorIDs) > 0 {
			subj = actorOf[a.VendorIDs[0]]
		}
		got[a.Kind+" "+a.Market+" "+subj]++
	}
	var missing, extra []string
	for k := range want {
		if got[k] == 0 {
			missing = append(missing, k)
		}
	}
	for k, n := range got {
		if want[k] == 0 || n > 1 {
			extra = append(extra, fmt.Sprintf("%s x%d", k, n))
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	t.Logf("day %d: %d alerts in the truth, %d raised", tr.Day, len(tr.Alerts), len(alerts))
	if len(missing)+len(extra) > 0 {
		t.Errorf("day %d alerts vs truth: missing %v; extra or doubled %v", tr.Day, missing, extra)
	}
}
