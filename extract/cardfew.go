package extract

// Few cards: a category or search page with one or two results has no repeated group for
// detectCards to find, yet its cards are listings like any other. A card is the block
// around a title link that shares the site's listing-URL pattern: the smallest block
// holding that link and a price, grown while it holds no other listing and adds little
// text. The page must have no record of its own (no price outside its cards).

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/darkwatch/darkwatch/extract/price"
)

// maxFewCards bounds the cards fewCards reads.
const maxFewCards = 50

// fewCards reads the listing cards of a page on which detectCards found none; nil when
// the page has none or has a record of its own.
func fewCards(pc *pageCtx) []*lDraft {
	pi := pc.placeIdx()
	seen := map[string]bool{}
	var roots []*html.Node
	var out []*lDraft
	for _, a := range pc.anchors() {
		raw := attr(a, "href")
		h := strings.ToLower(raw)
		if h == "" || h[0] == '#' || !genListingRe.MatchString(h) || genIgnoreRe.MatchString(h) || imageURLRe.MatchString(h) {
			continue
		}
		if t := pc.lineText(a); t == "" || isActionText(t) || inHeader(a) {
			continue
		}
		u := pc.abs(raw)
		if seen[u] || u == pc.page.URL || ownKey(u) == "" {
			continue // a listing link names its listing by a key ("listings.php" is a menu)
		}
		c := cardAround(pc, pi, a, u)
		if c == nil || (len(roots) > 0 && within(c, roots)) {
			continue
		}
		d := readCard(pc, c)
		if d == nil || d.l.URL != u {
			continue
		}
		seen[u] = true
		roots = append(roots, c)
		out = append(out, d)
		if len(out) >= maxFewCards {
			break
		}
	}
	if len(out) == 0 || ownPriceOutside(pc, roots) {
		return nil
	}
	return out
}

// cardAround is the card of listing link a (to u): the smallest ancestor that holds a
// price and no other listing, grown while its parent holds no other listing and adds
// less than half its text; nil when there is none within a few levels.
func cardAround(pc *pageCtx, pi *placeIndex, a *html.Node, u string) *html.Node {
	var c *html.Node
	for p, d := a.Parent, 0; p != nil && d < 6; p, d = p.Parent, d+1 {
		if p.Type != html.ElementNode || p.DataAtom == atom.Body {
			return nil
		}
		if got, ok := pi.held[p]; ok && got != u {
			return nil // a block of several listings: no card around a alone
		}
		if cardLike(pc, p) {
			c = p
			break
		}
	}
	if c == nil {
		return nil
	}
	n := len(pc.lineText(c))
	for p := c.Parent; p != nil && p.Type == html.ElementNode && p.DataAtom != atom.Body; p = p.Parent {
		if got, ok := pi.held[p]; (ok && got != u) || pi.titleAn[p] {
			break
		}
		if !pc.textWithin(p, 3*n+200) || len(pc.lineText(p)) > n+n/2 {
			break
		}
		c = p
	}
	return c
}

// ownPriceOutside reports whether the page shows a price outside roots (and outside its
// header and rate tables): the page's own record (a listing with related cards).
func ownPriceOutside(pc *pageCtx, roots []*html.Node) bool {
	for n := range pc.all(selLabelish) {
		if !pc.textWithin(n, 400) || within(n, roots) {
			continue
		}
		t := pc.lineText(n)
		if len(t) == 0 || len(t) > 60 {
			continue
		}
		if m, ok := price.Parse(t); !ok || m.Amount <= 0 || inHeader(n) || rateTable(n) {
			continue
		}
		holds := false
		for _, r := range roots {
			holds = holds || within(r, []*html.Node{n})
		}
		if !holds {
			return true
		}
	}
	return false
}
