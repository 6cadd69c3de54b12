package extract

// Values by their place: a listing page's own values sit by its title, its purchase
// control and its offers; the blocks of other records on the page ("related items",
// "more from this vendor", "customers also viewed") give none of them, and neither does a
// grid of exchange rates.

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/darkwatch/darkwatch/extract/price"
)

// placeIndex records, for the ancestors of the page's links to other listings, which
// listing each block holds (one URL, or many), and the ancestors of the page's title.
type placeIndex struct {
	title   *html.Node
	titleAn map[*html.Node]bool
	held    map[*html.Node]string // block -> the one other-listing URL under it; "" = several
}

// maxPlaceDepth bounds the ancestors marked per link.
const maxPlaceDepth = 16

// mainHeading is the element pageTitle reads the page's title from (an h1/h2 that does
// not name the market, else an element classed as a product/listing/item title), or nil.
func (pc *pageCtx) mainHeading() *html.Node {
	if pc.heading != nil {
		return *pc.heading
	}
	var h *html.Node
	for n := range pc.all(tagH12) {
		if t := headingText(n); t != "" && len(t) < 300 && !brandHeading(pc, n) && !menuHeading(t) {
			h = n
			break
		}
	}
	if h == nil && len(pc.doc.Nodes) > 0 && pc.classHas(itemTitleClasses...) {
		for _, n := range selItemTitle.MatchAll(pc.doc.Nodes[0]) {
			if t := headingText(n); t != "" && len(t) < 300 && !brandHeading(pc, n) && !menuHeading(t) {
				h = n
				break
			}
		}
	}
	pc.heading = &h
	return h
}

// menuWords are headings of the page's menus and sections, never its title ("Category"
// over a sidebar of categories).
var menuWords = map[string]bool{
	"category": true, "categories": true, "menu": true, "main menu": true, "navigation": true, "search": true,
	"filter": true, "filters": true, "browse": true, "account": true, "my account": true, "news": true,
	"announcements": true, "login": true, "statistics": true, "stats": true, "links": true, "support": true,
	"reviews": true, "feedback": true, "related items": true, "shipping": true, "price": true, "vendor": true,
	"категории": true, "категория": true, "меню": true, "поиск": true, "kategorien": true, "kategorie": true,
	"suche": true, "catégories": true, "catégorie": true, "recherche": true, "categorías": true, "categoría": true,
	"buscar": true, "categorie": true, "categoria": true, "kategorie produktów": true, "kategorier": true,
}

// menuHeading reports whether heading text t only names a menu or a section.
func menuHeading(t string) bool {
	k := normLabel(t)
	return menuWords[k] || sectionNames[k]
}

func (pc *pageCtx) placeIdx() *placeIndex {
	if pc.places != nil {
		return pc.places
	}
	pi := &placeIndex{titleAn: map[*html.Node]bool{}, held: map[*html.Node]string{}}
	pc.places = pi
	if pi.title = pc.mainHeading(); pi.title == nil {
		return pi // without a title no block is known to be the page's own
	}
	for p := pi.title; p != nil; p = p.Parent {
		pi.titleAn[p] = true
	}
	own := ""
	if pc.base != nil {
		own = pc.page.URL
		if parent, _, ok := PartOf(own); ok {
			own = parent
		}
	}
	key := ownKey(own)
	for _, a := range pc.anchors() {
		h := attr(a, "href")
		if h == "" || h[0] == '#' {
			continue
		}
		// an action on the page's own record ("/report/item/", "/cart/add") is not a
		// link to another listing
		if lh := strings.ToLower(h); !genListingRe.MatchString(lh) || genIgnoreRe.MatchString(lh) {
			continue
		}
		u := pc.abs(h)
		if i := strings.IndexByte(u, '#'); i >= 0 {
			u = u[:i]
		}
		if parent, _, ok := PartOf(u); ok {
			u = parent
		}
		if u == "" || u == own || strings.HasPrefix(u, own+"/") || hasToken(u, key) {
			continue // the page's own listing, its sub-pages ("/listing/7/return-policy", "/item/gallery/<key>")
		}
		for p, d := a.Parent, 0; p != nil && d < maxPlaceDepth; p, d = p.Parent, d+1 {
			if pi.titleAn[p] {
				break // the block of the page's own record
			}
			prev, seen := pi.held[p]
			if !seen {
				pi.held[p] = u
				continue
			}
			if prev != u {
				pi.held[p] = ""
			}
		}
	}
	return pi
}

// foreign reports whether n sits in another record's block: the smallest block around n
// that links to another listing holds exactly one such listing and not the page's title
// (a card of a "related items" row). A block holding several other listings is a
// container of cards, not one of them, and n in it (outside its cards) is the page's own.
func (pc *pageCtx) foreign(n *html.Node) bool {
	pi := pc.placeIdx()
	if len(pi.held) == 0 {
		return false
	}
	for p := n; p != nil; p = p.Parent {
		if pi.titleAn[p] {
			return false
		}
		if u, ok := pi.held[p]; ok {
			return u != ""
		}
	}
	return false
}

// afterTitle reports whether n follows the page's main heading in document order (false
// without a heading).
func (pc *pageCtx) afterTitle(n *html.Node) bool {
	t := pc.placeIdx().title
	return t != nil && n != t && docBefore(t, n)
}

// docBefore reports whether a precedes b in document order (an ancestor precedes its
// descendants).
func docBefore(a, b *html.Node) bool {
	depth := func(n *html.Node) int {
		d := 0
		for ; n.Parent != nil; n = n.Parent {
			d++
		}
		return d
	}
	da, db := depth(a), depth(b)
	for db > da {
		if b = b.Parent; b == a {
			return true
		}
		db--
	}
	for da > db {
		if a = a.Parent; a == b {
			return false
		}
		da--
	}
	for a.Parent != b.Parent {
		a, b = a.Parent, b.Parent
	}
	for s := a.NextSibling; s != nil; s = s.NextSibling {
		if s == b {
			return true
		}
	}
	return false
}

// rateTable reports whether n is or sits in (or holds) a table of exchange rates: a grid
// whose row or column headers name two or more currencies over numbers ("USD | 60000 |
// 150.00"). Its cells are rates, never a listing's price.
func rateTable(n *html.Node) bool {
	var t *html.Node
	for p := n; p != nil && t == nil; p = p.Parent {
		if p.Type == html.ElementNode && p.DataAtom == atom.Table {
			t = p
		}
	}
	if t == nil {
		t = firstDescendantAtom(n, atom.Table, 400)
	}
	if t == nil {
		return false
	}
	cur, nums := 0, 0
	walkElements(t, 400, func(e *html.Node) {
		if e.DataAtom != atom.Td && e.DataAtom != atom.Th {
			return
		}
		s := oneLine(nodeText(e))
		switch {
		case currencyWord(s):
			cur++
		case isNumber(s):
			nums++
		}
	})
	return cur >= 3 && nums >= 2
}

// currencyWord reports whether s is only a currency's code, symbol or name ("USD",
// "Bitcoin", "€").
func currencyWord(s string) bool {
	if s == "" || len(s) > 12 || strings.ContainsAny(s, "0123456789") {
		return false
	}
	m, ok := price.Parse("1 " + s)
	return ok && m.Amount == 1
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.' || r == ',' || r == ' ':
		default:
			return false
		}
	}
	return digits > 0
}

// firstDescendantAtom is the first element under n (n excluded) with atom a, visiting at
// most max nodes.
func firstDescendantAtom(n *html.Node, a atom.Atom, max int) *html.Node {
	var out *html.Node
	walkElements(n, max, func(e *html.Node) {
		if out == nil && e != n && e.DataAtom == a {
			out = e
		}
	})
	return out
}

// ownKey is the last path segment or query value of a listing URL when it looks like a
// key (it has a digit: "3131", "reprringer-hexen-62f4d3ad"), else "".
func ownKey(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	k := pu.Path[strings.LastIndexByte(pu.Path, '/')+1:]
	for _, vs := range pu.Query() {
		if len(vs) == 1 && strings.ContainsAny(vs[0], "0123456789") && len(vs[0]) > len(k) {
			k = vs[0]
		}
	}
	if !strings.ContainsAny(k, "0123456789") {
		return ""
	}
	return k
}

// hasToken reports whether key (len >= 4) occurs in u between non-alphanumeric bytes.
func hasToken(u, key string) bool {
	if len(key) < 4 {
		return false
	}
	alnum := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	for i := 0; i <= len(u)-len(key); {
		j := strings.Index(u[i:], key)
		if j < 0 {
			return false
		}
		j += i
		if (j == 0 || !alnum(u[j-1])) && (j+len(key) == len(u) || !alnum(u[j+len(key)])) {
			return true
		}
		i = j + 1
	}
	return false
}
