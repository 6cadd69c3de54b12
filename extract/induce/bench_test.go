package induce_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/extract/induce"
)

// BenchmarkInducedExtract compares extraction with induced profiles (the Learner of a crawl
// after induction, merge and checks included) with a goquery parse-only pass over the same
// pages, interleaved page by page so machine load hits both alike. Pages: the listing pages
// of the testbed's classic, rushop and shop markets (profiles off, a profile induced after
// 20 listing pages). "ratio" is extraction pages/s over parse-only pages/s (target >= 0.6);
// "generic_ratio" is the generic extractor's on the same pages, "profile_only_ratio" the
// induced profiles' without the Learner (no checks, no merge), "handwritten_ratio" the
// embedded hand-written profiles of these families', for comparison.
func BenchmarkInducedExtract(b *testing.B) {
	x := newExtractor(b)
	w, err := testbed.New(testbed.Options{Seed: 1, Listings: 60})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	ln := induce.NewLearner(x, induce.LearnerOptions{After: 20, Dir: dir})
	var pages []extract.Page
	var profs []extract.Profile
	var names []string
	for _, fam := range []string{testbed.FamilyClassic, testbed.FamilyRUShop, testbed.FamilyShop} {
		f := fetcher{w, marketOf(b, w, fam, 0)}
		crawl(b, f.info.URL, func(u string) extract.Page { return f.page(b, u) }, learnerRead(b, ln, "generic"), 2000)
		if !ln.Status(f.info.Name).Active {
			b.Fatalf("%s: no induced profile", f.info.Name)
		}
		for _, l := range w.Truth().Listings {
			if l.Market == f.info.Name {
				pages = append(pages, f.page(b, l.URL))
				names = append(names, f.info.Name)
			}
		}
		s, err := induce.ReadFile(dir, f.info.Name)
		if err != nil {
			b.Fatal(err)
		}
		profs = append(profs, s.Profile)
	}
	xp, err := extract.New(extract.Options{Profiles: profs})
	if err != nil {
		b.Fatal(err)
	}
	var parseT, indT, genT, profT, embT time.Duration
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		for i, p := range pages {
			s := time.Now()
			if _, err := goquery.NewDocumentFromReader(bytes.NewReader(p.Body)); err != nil {
				b.Fatal(err)
			}
			m := time.Now()
			if _, err := ln.Extract(p, "generic"); err != nil {
				b.Fatal(err)
			}
			g := time.Now()
			if _, err := x.Extract(p, "generic"); err != nil {
				b.Fatal(err)
			}
			q := time.Now()
			if _, err := xp.Extract(p, names[i]); err != nil {
				b.Fatal(err)
			}
			e := time.Now()
			if _, err := x.Extract(p, "auto"); err != nil {
				b.Fatal(err)
			}
			embT += time.Since(e)
			profT += e.Sub(q)
			genT += q.Sub(g)
			indT += g.Sub(m)
			parseT += m.Sub(s)
			n++
		}
	}
	b.ReportMetric(float64(n)/indT.Seconds(), "induced_pages/s")
	b.ReportMetric(float64(n)/parseT.Seconds(), "parse_pages/s")
	b.ReportMetric(parseT.Seconds()/indT.Seconds(), "ratio")
	b.ReportMetric(parseT.Seconds()/genT.Seconds(), "generic_ratio")
	b.ReportMetric(parseT.Seconds()/profT.Seconds(), "profile_only_ratio")
	b.ReportMetric(parseT.Seconds()/embT.Seconds(), "handwritten_ratio")
}
