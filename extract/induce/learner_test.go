package induce_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/extract/induce"
)

func newExtractor(t testing.TB) *extract.Extractor {
	t.Helper()
	x, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func marketOf(t testing.TB, w *testbed.World, family string, nth int) testbed.MarketInfo {
	t.Helper()
	for _, m := range w.Truth().Markets {
		if m.Family == family {
			if nth == 0 {
				return m
			}
			nth--
		}
	}
	t.Fatalf("no %s market", family)
	return testbed.MarketInfo{}
}

// rehost serves a testbed market's pages under another host and market name.
type rehost struct {
	f      fetcher
	host   string
	market string
}

func (r rehost) start() string { return "http://" + r.host + "/" }

func (r rehost) url(u string) string { return r.start() + strings.TrimPrefix(u, r.f.info.URL) }

func (r rehost) page(t testing.TB, u string) extract.Page {
	t.Helper()
	p := r.f.page(t, r.f.info.URL+strings.TrimPrefix(u, r.start()))
	p.URL, p.Market = u, r.market
	return p
}

func learnerRead(t testing.TB, ln *induce.Learner, profile string) func(extract.Page) extract.Result {
	return func(p extract.Page) extract.Result {
		t.Helper()
		res, err := ln.Extract(p, profile)
		if err != nil {
			t.Fatalf("%s: %v", p.URL, err)
		}
		return res
	}
}

// agreeTruth counts the truth listings of r's market whose title and price the learner
// reads right.
func agreeTruth(t testing.TB, w *testbed.World, r rehost, read func(extract.Page) extract.Result) (ok, n int) {
	for _, l := range w.Truth().Listings {
		if l.Market != r.f.info.Name {
			continue
		}
		n++
		res := read(r.page(t, r.url(l.URL)))
		if len(res.Listings) > 0 && res.Listings[0].Title == l.Title && res.Listings[0].Price.Amount == l.Price.Amount {
			ok++
		}
	}
	return ok, n
}

// TestLayoutChange crawls one market whose software changes mid-crawl (the pages of a
// classic-family market, then those of a shop-family market, then those of a tabs-family
// market, on the same host): the profile induced from each layout stops matching, is
// dropped, and one induced from the next layout replaces it, in use and on disk.
func TestLayoutChange(t *testing.T) {
	x := newExtractor(t)
	w, err := testbed.New(testbed.Options{Seed: 3, Listings: 50, Markets: 7})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ln := induce.NewLearner(x, induce.LearnerOptions{Dir: dir, After: 15})
	const host, market = "layoutchange.onion", "changing"
	read := learnerRead(t, ln, "generic")
	phase := func(family string, wantInduced int, wantURL string) {
		r := rehost{f: fetcher{w, marketOf(t, w, family, 0)}, host: host, market: market}
		crawl(t, r.start(), func(u string) extract.Page { return r.page(t, u) }, read, 400)
		st := ln.Status(market)
		if !st.Active || st.Induced != wantInduced {
			t.Fatalf("after the %s layout: profile active %v, induced %d times (samples %d, last error %v); want active, %d", family, st.Active, st.Induced, st.Samples, st.LastError, wantInduced)
		}
		s, err := induce.ReadFile(dir, market)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(s.YAML), wantURL) {
			t.Errorf("after the %s layout the stored profile does not read %s URLs:\n%s", family, wantURL, s.YAML)
		}
		ok, n := agreeTruth(t, w, r, read)
		t.Logf("%s layout: induced %d, title and price right on %d of %d listings", family, st.Induced, ok, n)
		if float64(ok) < 0.99*float64(n) {
			t.Errorf("%s layout: title and price right on %d of %d listings", family, ok, n)
		}
	}
	phase(testbed.FamilyClassic, 1, `/listing/`)
	phase(testbed.FamilyShop, 2, `/product/`)
	phase(testbed.FamilyTabs, 3, `/item/`) // a new family: listings with tab sub-pages
}

// TestNotAnotherMarket: an induced profile is never applied to another market's page, not
// even one running the same software; loaded as a user profile, `auto` does not pick it
// for another host.
func TestNotAnotherMarket(t *testing.T) {
	x := newExtractor(t)
	w, err := testbed.New(testbed.Options{Seed: 5, Markets: 9, Listings: 40})
	if err != nil {
		t.Fatal(err)
	}
	a, b := marketOf(t, w, testbed.FamilyClassic, 0), marketOf(t, w, testbed.FamilyClassic, 1)
	fa := fetcher{w, a}
	ln := induce.NewLearner(x, induce.LearnerOptions{After: 15})
	crawl(t, a.URL, func(u string) extract.Page { return fa.page(t, u) }, learnerRead(t, ln, "generic"), 300)
	dir := t.TempDir()
	ln2 := induce.NewLearner(x, induce.LearnerOptions{Dir: dir, After: 15})
	crawl(t, a.URL, func(u string) extract.Page { return fa.page(t, u) }, learnerRead(t, ln2, "generic"), 300)
	s, err := induce.ReadFile(dir, a.Name)
	if err != nil {
		t.Fatal(err)
	}
	xu, err := extract.New(extract.Options{Profiles: []extract.Profile{s.Profile}})
	if err != nil {
		t.Fatal(err)
	}
	fb := fetcher{w, b}
	checked := 0
	for _, l := range w.Truth().Listings {
		if l.Market != b.Name {
			continue
		}
		p := fb.page(t, l.URL)
		for _, prof := range []string{"auto", "generic"} {
			res, err := xu.Extract(p, prof)
			if err != nil {
				t.Fatal(err)
			}
			if res.Profile == a.Name {
				t.Fatalf("%s page %s read with %s's induced profile (%s)", b.Name, l.URL, a.Name, prof)
			}
		}
		res, err := ln.Extract(p, "generic")
		if err != nil {
			t.Fatal(err)
		}
		if res.Profile == a.Name {
			t.Fatalf("learner read %s page %s with %s's profile", b.Name, l.URL, a.Name)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no listing of the second market")
	}
}

// TestStoredProfile: a stored profile carries its provenance and checksum, an edited file
// is refused (ErrChecksum), and a new Learner (a restarted crawl) uses the stored profile
// from the market's first page.
func TestStoredProfile(t *testing.T) {
	x := newExtractor(t)
	w, err := testbed.New(testbed.Options{Seed: 2, Listings: 40})
	if err != nil {
		t.Fatal(err)
	}
	m := marketOf(t, w, testbed.FamilyRUShop, 0)
	f := fetcher{w, m}
	dir := t.TempDir()
	ln := induce.NewLearner(x, induce.LearnerOptions{Dir: dir, After: 15})
	crawl(t, m.URL, func(u string) extract.Page { return f.page(t, u) }, learnerRead(t, ln, "generic"), 200)
	path, err := induce.Path(dir, m.Name)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# darkwatch induced profile", "# market: " + m.Name, "# sha256: ", "# generic: listing", "page_types:"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("stored profile lacks %q:\n%s", want, data)
		}
	}
	ln2 := induce.NewLearner(x, induce.LearnerOptions{Dir: dir})
	if _, err := ln2.Extract(f.page(t, m.URL), "generic"); err != nil {
		t.Fatal(err)
	}
	if st := ln2.Status(m.Name); !st.Active || st.Induced != 0 {
		t.Errorf("restarted learner: active %v, induced %d; want the stored profile in use", st.Active, st.Induced)
	}
	edited := strings.Replace(string(data), "title:", "title: ", 1) + "\n# edited\n"
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := induce.ReadFile(dir, m.Name); !errors.Is(err, induce.ErrChecksum) {
		t.Errorf("edited profile: err %v, want ErrChecksum", err)
	}
	if _, err := induce.Path(dir, "../etc/passwd"); err == nil {
		t.Error("a market name with a path separator names a file")
	}
	if _, err := induce.ReadFile(filepath.Join(dir, "none"), m.Name); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing profile: err %v, want ErrNotExist", err)
	}
}

// TestLearnerConcurrent: the crawler's workers call one Learner at once (run with -race);
// the profile is induced once and used.
func TestLearnerConcurrent(t *testing.T) {
	x := newExtractor(t)
	w, err := testbed.New(testbed.Options{Seed: 6, Listings: 40})
	if err != nil {
		t.Fatal(err)
	}
	m := marketOf(t, w, testbed.FamilyShop, 0)
	f := fetcher{w, m}
	var pages []extract.Page
	for _, l := range w.Truth().Listings {
		if l.Market == m.Name {
			pages = append(pages, f.page(t, l.URL))
		}
	}
	ln := induce.NewLearner(x, induce.LearnerOptions{After: 10})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < len(pages); i += 4 {
				if _, err := ln.Extract(pages[i], "generic"); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if st := ln.Status(m.Name); !st.Active || st.Induced != 1 {
		t.Errorf("after %d pages from 4 workers: active %v, induced %d; want active, once", len(pages), st.Active, st.Induced)
	}
}
