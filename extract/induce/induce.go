package induce

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/darkwatch/darkwatch/extract"
)

// Sample is one page of a market with what the generic extractor read from it.
type Sample struct {
	URL    string
	Body   []byte // UTF-8 (extract.DecodeBody)
	Result extract.Result
}

// Options configure Induce. Zero values mean the defaults in brackets.
type Options struct {
	// Name of the profile and of its market; required.
	Name string
	// MinAgreement is the share of pages (cards) with a generic value that a field's
	// selector must reproduce to be kept [0.95].
	MinAgreement float64
	// MinPages is the fewest pages (cards) with a generic value a field needs [3].
	MinPages int
}

func (o *Options) defaults() {
	if o.MinAgreement <= 0 {
		o.MinAgreement = 0.95
	}
	if o.MinPages <= 0 {
		o.MinPages = 3
	}
}

// ErrNothing is returned when no page kind of the samples gives a usable profile (too few
// pages, or no selector reproduces the titles).
var ErrNothing = errors.New("induce: no page kind with a reproducible title")

// Induced is an induced profile with its verification.
type Induced struct {
	Profile extract.Profile
	YAML    []byte // the profile as written to disk and printed (LoadProfile reads it back)
	Report  Report
}

type page struct {
	s    *Sample
	d    *doc
	base *url.URL
}

// Induce learns a profile from samples (pages of one market read by the generic
// extractor) and verifies it on them. Pages that fail to parse are skipped.
func Induce(samples []Sample, opts Options) (*Induced, error) {
	opts.defaults()
	if opts.Name == "" {
		return nil, errors.New("induce: Options.Name is required")
	}
	var pages []*page
	hosts := map[string]bool{}
	for i := range samples {
		s := &samples[i]
		base, err := url.Parse(s.URL)
		if err != nil || base.Host == "" {
			continue
		}
		d, err := parseDoc(s.Body)
		if err != nil {
			continue
		}
		hosts[strings.ToLower(base.Host)] = true
		pages = append(pages, &page{s: s, d: d, base: base})
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("induce %s: no parseable pages", opts.Name)
	}
	b := builder{opts: opts, pages: pages, def: majorityCurrency(pages)}
	b.links()
	var hl []string
	for h := range hosts {
		hl = append(hl, regexp.QuoteMeta(h))
	}
	sort.Strings(hl)
	// detected by host only: an induced profile never reads another market's pages
	py := profileYAML{Name: opts.Name, Version: 1, Currency: b.def, Key: b.key, VendorKey: b.vendorKey, Links: b.linkRules,
		Detect: []matcherYAML{{URL: `^https?://(?:` + strings.Join(hl, "|") + `)(?:[:/?#]|$)`}}}
	var pts []pageTypeYAML
	if pt, scopes, listings, ok := b.listingType(); ok {
		b.offers(py, &pt, scopes, listings)
		pts = append(pts, pt)
	}
	for _, kind := range []string{extract.KindSearch, extract.KindCategory} {
		if pt, ok := b.cardType(kind); ok {
			pts = append(pts, pt)
		}
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("induce %s: %w (%d pages)", opts.Name, ErrNothing, len(pages))
	}
	py.PageTypes = pts
	y, err := marshalProfile(py)
	if err != nil {
		return nil, fmt.Errorf("induce %s: %w", opts.Name, err)
	}
	prof, err := extract.LoadProfile(strings.NewReader(string(y)))
	if err != nil {
		return nil, fmt.Errorf("induce %s: induced profile does not load: %w", opts.Name, err)
	}
	in := &Induced{Profile: prof, YAML: y}
	rep, err := Verify(prof, samples, VerifyOptions{MinAgreement: opts.MinAgreement, MinPages: opts.MinPages})
	if err != nil {
		return nil, err
	}
	in.Report = rep
	return in, nil
}

type builder struct {
	opts      Options
	pages     []*page
	def       string
	key       string
	vendorKey string
	linkRules linksYAML
	listingRe string // links.listing: on path and query
}

func majorityCurrency(pages []*page) string {
	n := map[string]int{}
	for _, p := range pages {
		for _, l := range p.s.Result.Listings {
			if c := l.Price.Currency; c != "" {
				n[c]++
			}
		}
	}
	best := ""
	for c, k := range n {
		if k > n[best] || (k == n[best] && c < best) {
			best = c
		}
	}
	return best
}

// links learns the listing and vendor URL patterns, the listing key and the next-page
// pattern from the URLs the generic extractor classified.
func (b *builder) links() {
	var listing, vendor, next []string
	for _, p := range b.pages {
		r := &p.s.Result
		// listing URLs from records only: the generic link classes are guesses
		for _, l := range r.Listings {
			listing = append(listing, l.URL)
		}
		for _, l := range r.Links {
			switch l.Kind {
			case extract.LinkVendor:
				vendor = append(vendor, l.URL)
			case extract.LinkNext:
				next = append(next, l.URL)
			}
		}
	}
	var key string
	b.listingRe, key = generalise(listing)
	b.linkRules.Listing = b.listingRe
	// keep the key only when it gives the generic extractor's listing ids
	if key != "" && keyAgrees(key, b.pages, func(l extract.Listing) (string, string) { return l.URL, l.ID }) {
		b.key = key
	}
	var vkey string
	b.linkRules.Vendor, vkey = generalise(vendor)
	if vkey != "" && vendorKeyAgrees(vkey, b.pages) {
		b.vendorKey = vkey
	}
	b.linkRules.NextURL = nextPattern(next)
}

func keyAgrees(key string, pages []*page, get func(extract.Listing) (string, string)) bool {
	re, err := regexp.Compile(key)
	if err != nil {
		return false
	}
	n := 0
	for _, p := range pages {
		for _, l := range p.s.Result.Listings {
			u, id := get(l)
			m := re.FindStringSubmatch(u)
			if m == nil {
				continue
			}
			_, k, _ := strings.Cut(id, "/")
			if m[1] != k {
				return false
			}
			n++
		}
	}
	return n > 0
}

// vendorKeyAgrees: the vendor key must give the generic extractor's handles where a vendor
// URL is known. The generic records keep no vendor URL, so this checks handles named by
// links of the same pages: a handle that appears as a captured key must be a known vendor.
func vendorKeyAgrees(key string, pages []*page) bool {
	re, err := regexp.Compile(key)
	if err != nil {
		return false
	}
	vendors := map[string]bool{}
	for _, p := range pages {
		for _, l := range p.s.Result.Listings {
			if l.Vendor != "" {
				vendors[l.Vendor] = true
			}
		}
		for _, v := range p.s.Result.Vendors {
			vendors[v.Handle] = true
		}
	}
	hit, miss := 0, 0
	for _, p := range pages {
		for _, l := range p.s.Result.Links {
			if l.Kind != extract.LinkVendor {
				continue
			}
			if m := re.FindStringSubmatch(l.URL); m != nil {
				if u, err := url.PathUnescape(m[1]); err == nil && vendors[u] {
					hit++
				} else {
					miss++
				}
			}
		}
	}
	return hit > 0 && miss*5 <= hit
}

// nextPattern finds the query parameter with a page number in next-page URLs.
func nextPattern(urls []string) string {
	n := map[string]int{}
	for _, u := range urls {
		_, keys, vals, ok := splitURL(u)
		if !ok {
			continue
		}
		for i, k := range keys {
			if isDigits(vals[i]) && cssIdent.MatchString(k) {
				n[k]++
			}
		}
	}
	best := ""
	for k, c := range n {
		if c > n[best] || (c == n[best] && k < best) {
			best = k
		}
	}
	if best == "" || n[best] < 2 {
		return ""
	}
	return `[?&]` + regexp.QuoteMeta(best) + `=\d+`
}

func isDigits(s string) bool {
	if s == "" || len(s) > 6 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// pageScope is a whole page as a scope.
func pageScope(p *page) *scope { return &scope{d: p.d, root: p.d.root, elems: p.d.elems, base: p.base} }

// listingType induces the page type of listing pages.
func (b *builder) listingType() (pageTypeYAML, []*scope, []*extract.Listing, bool) {
	var scopes []*scope
	var listings []*extract.Listing
	// the URL shape of listing pages (a category page the generic extractor read as one
	// listing has another shape: it is left out)
	var urls []string
	for _, p := range b.pages {
		if r := &p.s.Result; r.Kind == extract.KindListing && len(r.Listings) == 1 {
			urls = append(urls, p.s.URL)
		}
	}
	// one market's listing pages share one URL shape: the commonest
	shape, _ := generaliseN(urls, 1)
	var listingRe *regexp.Regexp
	if shape != "" {
		listingRe = regexp.MustCompile(absPattern(shape))
	}
	for _, p := range b.pages {
		r := &p.s.Result
		if r.Kind == extract.KindListing && len(r.Listings) == 1 && (listingRe == nil || listingRe.MatchString(p.s.URL)) {
			scopes = append(scopes, pageScope(p))
			listings = append(listings, &r.Listings[0])
		}
	}
	if len(scopes) < b.opts.MinPages {
		return pageTypeYAML{}, nil, nil, false
	}
	fields := b.fields(scopes, listings)
	title, ok := fields["title"]
	if !ok {
		return pageTypeYAML{}, nil, nil, false
	}
	pt := pageTypeYAML{Name: "listing", Kind: extract.KindListing, Fields: fields}
	pt.Match.Selector = title.Selector
	if listingRe != nil {
		pt.Match.URL = listingRe.String()
	}
	return pt, scopes, listings, true
}

// absPattern turns a pattern on path and query ("^/listing/x$") into one on the full URL.
func absPattern(re string) string {
	return `^[a-z]+://[^/]+` + strings.TrimPrefix(re, "^")
}

// fields induces every listing field over scopes; fields that reproduce too few generic
// values are left out (the generic extractor fills them).
func (b *builder) fields(scopes []*scope, listings []*extract.Listing) map[string]fieldYAML {
	out := map[string]fieldYAML{}
	for _, ft := range fieldTargets {
		fs := fieldSearch{scopes: scopes}
		for _, l := range listings {
			fs.targets = append(fs.targets, ft.get(l, b.def))
		}
		s, sc, ok := fs.best(b.opts.MinAgreement, b.opts.MinPages)
		if !ok {
			continue
		}
		if ft.name == "status" && sc.evidence == 0 && sc.stated < b.opts.MinPages {
			// a status selector is verified by sold-out listings it told apart, or by
			// stock statements ("In stock") it read on enough pages; one that mostly read
			// nothing and so said "active" is not used
			continue
		}
		out[ft.name] = specField(s)
	}
	if _, ok := out["status"]; !ok {
		// the generic extractor's own availability rule (Verify checks it agrees)
		out["status"] = fieldOf(extract.GenericStatusField())
	}
	return out
}

func specField(s spec) fieldYAML {
	f := fieldYAML{Selector: s.sel, Regex: s.regex()}
	switch s.mode {
	case mAll:
		f.All, f.Join = true, " > "
	case mHref:
		f.Attr = "href"
	}
	return f
}

// cardType induces the page type of category or search pages: the card selector, then
// each field inside a card.
func (b *builder) cardType(kind string) (pageTypeYAML, bool) {
	type pageCards struct {
		p     *page
		cards map[*html.Node]*extract.Listing
	}
	var pcs []pageCards
	var urls []string
	for _, p := range b.pages {
		r := &p.s.Result
		if r.Kind != kind || len(r.Listings) < 2 {
			continue
		}
		cards := findCards(p)
		if len(cards) == 0 {
			continue
		}
		pcs = append(pcs, pageCards{p, cards})
		urls = append(urls, p.s.URL)
	}
	if len(pcs) < min(b.opts.MinPages, 2) {
		return pageTypeYAML{}, false
	}
	// the card selector: the one that selects exactly the cards on most pages
	cands := newTally[string]()
	for _, pc := range pcs {
		seen := map[string]bool{}
		for n := range pc.cards {
			candidates(pc.p.d.root, n, func(sel string) {
				if !seen[sel] {
					seen[sel] = true
					cands.add(sel)
				}
			})
		}
	}
	order := cands.top(maxCandidates, strLen)
	bestSel, bestTP, bestFP := "", -1, 0
	total := 0
	for _, pc := range pcs {
		total += len(pc.cards)
	}
	for _, s := range order {
		sel, err := cascadia.Compile(s)
		if err != nil {
			continue
		}
		tp, fp := 0, 0
		for _, pc := range pcs {
			for _, n := range sel.MatchAll(pc.p.d.root) {
				if pc.cards[n] != nil {
					tp++
				} else {
					fp++
				}
			}
		}
		if tp-2*fp > bestTP-2*bestFP || (tp-2*fp == bestTP-2*bestFP && len(s) < len(bestSel)) {
			bestSel, bestTP, bestFP = s, tp, fp
		}
	}
	if bestSel == "" || float64(bestTP) < b.opts.MinAgreement*float64(total) || float64(bestFP) > (1-b.opts.MinAgreement)*float64(total) {
		return pageTypeYAML{}, false
	}
	var scopes []*scope
	var listings []*extract.Listing
	for _, pc := range pcs {
		for _, n := range pc.p.d.elems { // document order
			if l := pc.cards[n]; l != nil {
				scopes = append(scopes, cardScope(pc.p, n))
				listings = append(listings, l)
			}
		}
	}
	fields := b.fields(scopes, listings)
	if _, ok := fields["title"]; !ok {
		return pageTypeYAML{}, false
	}
	fs := fieldSearch{scopes: scopes}
	for _, l := range listings {
		fs.targets = append(fs.targets, target{kind: tURL, text: l.URL})
	}
	s, _, ok := fs.best(b.opts.MinAgreement, b.opts.MinPages)
	if !ok {
		return pageTypeYAML{}, false
	}
	fields["url"] = specField(s)
	pt := pageTypeYAML{Name: kind, Kind: kind, Cards: bestSel, Fields: fields}
	pt.Match.Selector = bestSel
	if re, _ := generalise(urls); re != "" {
		pt.Match.URL = absPattern(re)
	} else if kind == extract.KindSearch {
		return pageTypeYAML{}, false // a search page type needs its URLs told apart
	}
	return pt, true
}

func cardScope(p *page, n *html.Node) *scope {
	sc := &scope{d: p.d, root: n, base: p.base}
	for _, e := range p.d.elems {
		if isAncestor(n, e) {
			sc.elems = append(sc.elems, e)
		}
	}
	return sc
}

// findCards maps each card of a page to its generic listing: the largest element that
// holds links to that listing and to no other listing of the page.
func findCards(p *page) map[*html.Node]*extract.Listing {
	byURL := map[string]*extract.Listing{}
	for i := range p.s.Result.Listings {
		l := &p.s.Result.Listings[i]
		if l.URL != "" {
			byURL[l.URL] = l
		}
	}
	// under[n] is the set of listing URLs linked from inside n
	under := map[*html.Node]map[string]bool{}
	var anchors []*html.Node
	for _, n := range p.d.elems {
		u := hrefOf(p.base, n)
		if byURL[u] == nil {
			continue
		}
		anchors = append(anchors, n)
		for a := n; a != nil; a = a.Parent {
			if under[a] == nil {
				under[a] = map[string]bool{}
			}
			under[a][u] = true
		}
	}
	votes := map[*html.Node]int{}
	for _, n := range anchors {
		c := n
		for c.Parent != nil && c.Parent.Type == html.ElementNode && len(under[c.Parent]) == 1 {
			c = c.Parent
		}
		votes[c]++
	}
	best := map[string]*html.Node{}
	for c, v := range votes {
		var u string
		for k := range under[c] {
			u = k
		}
		if o := best[u]; o == nil || v > votes[o] || (v == votes[o] && isAncestor(c, o)) {
			best[u] = c
		}
	}
	out := map[*html.Node]*extract.Listing{}
	for u, c := range best {
		out[c] = byURL[u]
	}
	return out
}
