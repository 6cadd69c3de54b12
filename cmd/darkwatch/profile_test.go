package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/config"
	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/extract/induce"
)

// TestProfileCommand: a crawl's extractor (crawlExtractor) induces a profile for a market
// without one; `darkwatch profile` prints it; the printed YAML loads as a user profile
// (the config's profiles:) and reads every listing page as the crawl did.
func TestProfileCommand(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "darkwatch.yaml")
	if err := os.WriteFile(cfgPath, []byte("data_dir: "+dir+"\ncrawl: {induce_after: 15}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	x, err := newExtractor(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ex := crawlExtractor(cfg, x, nil)
	w, err := testbed.New(testbed.Options{Seed: 4, Listings: 40})
	if err != nil {
		t.Fatal(err)
	}
	tr := w.Truth()
	var m testbed.MarketInfo
	for _, mi := range tr.Markets {
		if mi.Family == testbed.FamilyClassic {
			m = mi
		}
	}
	page := func(u string) extract.Page {
		st, ct, body, err := w.Page(m.Name, strings.TrimPrefix(u, strings.TrimSuffix(m.URL, "/")))
		if err != nil {
			t.Fatal(err)
		}
		return extract.Page{URL: u, Market: m.Name, Body: body, ContentType: ct, Status: st}
	}
	var listings []string
	for _, l := range tr.Listings {
		if l.Market == m.Name {
			listings = append(listings, l.URL)
		}
	}
	// the market's listing pages, as a crawl with profile generic (the embedded classic
	// profile would otherwise read them) hands them over
	crawled := map[string]extract.Result{}
	for _, u := range listings {
		res, err := ex.Extract(page(u), "generic")
		if err != nil {
			t.Fatal(err)
		}
		crawled[u] = res
	}

	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"profile", "-config", cfgPath}, nil, &out, &errb); code != exitOK || !strings.HasPrefix(out.String(), m.Name+"\t") {
		t.Fatalf("list: exit %d, out %q, stderr %q", code, out.String(), errb.String())
	}
	out.Reset()
	if code := Main(context.Background(), []string{"profile", "-config", cfgPath, "--market", m.Name}, nil, &out, &errb); code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	t.Logf("printed profile:\n%s", out.String())
	prof, err := extract.LoadProfile(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatalf("printed profile does not load: %v", err)
	}
	shipped := filepath.Join(dir, "shipped.yaml")
	if err := os.WriteFile(shipped, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Profiles = []string{shipped}
	xu, err := newExtractor(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	same := 0
	for _, u := range listings[15:] { // read with the induced profile during the crawl
		got, err := xu.Extract(page(u), prof.Name)
		if err != nil {
			t.Fatal(err)
		}
		want := crawled[u]
		if len(got.Listings) != 1 || len(want.Listings) != 1 {
			t.Fatalf("%s: %d listings with the shipped profile, %d in the crawl", u, len(got.Listings), len(want.Listings))
		}
		g, c := induce.Fields(&got.Listings[0]), induce.Fields(&want.Listings[0])
		if fmt.Sprint(g) != fmt.Sprint(c) { // every compared field (maps print sorted)
			t.Errorf("%s: shipped profile %v\ncrawl %v", u, g, c)
			continue
		}
		same++
	}
	if same == 0 {
		t.Fatal("no listing compared")
	}
	if code := Main(context.Background(), []string{"profile", "-config", cfgPath, "--market", "nosuch"}, nil, &out, &errb); code != exitUsage {
		t.Errorf("unknown market: exit %d, want %d", code, exitUsage)
	}
}
