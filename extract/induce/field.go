package induce

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/darkwatch/darkwatch/extract"
)

// scope is where one record lives: a whole page or one card of a page.
type scope struct {
	d     *doc
	root  *html.Node
	elems []*html.Node // elements under root (root excluded), in document order
	base  *url.URL
}

// Read modes of a field spec.
const (
	mFirst = iota // the first match with a value (extract's default)
	mAll          // every match, joined with " > " (category paths)
	mHref         // the first match's href (card URLs)
)

// spec is one way to read a field: a selector, a mode and an optional constant text around
// the value ("Ships from: " before it).
type spec struct {
	sel      string
	mode     int
	pre, suf string
}

func (s spec) regex() string {
	if s.pre == "" && s.suf == "" {
		return ""
	}
	return "(?i)^" + fuzzy(s.pre) + "(.+?)" + fuzzy(s.suf) + "$"
}

// fuzzy quotes s for a regex, letting any run of spaces match any (or no) white space.
func fuzzy(s string) string {
	var parts []string
	for _, w := range strings.Fields(s) {
		parts = append(parts, regexp.QuoteMeta(w))
	}
	q := strings.Join(parts, `\s*`)
	if q != "" {
		q += `\s*`
		if strings.TrimSpace(s) != s && strings.HasPrefix(s, " ") {
			q = `\s*` + q
		}
	}
	return q
}

// compiled spec with its selector.
type cspec struct {
	spec
	sel cascadia.Selector
	re  *regexp.Regexp
	lit string // a lower-case word of the affix that a value's text must contain
}

func compileSpec(s spec) (*cspec, bool) {
	sel, err := cascadia.Compile(s.sel)
	if err != nil {
		return nil, false
	}
	c := &cspec{spec: s, sel: sel}
	if r := s.regex(); r != "" {
		if c.re, err = regexp.Compile(r); err != nil {
			return nil, false
		}
		if w := strings.Fields(s.pre + " " + s.suf); len(w) > 0 {
			c.lit = strings.ToLower(w[0])
		}
	}
	return c, true
}

// eval reads the spec's value in a scope, as the extractor would (the first match with a
// value, or all of them joined for mAll); ambiguous: another match holds another value
// (the first of several vendors on a page: the listing's only while a "more from this
// vendor" block comes before the related items).
func (c *cspec) eval(sc *scope) (value string, ambiguous bool) {
	var parts []string
	first := ""
	for _, n := range c.sel.MatchAll(sc.root) {
		if n == sc.root {
			continue
		}
		var v string
		if c.mode == mHref {
			v = hrefOf(sc.base, n)
		} else {
			v = sc.d.textOf(n)
		}
		if v == "" {
			continue
		}
		if c.re != nil {
			if c.lit != "" && !strings.Contains(strings.ToLower(v), c.lit) {
				continue
			}
			m := c.re.FindStringSubmatch(v)
			if m == nil {
				continue
			}
			v = strings.TrimSpace(m[1])
		}
		if c.mode != mAll {
			if first == "" {
				first = v
				continue
			}
			if v != first {
				return first, true
			}
			continue
		}
		parts = append(parts, v)
	}
	if c.mode != mAll {
		return first, false
	}
	return strings.Join(parts, " > "), false
}

// score is how a spec does over the scopes of one field.
type score struct {
	agree, wrong, missed, filled, with int
	// ambiguous counts scopes where the spec's matches hold more than one value
	ambiguous int
	// stated counts agreements where the spec read a value (status: a stock statement, not
	// the absence of one)
	stated int
	// evidence counts agreements on a value that is not the extractor's default (status:
	// sold_out), the only ones that show the spec tells values apart
	evidence int
}

// fieldSearch finds the best spec for one field over scopes with their targets.
type fieldSearch struct {
	scopes  []*scope
	targets []target
}

// maxCandidates bounds the specs evaluated per field.
const maxCandidates = 32

func (fs *fieldSearch) best(minAgree float64, minScopes int) (spec, score, bool) {
	cands := newTally[spec]()
	for i, sc := range fs.scopes {
		t := fs.targets[i]
		if t.empty() {
			continue
		}
		seen := map[spec]bool{}
		add := func(s spec) {
			if !seen[s] {
				seen[s] = true
				cands.add(s)
			}
		}
		if t.kind == tStatus && t.text == extract.StatusActive {
			// an active listing may show no stock text at all: evidence comes from
			// the pages that show one
			for _, n := range sc.elems {
				if s := sc.d.textOf(n); stockStatement(s) {
					candidates(sc.root, n, func(sel string) { add(spec{sel: sel}) })
				}
			}
			continue
		}
		for _, m := range findMatches(sc, t) {
			candidates(sc.root, m.n, func(sel string) { add(spec{sel: sel, mode: m.mode, pre: m.pre, suf: m.suf}) })
		}
	}
	order := cands.top(maxCandidates, func(s spec) int { return len(s.sel) })
	var bestS spec
	var bestSc score
	found := false
	for _, s := range order {
		c, ok := compileSpec(s)
		if !ok {
			continue
		}
		sc, done := fs.eval(c, bestSc.agree)
		if !done {
			continue
		}
		if !found || better(s, sc, bestS, bestSc) {
			bestS, bestSc, found = s, sc, true
		}
	}
	if !found || bestSc.with < minScopes || float64(bestSc.agree) < minAgree*float64(bestSc.with) {
		return spec{}, bestSc, false
	}
	return bestS, bestSc, true
}

func better(s spec, a score, t spec, b score) bool {
	if a.agree != b.agree {
		return a.agree > b.agree
	}
	if a.wrong != b.wrong {
		return a.wrong < b.wrong
	}
	if a.ambiguous != b.ambiguous {
		return a.ambiguous < b.ambiguous // a value told apart from the page's other ones
	}
	if (s.pre == "" && s.suf == "") != (t.pre == "" && t.suf == "") {
		return s.pre == "" && s.suf == ""
	}
	return len(s.sel) < len(t.sel)
}

// eval scores c over the scopes; it gives up (done false) once c cannot reach floor
// agreements.
func (fs *fieldSearch) eval(c *cspec, floor int) (r score, done bool) {
	left := 0
	for _, t := range fs.targets {
		if !t.empty() {
			left++
		}
	}
	for i, sc := range fs.scopes {
		t := fs.targets[i]
		if !t.empty() {
			if r.agree+left < floor {
				return r, false
			}
			left--
		}
		v, amb := c.eval(sc)
		if amb && !t.empty() {
			r.ambiguous++
		}
		switch {
		case t.empty():
			if v != "" {
				r.filled++
			}
			continue
		case t.matches(v):
			r.agree++
			if !t.isDefault() {
				r.evidence++
			}
			if v != "" {
				r.stated++
			}
		case v == "":
			r.missed++
		default:
			r.wrong++
		}
		r.with++
	}
	return r, true
}

// match is an element holding a target value.
type match struct {
	n        *html.Node
	mode     int
	pre, suf string
}

// maxAffix is how much constant text may surround a value in its element.
const maxAffix = 48

// findMatches lists the deepest elements of a scope whose text is the target, or holds it
// between short texts, or (paths) whose texts joined make it.
func findMatches(sc *scope, t target) []match {
	var exact, affix, path []match
	var last string
	if t.kind == tPath {
		segs := strings.Split(t.text, " > ")
		last = segs[len(segs)-1]
	}
	for _, n := range sc.elems {
		switch t.kind {
		case tURL:
			if hrefOf(sc.base, n) == t.text {
				exact = append(exact, match{n: n, mode: mHref})
			}
			continue
		case tPrice:
			if s := sc.d.textOf(n); len(s) <= 80 && t.matches(s) {
				exact = append(exact, match{n: n})
			}
			continue
		}
		s := sc.d.textOf(n)
		if len(s) < len(t.text) || len(s) > len(t.text)+2*maxAffix+len(last) {
			if !(t.kind == tPath && s == last) {
				continue
			}
		}
		switch {
		case t.matches(s):
			exact = append(exact, match{n: n})
		case t.kind == tPath && s == last:
			path = append(path, match{n: n, mode: mAll})
		default:
			if i := strings.Index(s, t.text); i >= 0 && i <= maxAffix && len(s)-i-len(t.text) <= maxAffix {
				affix = append(affix, match{n: n, pre: s[:i], suf: s[i+len(t.text):]})
			}
		}
	}
	out := deepest(exact, 4)
	out = append(out, deepest(path, 4)...)
	return append(out, deepest(affix, 3)...)
}

// deepest keeps the matches no other match is inside (the value's own element, not its
// wrappers), plus the direct wrappers of those, at most k in document order.
func deepest(ms []match, k int) []match {
	inner := map[*html.Node]bool{}
	for _, m := range ms {
		inner[m.n] = true
	}
	var out []match
	for _, m := range ms {
		hasInner := false
		for _, o := range ms {
			if o.n != m.n && isAncestor(m.n, o.n) {
				hasInner = true
				break
			}
		}
		if !hasInner {
			out = append(out, m)
			if len(out) >= k {
				break
			}
		}
	}
	return out
}

func isAncestor(a, n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p == a {
			return true
		}
	}
	return false
}
