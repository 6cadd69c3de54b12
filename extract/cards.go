package extract

// Cards: repeated listing blocks on category, search and vendor pages, and what each holds.

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/darkwatch/darkwatch/extract/country"
	"github.com/darkwatch/darkwatch/extract/price"
)

// detectCards finds the largest group of repeated sibling elements that each hold a link
// and a price, and reads one partial listing per card.
func detectCards(pc *pageCtx) []*lDraft {
	if len(pc.doc.Nodes) == 0 {
		return nil
	}
	type group struct {
		nodes []*html.Node
		good  int
	}
	var best group
	cs := newCardScan(pc)
	stack := []*html.Node{pc.doc.Nodes[0]}
	visited := 0
	for len(stack) > 0 && visited < maxWalkNodes {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		visited++
		if n.Type != html.ElementNode || skipAtom(n.DataAtom) {
			if n.Type == html.DocumentNode {
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					stack = append(stack, c)
				}
			}
			continue
		}
		groups := map[cardSig][]*html.Node{}
		kids := 0
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				kids++
				stack = append(stack, c)
				if kids <= 1000 {
					sig := cs.sig(c)
					groups[sig] = append(groups[sig], c)
				}
			}
		}
		for _, g := range groups {
			if len(g) < 3 || len(g) <= best.good {
				continue
			}
			good := 0
			for i, m := range g {
				if cs.like(m) {
					good++
				}
				if i >= 9 && good == 0 {
					break
				}
			}
			if good >= 3 && float64(good) >= 0.6*float64(len(g)) && good > best.good {
				best = group{nodes: g, good: good}
			}
		}
		// rows of a grid: when rows hold two or more cards each, the cells are the
		// records (cousins, not siblings); a row holding one card is itself the record
		for _, rows := range groups {
			if len(rows) < 2 {
				continue
			}
			for _, g := range cs.gridCells(rows) {
				if len(g) < 3 || len(g) <= best.good {
					continue
				}
				if good := cs.gridGood(g); good >= 3 && float64(good) >= 0.6*float64(len(g)) && good > best.good {
					best = group{nodes: g, good: good}
				}
			}
		}
	}
	var out []*lDraft
	seen := map[string]*lDraft{}
	for _, c := range best.nodes {
		d := readCard(pc, c)
		if d == nil {
			continue
		}
		// a listing drawn over two rows (details, then "View full description"): one card
		if prev := seen[d.l.URL]; prev != nil {
			mergeCard(prev, d)
			continue
		}
		seen[d.l.URL] = d
		out = append(out, d)
	}
	// repeated widgets (one "Deposits & Withdrawals" box per coin) are not listings:
	// listing cards differ by title, or link distinct listing pages (a district's page
	// lists the same product of several shops)
	titles := map[string]bool{}
	for _, d := range out {
		k := strings.ToLower(d.l.Title)
		if u := strings.ToLower(d.l.URL); genListingRe.MatchString(u) {
			k = u
		}
		titles[k] = true
	}
	if len(out) >= 3 && 2*len(titles) <= len(out) {
		return nil
	}
	if len(out) >= 3 {
		pc.cardRoots = best.nodes
	}
	return out
}

func normClass(c string) string {
	f := strings.Fields(strings.ToLower(c))
	// drop state classes that differ between cards
	var keep []string
	for _, x := range f {
		if strings.ContainsAny(x, "0123456789") || x == "odd" || x == "even" || x == "active" || x == "selected" || x == "first" || x == "last" {
			continue
		}
		keep = append(keep, x)
	}
	sort.Strings(keep)
	return strings.Join(keep, ".")
}

// cardScan remembers, for one detectCards walk, what it computes more than once: the
// signature of an element (tag and normalised class: siblings and grid cells are grouped
// by it) and whether an element is card-like (a grid's cells are tested as cells of their
// rows and again as siblings).
type cardScan struct {
	pc      *pageCtx
	classes map[string]string // class attribute -> normClass
	cards   map[*html.Node]bool
}

// cardSig groups elements of one kind: tag and normalised class.
type cardSig struct{ tag, class string }

func newCardScan(pc *pageCtx) *cardScan {
	return &cardScan{pc: pc, classes: map[string]string{}, cards: map[*html.Node]bool{}}
}

func (cs *cardScan) sig(c *html.Node) cardSig {
	a := attr(c, "class")
	nc, ok := cs.classes[a]
	if !ok {
		nc = normClass(a)
		cs.classes[a] = nc
	}
	return cardSig{c.Data, nc}
}

func (cs *cardScan) like(n *html.Node) bool {
	v, ok := cs.cards[n]
	if !ok {
		v = cardLike(cs.pc, n)
		cs.cards[n] = v
	}
	return v
}

func cardLike(pc *pageCtx, n *html.Node) bool {
	if !hasTitleLink(pc, n) && !linklessCard(pc, n) {
		return false
	}
	t := pc.lineText(n)
	if len(t) > 4000 || len(t) < 3 {
		return false
	}
	for _, m := range price.ParseAll(t) {
		if m.Amount > 0 { // "0.00000 BTC" is a wallet balance, not a price
			return true
		}
	}
	return false
}

// mergeCard fills dst's empty fields from src, a second block of the same listing.
func mergeCard(dst, src *lDraft) {
	fill(&dst.l.Vendor, src.l.Vendor)
	fill(&dst.vendorURL, src.vendorURL)
	fill(&dst.l.ShipsFromRaw, src.l.ShipsFromRaw)
	fill(&dst.l.ShipsToRaw, src.l.ShipsToRaw)
	fill(&dst.l.Category, src.l.Category)
	fill(&dst.price, src.price)
}

// actionLinkRe matches link texts that are actions, not listing titles.
var actionLinkRe = regexp.MustCompile(`(?i)^(?:view|details?|more( info)?|read more|see more|show|open|view (?:full )?(?:description|details|listing|product|item|offer)|buy|buy now|order|order now|purchase|add to cart|add to basket|подробнее|купить|заказать|kaufen|details ansehen|mehr|acheter|voir|comprar|ver( más)?)$`)

// isActionText reports whether a link text is an action ("View Full Description", "Order").
func isActionText(t string) bool {
	t = strings.TrimSpace(strings.Trim(t, " »›>→.!…"))
	if !strings.ContainsFunc(t, unicode.IsLetter) {
		return true // "»", "12", "<<": pagination
	}
	return len(t) < 40 && actionLinkRe.MatchString(t)
}

// arrowPlaces finds a short text "X → Y" inside card c whose sides name places: the
// card's origin and destinations ("US → US", "Germany → Worldwide").
func arrowPlaces(c *html.Node) string { return arrowPlacesSkip(c, nil, 2000) }

// arrowPlacesSkip is arrowPlaces that skips the subtrees in skip and visits at most max
// nodes.
func arrowPlacesSkip(c *html.Node, skip []*html.Node, max int) string {
	out := ""
	walkText(c, skip, max, func(e *html.Node) bool {
		if len(e.Data) > 400 || !hasArrow(e.Data) {
			return false
		}
		t := oneLine(e.Data)
		if len(t) > 0 && len(t) < 120 {
			if parts := arrowRe.Split(t, 2); len(parts) == 2 && len(country.Parse(parts[0])) > 0 && len(country.Parse(parts[1])) > 0 {
				out = t
				return true
			}
		}
		return false
	})
	return out
}

// walkText calls visit on the text nodes under root in document order, skipping script
// and style subtrees and the subtrees in skip, visiting at most max nodes; visit returns
// true to stop.
func walkText(root *html.Node, skip []*html.Node, max int, visit func(t *html.Node) bool) {
	var skipSet map[*html.Node]bool // many cards: a set, not a scan of skip per node
	if len(skip) > 8 {
		skipSet = make(map[*html.Node]bool, len(skip))
		for _, s := range skip {
			skipSet[s] = true
		}
	}
	stack := []*html.Node{root}
	for n := 0; len(stack) > 0 && n < max; n++ {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if skipSet != nil {
			if skipSet[e] {
				continue
			}
		} else if len(skip) > 0 && slices.Contains(skip, e) {
			continue
		}
		if e.Type == html.TextNode {
			if visit(e) {
				return
			}
			continue
		}
		if e.Type == html.ElementNode && skipAtom(e.DataAtom) {
			continue
		}
		for k := e.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
}

// cardPrice is the text that holds a card's price: the first element classed "price"
// with a non-zero price, else the card's text without its title ("GET $50/DAY" is a title).
func cardPrice(pc *pageCtx, c, titleLink *html.Node) string {
	stack := []*html.Node{c}
	var rest strings.Builder
	for i := 0; len(stack) > 0 && i < 5000; i++ {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == titleLink {
			continue
		}
		switch n.Type {
		case html.TextNode:
			rest.WriteString(n.Data)
			rest.WriteByte(' ')
			continue
		case html.ElementNode:
			if skipAtom(n.DataAtom) {
				continue
			}
			if n != c && strings.Contains(strings.ToLower(attr(n, "class")), "price") {
				if t := pc.lineText(n); len(t) < 200 {
					if m, ok := price.Parse(t); ok && m.Amount > 0 {
						return t
					}
				}
			}
		}
		for k := n.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
	t := oneLine(rest.String())
	if _, ok := price.Parse(t); ok {
		return t
	}
	return ""
}

// wrappedCardTitle is the title of a link that wraps a whole card (two or more child
// blocks with text: name, price, "by X"): its first block that is neither a price nor a
// by-line. "" when the link is a plain title link.
func wrappedCardTitle(pc *pageCtx, a *html.Node) string {
	var blocks []string
	for c := a.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || skipAtom(c.DataAtom) {
			continue
		}
		if t := pc.lineText(c); t != "" {
			blocks = append(blocks, t)
		}
	}
	if len(blocks) < 2 {
		return ""
	}
	for _, b := range blocks {
		if byLineRe.MatchString(b) {
			continue
		}
		if m, ok := price.Parse(b); ok && m.Amount > 0 && len(b) < 30 {
			continue
		}
		return b
	}
	return ""
}

var byLineRe = regexp.MustCompile(`(?i)^(?:by|sold by|vendor|seller|verkauft von|vendu par|vendido por|venduto da)\s*:?\s+@?([\pL\pN_.\-]{2,40})$`)

// byLine finds a short text "by X" / "by @X" in card c: the vendor's handle.
func byLine(c *html.Node) string {
	out := ""
	walkText(c, nil, 2000, func(e *html.Node) bool {
		if len(e.Data) < 80 {
			if m := byLineRe.FindStringSubmatch(oneLine(e.Data)); m != nil {
				out = m[1]
				return true
			}
		}
		return false
	})
	return out
}

// hasTitleLink reports whether n holds a link that can be a card's title: not a vendor
// page, not an action ("Order", "View full description"), not an account link.
func hasTitleLink(pc *pageCtx, n *html.Node) bool {
	if n.Type == html.ElementNode && n.DataAtom == atom.A {
		return titleLink(pc, n)
	}
	if as, ok := pc.anchorsWithin(n, 5000); ok {
		for _, a := range as {
			if a.DataAtom == atom.A && titleLink(pc, a) {
				return true
			}
		}
		return false
	}
	stack := []*html.Node{n}
	for i := 0; len(stack) > 0 && i < 5000; i++ {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c.Type == html.ElementNode && c.DataAtom == atom.A {
			if titleLink(pc, c) {
				return true
			}
			continue
		}
		for k := c.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
	return false
}

// titleLink reports whether link a can be a card's title (see hasTitleLink).
func titleLink(pc *pageCtx, a *html.Node) bool {
	if attr(a, "href") == "" {
		return false
	}
	f := pc.hrefClass(a)
	if f&(hrefIgnore|hrefImage) != 0 || (f&hrefVendor != 0 && f&hrefListing == 0) {
		return false
	}
	t := pc.lineText(a)
	return t != "" && !isActionText(t)
}

// readCard reads title, URL, price, vendor and places from one card.
func readCard(pc *pageCtx, c *html.Node) *lDraft {
	d := &lDraft{}
	links, ok := pc.anchorsIn(c)
	if !ok {
		links = goquery.NewDocumentFromNode(c).FindMatcher(selAHref).Nodes
	}
	// the link a vendor label names ("Vendeur : <a>X</a>") is the vendor, whatever its URL
	_, vendorLink := pc.labelValue([]*html.Node{c}, lblVendor)
	var titleLink *html.Node
	bestLen := 0
	for _, a := range links {
		raw := attr(a, "href")
		f := pc.hrefClass(a)
		if f&(hrefIgnore|hrefImage) != 0 || a == vendorLink {
			continue
		}
		t := pc.lineText(a)
		if f&hrefVendor != 0 && f&hrefListing == 0 {
			if d.l.Vendor == "" && t != "" {
				d.l.Vendor = cleanHandle(t)
				d.vendorURL = pc.abs(raw)
			}
			continue
		}
		if isActionText(t) {
			continue
		}
		score := len(t)
		if f&hrefListing != 0 {
			score += 1000
		}
		if t != "" && score > bestLen {
			titleLink, bestLen = a, score
		}
	}
	if titleLink == nil {
		if linklessCard(pc, c) {
			return readLinklessCard(pc, c)
		}
		return nil
	}
	d.l.Title = pc.lineText(titleLink)
	d.l.URL = pc.abs(attr(titleLink, "href"))
	if t := wrappedCardTitle(pc, titleLink); t != "" {
		// the link wraps the whole card: its first text block is the title, the rest
		// (price, "by X") belongs to the card
		d.l.Title = t
		d.price = cardPrice(pc, c, nil)
	} else {
		d.price = cardPrice(pc, c, titleLink)
	}
	if d.l.Vendor == "" {
		if v := byLine(c); v != "" {
			d.l.Vendor = v
		}
	}
	scope := []*html.Node{c}
	if v, _ := pc.labelValue(scope, lblFrom); v != "" {
		d.l.ShipsFromRaw = v
	} else if v, _ := pc.labelValue(scope, lblFromShort); v != "" && len(v) < 100 && len(country.Parse(v)) > 0 {
		d.l.ShipsFromRaw = v
	}
	if v, _ := pc.labelValue(scope, lblTo); v != "" {
		d.l.ShipsToRaw = v
	} else if v, _ := pc.labelValue(scope, lblToShort); v != "" && len(v) < 300 && len(country.Parse(v)) > 0 {
		d.l.ShipsToRaw = v
	}
	if d.l.Vendor == "" {
		if v, a := pc.labelValue(scope, lblVendor); v != "" {
			if a != nil {
				v = pc.lineText(a)
				d.vendorURL = pc.abs(attr(a, "href"))
			}
			d.l.Vendor = cleanHandle(v)
		}
	}
	if v, _ := pc.labelValue(scope, lblCategory); v != "" && len(v) < 200 {
		d.l.Category = v
	}
	if c.DataAtom == atom.Tr {
		tableColumns(pc, c, d)
	}
	if d.l.ShipsFromRaw == "" {
		d.l.ShipsFromRaw = arrowPlaces(c)
	}
	if d.l.Category == "" {
		var cats []string
		for _, a := range links {
			if catURLRe.MatchString(attr(a, "href")) {
				if t := pc.lineText(a); t != "" && len(t) < 60 {
					cats = append(cats, t)
				}
			}
		}
		d.l.Category = strings.Join(cats, " > ")
	}
	if d.l.Category == "" {
		d.l.Category = cardCategory(pc, c)
	}
	splitArrow(&d.l)
	return d
}

// tableColumns fills a table-row card's empty fields from the columns its table's header
// names ("Vendor | Price | Ships from"): the cell under each known label is its value.
func tableColumns(pc *pageCtx, row *html.Node, d *lDraft) {
	hdr := tableHeader(row)
	if len(hdr) == 0 {
		return
	}
	var cells []*html.Node
	for c := row.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Td || c.DataAtom == atom.Th) {
			cells = append(cells, c)
		}
	}
	if len(cells) != len(hdr) {
		return // colspans: columns do not line up
	}
	for i, h := range hdr {
		t := pc.lineText(cells[i])
		if t == "" || len(t) > 200 {
			continue
		}
		switch {
		case pc.isLabel(h, lblFrom):
			fill(&d.l.ShipsFromRaw, t)
		case pc.isLabel(h, lblTo):
			fill(&d.l.ShipsToRaw, t)
		case pc.isLabel(h, lblCategory):
			fill(&d.l.Category, t)
		case pc.isLabel(h, lblPrice):
			if _, ok := price.Parse(t); ok {
				d.price = t
			}
		case pc.isLabel(h, lblVendor) && d.l.Vendor == "":
			d.l.Vendor = cleanHandle(t)
			if a := firstLink(cells[i]); a != nil {
				d.vendorURL = pc.abs(attr(a, "href"))
			}
		}
	}
}

// tableHeader is the normalised text of the header cells of row's table: its <thead> row
// or its first row when that row holds only <th> cells. Nil when row is the header.
func tableHeader(row *html.Node) []string {
	var table *html.Node
	for p, i := row.Parent, 0; p != nil && i < 3; p, i = p.Parent, i+1 {
		if p.Type == html.ElementNode && p.DataAtom == atom.Table {
			table = p
			break
		}
	}
	if table == nil {
		return nil
	}
	var first *html.Node
	for s, i := table.FirstChild, 0; s != nil && first == nil && i < 20; s, i = s.NextSibling, i+1 {
		switch {
		case s.Type != html.ElementNode:
		case s.DataAtom == atom.Tr:
			first = s
		case s.DataAtom == atom.Thead || s.DataAtom == atom.Tbody:
			for r := s.FirstChild; r != nil; r = r.NextSibling {
				if r.Type == html.ElementNode && r.DataAtom == atom.Tr {
					first = r
					break
				}
			}
		}
	}
	if first == nil || first == row {
		return nil
	}
	var hdr []string
	for c := first.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom != atom.Th && (first.Parent == nil || first.Parent.DataAtom != atom.Thead) {
			return nil
		}
		if c.DataAtom == atom.Th || c.DataAtom == atom.Td {
			hdr = append(hdr, normLabel(oneLine(nodeText(c))))
		}
	}
	return hdr
}
