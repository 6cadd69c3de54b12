package extract

// Listing status beyond a stock label: a stock of zero, a sold-out badge.

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

var zeroStockRe = regexp.MustCompile(`^\s*0+\s*(?:left|in stock|available|pcs|units?|items?)?\s*$`)

// soldOutWords are a sold-out badge's whole text.
var soldOutWords = map[string]bool{"sold out": true, "out of stock": true, "soldout": true, "unavailable": true,
	"нет в наличии": true, "ausverkauft": true, "agotado": true, "épuisé": true, "esaurito": true, "uitverkocht": true,
	"wyprzedane": true, "brak w magazynie": true, "slutsåld": true}

var soldOutRe = mustQuick(`(?i)sold\s?out|out of stock|unavailable|нет в наличии|ausverkauft|agotado|épuisé|esaurito|uitverkocht|wyprzedane|brak w magazynie|slutsåld`)

// soldOutBadge reports whether the page's own content (not its header, a card or another
// record's block) has an element whose whole text says the listing is sold out (a
// "Sold out" badge by the price).
func soldOutBadge(pc *pageCtx) bool {
	if len(pc.doc.Nodes) == 0 {
		return false
	}
	if ix := pc.index(); ix.textOK && !soldOutRe.mayMatch(ix.text) {
		return false
	}
	found := false
	walkText(pc.doc.Nodes[0], pc.cardRoots, maxWalkNodes, func(t *html.Node) bool {
		if len(t.Data) > 40 || !soldOutWords[strings.ToLower(collapseSpaces(strings.TrimSpace(t.Data)))] {
			return false
		}
		if p := t.Parent; p != nil && !inHeader(p) && !pc.foreign(p) && p.DataAtom != atom.Option {
			found = true
		}
		return found
	})
	return found
}
