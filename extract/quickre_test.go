package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// quickCorpus is every regexp wrapped in a quickRe: the package's and the embedded
// profiles'.
func quickCorpus(t testing.TB) []*quickRe {
	qs := []*quickRe{boardURLRe, captchaRe, catURLRe, countUnitRe, deadDropRe, forumURLRe,
		genListingRe, genNextText, genVendorRe, loginActionRe, loginFieldRe, loginWordsRe,
		notFoundRe, queueRe, searchURLRe}
	x := testExtractor(t)
	for _, name := range x.order {
		c := x.profiles[name]
		qs = append(qs, c.lListing, c.lVendor, c.lNextURL, c.lIgnore)
		for _, m := range c.detect {
			qs = append(qs, m.url, m.title)
		}
		var field func(f *cField)
		field = func(f *cField) {
			qs = append(qs, f.re)
			for _, a := range f.alts {
				field(a)
			}
		}
		for _, p := range c.pages {
			qs = append(qs, p.match.url, p.match.title)
			for _, f := range p.fields {
				field(f)
			}
		}
	}
	var out []*quickRe
	for _, q := range qs {
		if q != nil {
			out = append(out, q)
		}
	}
	return out
}

func TestQuickReLiterals(t *testing.T) {
	tests := []struct {
		re   string
		lits []string // nil: no prefilter
		fold bool
	}{
		{`logout|/cart`, []string{"logout", "/cart"}, false},
		{`[?&](q|s)=`, []string{"?q=", "?s=", "&q=", "&s="}, false},
		{`(?i)next|more`, []string{"next", "more"}, true},
		{`(?i)users?/`, []string{"users/", "user/"}, true},
		{`a*`, nil, false},
		{`^x|y`, []string{"x", "y"}, false},
		{`(?i)k`, []string{"k"}, true}, // only on ASCII input: the Kelvin sign folds to k
		{`(?i)\x{212A}`, []string{"k"}, true},
		{`(?i)[s]`, []string{"S", "s", "ſ"}, false}, // the class lists every case form
		{`\x{FFFD}`, nil, false},
		{`/(item|offer)(/|\?|$)`, []string{"/item", "/offer"}, false},
	}
	for _, tc := range tests {
		q := mustQuick(tc.re)
		if strings.Join(q.lits, "|") != strings.Join(tc.lits, "|") && !sameSet(q.lits, tc.lits) {
			t.Errorf("%s: lits %q, want %q", tc.re, q.lits, tc.lits)
		}
		if q.lits != nil && q.fold != tc.fold {
			t.Errorf("%s: fold %v, want %v", tc.re, q.fold, tc.fold)
		}
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestQuickReSameAsRegexp checks the prefilter never changes a result, on every link,
// line and title of the test pages and on tricky strings.
func TestQuickReSameAsRegexp(t *testing.T) {
	inputs := []string{"", "K", "\u212a", "\u017f", "LOGIN", "Log In", "LOG\u212aIN", "\xff", "\xffsearch",
		"/Product/12", "?Q=1", "ſearch", "Следующая", "NEXT ›", "/USER/x", "waiting ROOM", "/vendor.php?x",
		"ПОДОЖДИТЕ", "Очередь…", "защита от DDOS", "Καπча", "CAPTCHA ★", "Σ ς σ next", "\xffКАПЧА", "Не Найден", "LOG IN ☺", "ſign in ★"}
	files, _ := filepath.Glob("testdata/pages/*.html")
	x := testExtractor(t)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := x.Extract(Page{URL: "http://m.onion/a/b.php?id=1", Body: b}, "auto")
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range res.Links {
			inputs = append(inputs, l.URL, strings.ToLower(l.URL), strings.ToUpper(l.URL))
		}
		for _, ln := range strings.Split(string(b), "\n") {
			if len(ln) < 300 {
				inputs = append(inputs, ln, strings.ToUpper(ln), strings.ToLower(ln))
			}
		}
	}
	seen := map[string]bool{}
	uniq := inputs[:0]
	for _, s := range inputs {
		if !seen[s] {
			seen[s] = true
			uniq = append(uniq, s)
		}
	}
	// keep the test short: an even sample of the lines (the links and tricky strings come first)
	if step := len(uniq) / 4000; step > 1 {
		sample := uniq[:0]
		for i, s := range uniq {
			if i < 200 || i%step == 0 {
				sample = append(sample, s)
			}
		}
		uniq = sample
	}
	for _, q := range quickCorpus(t) {
		for _, s := range uniq {
			if got, want := q.MatchString(s), q.Regexp.MatchString(s); got != want {
				t.Errorf("%s on %q: %v, regexp says %v", q, s, got, want)
			}
		}
	}
}

func FuzzQuickRe(f *testing.F) {
	for _, s := range []string{"/product/1", "LOGIN", "\u212a", "?q=x", "next ›", "ПОДОЖДИТЕ", "Σ ς"} {
		f.Add(s)
	}
	qs := quickCorpus(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, q := range qs {
			if got, want := q.MatchString(s), q.Regexp.MatchString(s); got != want {
				t.Fatalf("%s on %q: %v, regexp says %v", q, s, got, want)
			}
		}
	})
}

func TestFoldCanon(t *testing.T) {
	for _, p := range [][2]string{{"ſ", "S"}, {"\u212a", "k"}, {"Σ", "ς"}, {"σ", "ς"}, {"ПОДОЖДИТЕ", "подождите"}, {"\xff", "\uFFFD"}} {
		if a, b := foldCanon(p[0]), foldCanon(p[1]); a != b {
			t.Errorf("foldCanon(%q) = %q, foldCanon(%q) = %q", p[0], a, p[1], b)
		}
	}
}

func TestLitMatcher(t *testing.T) {
	few := []string{"ab", "cd"}
	many := []string{"logout", "/cart", "a", "report", "xyz", "é", "purchase", "q="}
	for _, s := range []string{"", "a", "/x/logou", "/x/logout", "?q=1", "caté", "repor", "xy", "ab", "zcd"} {
		for _, lits := range [][]string{few, many} {
			want := false
			for _, l := range lits {
				want = want || strings.Contains(s, l)
			}
			m := newLitMatcher(lits)
			if got := m.in(s); got != want {
				t.Errorf("%q in %q: %v, want %v", lits, s, got, want)
			}
		}
	}
}
