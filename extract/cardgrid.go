package extract

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Grids and shops without listing links.
//
// A grid draws its cards in rows (a table's <tr>, a Bootstrap "row"), so the cards are
// cousins, not siblings: gridCells regroups the cells of sibling rows by their
// signature, and the group is scored like siblings. A single-vendor shop may have no
// listing page at all: one order form, each item a block with its name, its price and
// one quantity input. Such a block is a record when it holds exactly one purchase
// control (a block with nine quantity inputs is a menu of nine offers, not one listing).

// gridCells groups the element children of rows (siblings of one signature) by their
// own signature, across all rows.
func (cs *cardScan) gridCells(rows []*html.Node) map[cardSig][]*html.Node {
	out := map[cardSig][]*html.Node{}
	for _, r := range rows {
		kids := 0
		for c := r.FirstChild; c != nil && kids < 50; c = c.NextSibling {
			if c.Type == html.ElementNode && !skipAtom(c.DataAtom) {
				kids++
				sig := cs.sig(c)
				out[sig] = append(out[sig], c)
			}
		}
	}
	return out
}

// gridGood counts the card-like cells of g (cells of sibling rows, in order) that share
// their row with at least one other card-like cell.
func (cs *cardScan) gridGood(g []*html.Node) int {
	good, run := 0, 0
	var row *html.Node
	flush := func() {
		if run >= 2 {
			good += run
		}
		run = 0
	}
	for _, c := range g {
		if c.Parent != row {
			flush()
			row = c.Parent
		}
		if cs.like(c) {
			run++
		}
	}
	flush()
	return good
}

var (
	buyTextRe  = regexp.MustCompile(`(?i)^\s*(buy( now)?|add to (cart|basket)|order( now)?|purchase|купить|заказать|kaufen|in den warenkorb|acheter|ajouter au panier|comprar|añadir al carrito|acquista|kopen|kup)\s*$`)
	qtyNameRe  = regexp.MustCompile(`(?i)qty|quantity|amount|count|menge|quantit|cantidad|количество`)
	imageURLRe = regexp.MustCompile(`(?i)\.(jpe?g|png|gif|webp|bmp|svg)(\?.*)?$`)
)

// purchaseControls counts the purchase controls under n: quantity inputs (a number input,
// or a text input named qty/quantity/amount) and buy/add-to-cart/order buttons. A
// quantity input and its button count once per form control pair (the larger count).
func purchaseControls(pc *pageCtx, n *html.Node) int {
	qty, buy := 0, 0
	walkElements(n, 2000, func(e *html.Node) {
		switch e.DataAtom {
		case atom.Input:
			t := strings.ToLower(attr(e, "type"))
			switch {
			case t == "number":
				qty++
			case (t == "" || t == "text") && qtyNameRe.MatchString(attr(e, "name")):
				qty++
			case (t == "submit" || t == "button") && buyTextRe.MatchString(attr(e, "value")):
				buy++
			}
		case atom.Button:
			if buyTextRe.MatchString(pc.lineText(e)) {
				buy++
			}
		}
	})
	return max(qty, buy)
}

// nameElement is a card's name block when it has no title link: the first heading or
// element classed name/title with a short text.
func nameElement(pc *pageCtx, c *html.Node) *html.Node {
	var found *html.Node
	walkElements(c, 2000, func(e *html.Node) {
		if found != nil {
			return
		}
		named := false
		switch e.DataAtom {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5:
			named = true
		default:
			for _, f := range strings.Fields(strings.ToLower(attr(e, "class"))) {
				if f == "name" || f == "title" || strings.HasSuffix(f, "-name") || strings.HasSuffix(f, "-title") || strings.HasSuffix(f, "_name") || strings.HasSuffix(f, "_title") {
					named = true
				}
			}
		}
		if named {
			if t := pc.lineText(e); t != "" && len(t) < 200 {
				found = e
			}
		}
	})
	return found
}

// linklessCard reports a shop item without a listing link: a name block, exactly one
// purchase control and no link to another page (links to images and fragments aside). A
// block that links to a listing or vendor page is not a shop item of its own: it is a
// card, a row's detail or an order popup of a listing that has a page.
func linklessCard(pc *pageCtx, n *html.Node) bool {
	return nameElement(pc, n) != nil && !linksAway(n) && purchaseControls(pc, n) == 1
}

// linksAway reports whether n holds a link to another page.
func linksAway(n *html.Node) bool {
	away := false
	walkElements(n, 2000, func(e *html.Node) {
		if away || e.DataAtom != atom.A {
			return
		}
		h := strings.TrimSpace(attr(e, "href"))
		low := strings.ToLower(h)
		if h != "" && !strings.HasPrefix(h, "#") && !strings.HasPrefix(low, "javascript:") && !imageURLRe.MatchString(low) {
			away = true
		}
	})
	return away
}

// walkElements calls visit on the elements under root (root included) in document
// order, skipping script and style subtrees, visiting at most max nodes.
func walkElements(root *html.Node, max int, visit func(e *html.Node)) {
	stack := []*html.Node{root}
	for n := 0; len(stack) > 0 && n < max; n++ {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if e.Type != html.ElementNode || skipAtom(e.DataAtom) {
			if e.Type != html.DocumentNode {
				continue
			}
		} else {
			visit(e)
		}
		for k := e.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
}

// readLinklessCard reads a shop item without a listing link: title from its name block,
// price from the rest, its key from its quantity input's name (else the title).
func readLinklessCard(pc *pageCtx, c *html.Node) *lDraft {
	name := nameElement(pc, c)
	if name == nil {
		return nil
	}
	d := &lDraft{}
	d.l.Title = pc.lineText(name)
	d.price = cardPrice(pc, c, name)
	key := ""
	walkElements(c, 2000, func(e *html.Node) {
		if key == "" && e.DataAtom == atom.Input {
			if t := strings.ToLower(attr(e, "type")); t == "number" || t == "" || t == "text" {
				key = strings.TrimSpace(attr(e, "name"))
			}
		}
	})
	if key == "" {
		key = shortHash(d.l.Title)
	}
	base := pc.page.URL
	if i := strings.IndexByte(base, '#'); i >= 0 {
		base = base[:i]
	}
	d.l.URL = base + "#item-" + key
	d.l.ID = listingKey(nil, base) + "-item-" + key
	if strings.HasPrefix(d.l.ID, "-") {
		d.l.ID = "item-" + key
	}
	return d
}
