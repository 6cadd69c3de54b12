package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// raceSlowdown scales time bounds under the race detector (see race_test.go).
var raceSlowdown = 1

// goldenCases: page file, URL it was "fetched" from, expected kind (and interstitial type).
var goldenCases = []struct {
	file, url, kind, typ string
}{
	{"dream_listing", "http://dreammarket.onion/viewProduct?offer=332845.853310", KindListing, ""},
	{"dream_vendor", "http://dreammarket.onion/contactMember?member=JoyInc", KindVendor, ""},
	{"dream_search", "http://dreammarket.onion/?q=card&category=113", KindSearch, ""},
	{"dream_login", "http://dreammarket.onion/login", KindInterstitial, InterstitialLogin},
	{"dream_ddos", "http://dreammarket.onion/", KindInterstitial, InterstitialCaptcha},
	{"dream_not_found", "http://dreammarket.onion/viewProduct?offer=1.2", KindNotFound, ""},
	{"empire_listing", "http://empiremarket.onion/product/45762/73/289", KindListing, ""},
	{"empire_vendor", "http://empiremarket.onion/u/ChillTimes", KindVendor, ""},
	{"empire_search", "http://empiremarket.onion/search/results", KindSearch, ""},
	{"empire_login", "http://empiremarket.onion/index/login", KindInterstitial, InterstitialLogin},
	{"empire_refresh", "http://empiremarket.onion/", KindInterstitial, InterstitialLogin},
	{"apollon_404", "http://apollonmarket.onion/listing.php?ls_id=1", KindNotFound, ""},
	{"cryptonia_listing", "http://cryptoniamarket.onion/product/22970863", KindListing, ""},
	{"cryptonia_vendor", "http://cryptoniamarket.onion/user/GreenSupreme", KindVendor, ""},
	{"cryptonia_category", "http://cryptoniamarket.onion/products/all/Cannabis", KindCategory, ""},
	{"cryptonia_login", "http://cryptoniamarket.onion/login", KindInterstitial, InterstitialLogin},
	{"cryptonia_ddos", "http://cryptoniamarket.onion/", KindInterstitial, InterstitialQueue},
	{"apollon_listing", "http://apollonmarket.onion/listing.php?ls_id=73431", KindListing, ""},
	{"apollon_vendor", "http://apollonmarket.onion/user.php?u_id=dutch-skills", KindVendor, ""},
	{"apollon_search", "http://apollonmarket.onion/home.php?cid=0&search=1", KindCategory, ""},
	{"generic_jsonld", "http://unknownxyz.onion/product/8841", KindListing, ""},
	{"generic_russian_shop", "http://rushop.onion/tovar/77", KindListing, ""},
	{"generic_cards", "http://nova.onion/category/stimulants", KindCategory, ""},
	{"generic_forum", "http://forum.onion/thread/991", KindForumThread, ""},
	{"generic_login", "http://somemarket.onion/login", KindInterstitial, InterstitialLogin},
	{"generic_queue", "http://somemarket.onion/", KindInterstitial, InterstitialQueue},
}

func readPage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pages", name+".html"))
	if err != nil {
		t.Fatal(err)
	}
	b, err = DecodeBody(b, "")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGolden extracts each page and compares the result with testdata/<case>.golden.json.
func TestGolden(t *testing.T) {
	x := testExtractor(t)
	for _, c := range goldenCases {
		t.Run(c.file, func(t *testing.T) {
			res, err := x.Extract(Page{URL: c.url, Body: readPage(t, c.file), FetchedAt: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}, "auto")
			if err != nil {
				t.Fatal(err)
			}
			if res.Kind != c.kind {
				t.Errorf("kind %q, want %q", res.Kind, c.kind)
			}
			if c.typ != "" && (res.Interstitial == nil || res.Interstitial.Type != c.typ) {
				t.Errorf("interstitial %+v, want %s", res.Interstitial, c.typ)
			}
			// Substance tags come from extract/substance, which has its own evaluation; keep
			// them out of the goldens so lexicon updates do not churn them.
			for i := range res.Listings {
				res.Listings[i].Substances, res.Listings[i].DrugOffer = nil, false
			}
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", c.file+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("result differs from %s (run go test -run TestGolden -update and review the diff)", path)
			}
		})
	}
}

// TestNoInterstitialMisfire: no real listing, vendor or search page is taken for a wall,
// although they all carry login/logout links in their headers.
func TestNoInterstitialMisfire(t *testing.T) {
	root := filepath.Join(sharedData(t), "msc-darkweb-scraping")
	x := testExtractor(t)
	n := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.Contains(rel, "expected_values") || !strings.Contains(rel, "html_files") {
			return nil
		}
		content := false
		for _, k := range []string{"listing", "seller", "users", "search", "category", "feedback"} {
			content = content || strings.Contains(rel, k)
		}
		if !content {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		res, err := x.Extract(Page{URL: pageURL(strings.Split(rel, "/")[0], rel), Body: b}, "auto")
		if err != nil {
			return err
		}
		n++
		if res.Kind == KindInterstitial || res.Kind == KindNotFound {
			t.Errorf("%s: kind %s", rel, res.Kind)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d content pages checked", n)
}

func TestLoadProfileStrict(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		ok         bool
	}{
		{"minimal", "name: m\nversion: 1\ndetect: [{title: 'M'}]\n", true},
		{"unknown key", "name: m\nversion: 1\ndetect: [{title: 'M'}]\nbogus: 1\n", false},
		{"unknown field key", "name: m\ndetect: [{title: M}]\npage_types: [{kind: listing, match: {selector: h1}, fields: {title: {selector: h1, nope: 1}}}]\n", false},
		{"unknown field", "name: m\ndetect: [{title: M}]\npage_types: [{kind: listing, match: {selector: h1}, fields: {colour: h1}}]\n", false},
		{"bad selector", "name: m\ndetect: [{selector: 'a[[['}]\n", false},
		{"bad regex", "name: m\ndetect: [{url: '('}]\n", false},
		{"bad kind", "name: m\ndetect: [{title: M}]\npage_types: [{kind: shop, match: {selector: h1}}]\n", false},
		{"alternatives", "name: m\ndetect: [{title: M}]\npage_types: [{kind: listing, match: {selector: h1}, fields: {title: [h1, {label: Title}]}}]\n", true},
	} {
		_, err := LoadProfile(strings.NewReader(c.yaml))
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

func TestUserProfileOverrides(t *testing.T) {
	p, err := LoadProfile(strings.NewReader("name: tiny\nversion: 1\ndetect: [{selector: 'div.tiny-market'}]\npage_types: [{kind: listing, match: {selector: h1.t}, fields: {title: h1.t, price: {label: Cost}, vendor: .v}}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := New(Options{Profiles: []Profile{p}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := x.Extract(Page{URL: "http://tiny.onion/item/9", Body: []byte(`<div class="tiny-market"><h1 class="t">1g Ketamine</h1><p><b>Cost:</b> $40</p><span class="v">kman</span></div>`)}, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Profile != "tiny" || len(res.Listings) != 1 {
		t.Fatalf("got %+v", res)
	}
	l := res.Listings[0]
	if l.ID != "tiny/9" || l.Title != "1g Ketamine" || l.Price.Amount != 40 || l.Price.Currency != "USD" || l.VendorID != "tiny/kman" || l.Grams != 1 {
		t.Errorf("listing %+v", l)
	}
}

func TestURLKey(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"http://a.onion/listing.php?ls_id=73431", "73431"},
		{"http://a.onion/viewProduct?offer=332845.853310", "332845.853310"},
		{"http://a.onion/product/45762/73/289", "289"},
		{"http://a.onion/item/abc-def/", "abc-def"},
		{"http://a.onion/products/view.php", ""},
		{"http://a.onion/", ""},
		{"::bad", ""},
	} {
		if got := URLKey(c.in); got != c.want {
			t.Errorf("URLKey(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestHostilePages(t *testing.T) {
	x := testExtractor(t)
	deep := strings.Repeat("<div>", 100000) + "<h1>x</h1><p>Price: $5</p>" + strings.Repeat("</div>", 100000)
	big := bytes.Repeat([]byte("<p>Price: $5 Vendor: x</p>"), (MaxBodySize/26)+100)
	for name, body := range map[string][]byte{"deep": []byte(deep), "big": big, "empty": nil, "binary": {0, 1, 2, 0xff, 0xfe}} {
		start := time.Now()
		res, err := x.Extract(Page{URL: "http://h.onion/p/1", Body: body}, "auto")
		// x/net/html refuses > 512 open elements with an error: bounded, not a crash.
		if err != nil && !errors.Is(err, ErrPanic) {
			t.Logf("%s: %v", name, err)
		}
		if errors.Is(err, ErrPanic) {
			t.Errorf("%s: panic: %v", name, err)
		}
		d := time.Since(start)
		// Timing is reported, not asserted (machines are noisy); the input cap is what bounds it.
		t.Logf("%s: %d bytes in %v, kind %q", name, len(body), d, res.Kind)
	}
}

func TestDecodeBodyWindows1251(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "pages", "generic_russian_shop.html"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := DecodeBody(raw, "text/html")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "Мефедрон") {
		t.Errorf("not decoded: %.200s", b)
	}
}

func FuzzExtractPage(f *testing.F) {
	// generic: the held-out layouts; the testbed's golden pages (the vault family's too)
	for _, dir := range []string{filepath.Join("testdata", "pages"), filepath.Join("testdata", "generic"), filepath.Join("..", "crawler", "testbed", "testdata", "golden")} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), ".html") {
				continue
			}
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`<div><a href="/item/1">x</a> $5</div><div><a href="/item/2">y</a> $6</div><div><a href="/item/3">z</a> $7</div>`))
	x, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		start := time.Now()
		_, err := x.Extract(Page{URL: "http://f.onion/listing/1", Body: body}, "auto")
		if errors.Is(err, ErrPanic) {
			t.Fatal(err)
		}
		// A hang guard for fuzzing only: generous enough for a loaded machine.
		if d := time.Since(start); d > time.Duration(raceSlowdown)*60*time.Second {
			t.Fatalf("took %v on %d bytes", d, len(body))
		}
	})
}

func FuzzURLKey(f *testing.F) {
	for _, s := range []string{"http://a.onion/listing.php?ls_id=1", "http://a.onion/product/1/2/3", "/x/y.php?id=%zz", "http://[::1]:80/a/b/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := URLKey(s)
		if strings.ContainsAny(k, "/\n") || len(k) > 4*128 {
			t.Fatalf("URLKey(%q) = %q", s, k)
		}
		_ = vendorFromURL(s)
	})
}

// BenchmarkExtract compares full extraction with a goquery parse-only pass over the same
// pages. Both run interleaved page by page in one loop, so machine load hits them alike;
// "ratio" is extraction pages/s divided by parse-only pages/s (target >= 0.6).
func BenchmarkExtract(b *testing.B) { benchExtractVsParse(b, "auto") }

// benchExtractVsParse runs the golden pages through extraction with profile (interleaved
// with a goquery parse-only pass over the same page) and reports the ratio.
func benchExtractVsParse(b *testing.B, profile string) {
	var pages [][]byte
	for _, c := range goldenCases {
		pages = append(pages, readPage(b, c.file))
	}
	x := testExtractor(b)
	var parseT, extractT time.Duration
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		for i, p := range pages {
			s := time.Now()
			if _, err := goquery.NewDocumentFromReader(bytes.NewReader(p)); err != nil {
				b.Fatal(err)
			}
			m := time.Now()
			if _, err := x.Extract(Page{URL: goldenCases[i].url, Body: p}, profile); err != nil {
				b.Fatal(err)
			}
			extractT += time.Since(m)
			parseT += m.Sub(s)
			n++
		}
	}
	b.ReportMetric(float64(n)/extractT.Seconds(), "extract_pages/s")
	b.ReportMetric(float64(n)/parseT.Seconds(), "parse_pages/s")
	b.ReportMetric(parseT.Seconds()/extractT.Seconds(), "ratio")
}

// TestDetectWeakRule: a detect rule that is one plain-word selector ("div.crumbs") is
// markup other software shares: alone it does not give a page the profile; beside another
// matching rule it counts, and a class of the software's own ("tiny-market") is enough.
func TestDetectWeakRule(t *testing.T) {
	p, err := LoadProfile(strings.NewReader("name: weak\nversion: 1\ndetect: [{selector: 'div.crumbs'}, {selector: 'main.wk h2.nm'}, {selector: 'div.Weak_Shop'}]\npage_types: [{kind: listing, match: {selector: h1}, fields: {title: h1}}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := New(Options{Profiles: []Profile{p}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, body, want string }{
		{"plain word alone", `<div class="crumbs"><a href="/">Home</a></div><h1>1g Ketamine</h1>`, ""},
		{"plain word and a structural rule", `<div class="crumbs"></div><main class="wk"><h2 class="nm">W</h2><h1>1g Ketamine</h1></main>`, "weak"},
		{"own class alone", `<div class="Weak_Shop"><h1>1g Ketamine</h1></div>`, "weak"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := x.Extract(Page{URL: "http://weak.onion/item/9", Body: []byte("<html><body>" + c.body + "</body></html>")}, "auto")
			if err != nil {
				t.Fatal(err)
			}
			if res.Profile != c.want {
				t.Errorf("profile %q, want %q", res.Profile, c.want)
			}
		})
	}
}

// TestProfileOnWall: a page type that matches on the URL and a plain heading (as induced
// profiles do) does not read the DDoS queue page a market serves at a listing URL as a
// listing: the page is an interstitial; the listing page itself still reads.
func TestProfileOnWall(t *testing.T) {
	p, err := LoadProfile(strings.NewReader("name: wall\nversion: 1\ndetect: [{url: '^http://wall[.]onion/'}]\npage_types: [{kind: listing, match: {url: '/product/', selector: h2}, fields: {title: h2, price: p.price}}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := New(Options{Profiles: []Profile{p}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, body, kind string }{
		{"queue page", `<head><meta http-equiv="refresh" content="5"><title>WALL</title></head><body><h2>Please wait</h2><p>You are in the queue. Position: 4.</p></body>`, KindInterstitial},
		{"listing", `<body><h2>1g Ketamine</h2><p class="price">$40</p><p>` + strings.Repeat("Crystal ketamine, lab tested. ", 10) + `</p></body>`, KindListing},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := x.Extract(Page{URL: "http://wall.onion/product/8", Body: []byte("<html>" + c.body + "</html>")}, "wall")
			if err != nil {
				t.Fatal(err)
			}
			if res.Kind != c.kind || c.kind == KindInterstitial && len(res.Listings) > 0 {
				t.Errorf("kind %s with %d listings, want %s", res.Kind, len(res.Listings), c.kind)
			}
		})
	}
}
