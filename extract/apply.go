package extract

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// lDraft is a listing being built: the record plus the raw texts post-processing parses.
type lDraft struct {
	l          Listing
	price      string // raw price text
	priceLabel bool   // the price came from a "Price:" label
	currency   string // currency for bare amounts
	offers     []string
	quantity   string
	pgp        string // text that may hold PGP key blocks
	contacts   string // text scanned for entities besides title/description
	vendorURL  string
}

// vDraft is a vendor being built.
type vDraft struct {
	v        Vendor
	pgp      string
	contacts string
	rating   string
	sales    string
}

// pageOut is what a profile or the generic extractor found, before post-processing.
type pageOut struct {
	kind         string
	pageType     string // the profile page type that read the page
	listings     []*lDraft
	vendors      []*vDraft
	interstitial *Interstitial
	issues       []Issue
}

// apply runs the first matching page type of the profile.
func (c *compiled) apply(pc *pageCtx) pageOut {
	for i := range c.pages {
		pt := &c.pages[i]
		if !pt.match.matches(pc) {
			continue
		}
		out := pageOut{kind: pt.Kind, pageType: pt.Name}
		switch pt.Kind {
		case KindInterstitial:
			typ := pt.Type
			if typ == "" {
				typ = InterstitialLogin
			}
			out.interstitial = &Interstitial{Type: typ}
		case KindNotFound, KindOther:
		case KindVendor:
			root := pc.doc.Selection
			out.vendors = append(out.vendors, c.readVendor(pc, pt, root))
		default:
			if pt.cards != nil {
				for _, n := range pc.doc.FindMatcher(pt.cards).Nodes {
					d := c.readListing(pc, pt, pc.doc.Selection.FindNodes(n), true)
					if d.l.Title != "" || d.l.URL != "" {
						out.listings = append(out.listings, d)
					}
				}
				if len(out.listings) == 0 {
					out.issues = append(out.issues, Issue{Field: "cards", Reason: "no cards matched " + pt.Cards})
				}
			} else {
				out.listings = append(out.listings, c.readListing(pc, pt, pc.doc.Selection, false))
			}
		}
		return out
	}
	return pageOut{}
}

func (c *compiled) readListing(pc *pageCtx, pt *cPage, scope *goquery.Selection, card bool) *lDraft {
	d := &lDraft{currency: c.Currency}
	l := &d.l
	var sc []*html.Node
	if card {
		sc = scope.Nodes
	}
	get := func(name string) (string, *html.Node, bool) {
		f, ok := pt.fields[name]
		if !ok {
			return "", nil, false
		}
		v, n := evalField(pc, f, scope, sc)
		return v, n, true
	}
	need := func(name, v string, present bool) {
		if present && v == "" {
			l.Issues = append(l.Issues, Issue{Field: name, Reason: "not found"})
		}
	}
	if v, _, ok := get("title"); ok {
		l.Title = oneLine(v)
		need("title", l.Title, ok)
	}
	if v, _, ok := get("description"); ok {
		l.Description = truncate(v, maxFieldLen)
	}
	if v, _, ok := get("category"); ok {
		l.Category = oneLine(v)
		need("category", l.Category, ok)
	}
	if v, n, ok := get("vendor"); ok {
		l.Vendor = strings.TrimSpace(oneLine(v))
		need("vendor", l.Vendor, ok)
		if n != nil {
			if h := attr(n, "href"); h != "" {
				d.vendorURL = pc.abs(h)
			}
		}
	}
	if v, n, ok := get("vendor_url"); ok {
		if n != nil && v == "" {
			v = attr(n, "href")
		}
		d.vendorURL = pc.abs(v)
	}
	if v, _, ok := get("price"); ok {
		d.price = oneLine(v)
		need("price", d.price, ok)
	}
	if v, _, ok := get("currency"); ok && v != "" {
		d.currency = strings.ToUpper(strings.TrimSpace(v))
	}
	if v, _, ok := get("ships_from"); ok {
		l.ShipsFromRaw = oneLine(v)
		need("ships_from", l.ShipsFromRaw, ok)
	}
	if v, _, ok := get("ships_to"); ok {
		l.ShipsToRaw = oneLine(v)
		need("ships_to", l.ShipsToRaw, ok)
	}
	if v, _, ok := get("status"); ok {
		l.Status = statusOf(v)
	}
	if v, _, ok := get("activity"); ok {
		l.Activity = oneLine(v)
	}
	if v, _, ok := get("quantity"); ok {
		d.quantity = oneLine(v)
	}
	if f, ok := pt.fields["offers"]; ok {
		d.offers = evalAll(pc, f, scope)
	}
	if v, _, ok := get("pgp"); ok {
		d.pgp = v
	}
	if v, _, ok := get("contacts"); ok {
		d.contacts = v
	}
	if card {
		if v, n, ok := get("url"); ok {
			if v == "" && n != nil {
				v = attr(n, "href")
			}
			if n != nil && attr(n, "href") != "" && !strings.Contains(v, "/") && !strings.Contains(v, "?") {
				v = attr(n, "href")
			}
			l.URL = pc.abs(v)
		}
	} else {
		l.URL = pc.page.URL
	}
	if v, _, ok := get("key"); ok && v != "" {
		l.ID = strings.TrimSpace(v) // completed with the market in post-processing
	}
	return d
}

func (c *compiled) readVendor(pc *pageCtx, pt *cPage, scope *goquery.Selection) *vDraft {
	d := &vDraft{}
	v := &d.v
	get := func(name string) (string, *html.Node, bool) {
		f, ok := pt.fields[name]
		if !ok {
			return "", nil, false
		}
		s, n := evalField(pc, f, scope, nil)
		return s, n, true
	}
	if s, _, ok := get("handle"); ok {
		v.Handle = strings.TrimSpace(oneLine(s))
		if v.Handle == "" {
			v.Issues = append(v.Issues, Issue{Field: "handle", Reason: "not found"})
		}
	}
	if s, _, ok := get("display_name"); ok {
		v.DisplayName = oneLine(s)
	}
	if s, _, ok := get("level"); ok {
		v.Level = oneLine(s)
	}
	if s, _, ok := get("rating"); ok {
		d.rating = oneLine(s)
	}
	if s, _, ok := get("sales"); ok {
		d.sales = oneLine(s)
	}
	if s, _, ok := get("pgp"); ok {
		d.pgp = s
	}
	if s, _, ok := get("contacts"); ok {
		d.contacts = s
	}
	if s, _, ok := get("description"); ok {
		d.contacts += "\n" + s
	}
	v.URL = pc.page.URL
	if s, n, ok := get("url"); ok {
		if s == "" && n != nil {
			s = attr(n, "href")
		}
		v.URL = pc.abs(s)
	}
	return d
}

// evalField reads one field in scope. scopeNodes limits label lookups (nil = whole page).
// It returns the value and the node it came from (for links).
func evalField(pc *pageCtx, f *cField, scope *goquery.Selection, scopeNodes []*html.Node) (string, *html.Node) {
	if len(f.alts) > 0 {
		for _, a := range f.alts {
			if v, n := evalField(pc, a, scope, scopeNodes); v != "" {
				return v, n
			}
		}
		return "", nil
	}
	var v string
	var node *html.Node
	switch {
	case f.Const != "":
		v = f.Const
	case f.urlRe != nil:
		if m := f.urlRe.FindStringSubmatch(pc.page.URL); m != nil {
			v = m[len(m)-1]
		}
	case f.treeSel != nil:
		v = treePath(pc, f, scope)
	case f.sel != nil:
		var nodes []*html.Node
		var firstNode *html.Node // its value is firstVal (nodeValue is not computed twice)
		var firstVal string
		none := false // no match at all in scope: the full search would find nothing either
		if !f.All {
			none = true
			// usually the first match is the one: avoid walking the rest of the page
			for _, r := range scope.Nodes {
				if n := firstDescendantMatch(f.sel, r); n != nil {
					s := strings.TrimSpace(nodeValue(pc, f, n))
					firstNode, firstVal, none = n, s, false
					if s != "" && (f.re == nil || f.re.MatchString(s)) && !(scopeNodes == nil && pc.foreign(n)) {
						nodes = []*html.Node{n}
					}
					break
				}
			}
		}
		if nodes == nil && !none {
			nodes = scope.FindMatcher(f.sel).Nodes
		}
		if f.All {
			var parts []string
			for _, n := range nodes {
				if s := strings.TrimSpace(nodeValue(pc, f, n)); s != "" {
					parts = append(parts, s)
				}
				if node == nil {
					node = n
				}
			}
			j := f.Join
			if j == "" {
				j = ", "
			}
			v = strings.Join(parts, j)
		} else {
			// the first node with a value (that the regex, if any, matches)
			for _, n := range nodes {
				var s string
				if n == firstNode {
					s = firstVal
				} else {
					s = strings.TrimSpace(nodeValue(pc, f, n))
				}
				if s != "" && f.re != nil && !f.re.MatchString(s) {
					continue
				}
				if scopeNodes == nil && pc.foreign(n) {
					continue // a page-level value is never another record's (place.go)
				}
				if s != "" {
					v, node = s, n
					break
				}
			}
		}
		if len(f.Label) > 0 && v == "" {
			v, node = pc.labelValue(scopeNodes, f.Label)
		}
	case len(f.Label) > 0:
		v, node = pc.labelValue(scopeNodes, f.Label)
	}
	if v != "" && f.re != nil {
		m := f.re.FindStringSubmatch(v)
		switch {
		case m == nil:
			v = ""
		case len(m) > 1:
			v = m[1]
		default:
			v = m[0]
		}
	}
	for i, r := range f.repl {
		v = r.ReplaceAllString(v, f.Replace[2*i+1])
	}
	return strings.TrimSpace(v), node
}

// evalAll returns every value a field yields (for offers tiers): one per selector match,
// each optionally split into items.
func evalAll(pc *pageCtx, f *cField, scope *goquery.Selection) []string {
	var vals []string
	if f.sel == nil {
		if v, _ := evalField(pc, f, scope, nil); v != "" {
			vals = []string{v}
		}
	} else {
		for _, n := range scope.FindMatcher(f.sel).Nodes {
			v := oneLine(nodeValue(pc, f, n))
			if f.re != nil {
				m := f.re.FindStringSubmatch(v)
				if m == nil {
					continue
				}
				v = m[len(m)-1]
			}
			if v != "" {
				vals = append(vals, v)
			}
			if len(vals) >= 100 {
				break
			}
		}
	}
	if f.split == nil {
		return vals
	}
	var out []string
	for _, v := range vals {
		for _, p := range f.split.Split(v, 101) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func nodeValue(pc *pageCtx, f *cField, n *html.Node) string {
	switch {
	case f.Attr != "":
		return attr(n, f.Attr)
	case f.HTML:
		s, _ := goquery.OuterHtml(goquery.NewDocumentFromNode(n).Selection)
		return s
	case f.Own:
		return ownText(n)
	}
	return pc.nodeText(n)
}

// treePath reads "Drugs > Stimulants > Speed" from a flat sidebar tree.
func treePath(pc *pageCtx, f *cField, scope *goquery.Selection) string {
	if f.sel == nil {
		return ""
	}
	items := scope.FindMatcher(f.sel).Nodes
	last := map[int]string{}
	for _, n := range items {
		m := f.treeDep.FindStringSubmatch(attr(n, "class"))
		if m == nil {
			continue
		}
		d := atoiSafe(m[len(m)-1])
		label := itemLabel(f.treeTxt, n)
		if f.treeSel.Match(n) {
			var parts []string
			for i := 0; i < d && i < 20; i++ {
				if s, ok := last[i]; ok {
					parts = append(parts, s)
				}
			}
			parts = append(parts, label)
			j := " > "
			if f.Tree.Join != "" {
				j = f.Tree.Join
			}
			return strings.Join(parts, j)
		}
		last[d] = label
		for k := range last {
			if k > d {
				delete(last, k)
			}
		}
	}
	return ""
}

func itemLabel(sel cascadia.Selector, n *html.Node) string {
	t := n
	if sel != nil {
		if m := sel.MatchFirst(n); m != nil {
			t = m
		}
	}
	if s := ownText(t); s != "" {
		return s
	}
	return oneLine(nodeText(t))
}

func atoiSafe(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' || n > 1000 {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// statusOf maps availability text to a listing status ("" when unknown): a stock of
// zero ("0", "0 left", "0 in stock") is sold out too.
func statusOf(s string) string {
	low := strings.ToLower(s)
	switch {
	case strings.Contains(low, "sold out"), strings.Contains(low, "out of stock"), strings.Contains(low, "нет в наличии"),
		zeroStockRe.MatchString(low):
		return StatusSoldOut
	}
	return StatusActive
}

// firstDescendantMatch is the first descendant of root (not root itself) matching sel,
// as goquery's Find would return first.
func firstDescendantMatch(sel cascadia.Selector, root *html.Node) *html.Node {
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if n := sel.MatchFirst(c); n != nil {
			return n
		}
	}
	return nil
}
