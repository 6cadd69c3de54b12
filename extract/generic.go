package extract

import (
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/darkwatch/darkwatch/extract/country"
	"github.com/darkwatch/darkwatch/extract/price"
	"github.com/darkwatch/darkwatch/extract/quantity"
)

// Labels the generic extractor looks for: English, Russian, German, French and Spanish.
// Each is matched on the element's whole own text or on a "Label:" segment of it, after
// normLabel (case, spaces, trailing colons, bullets and icons removed).
var (
	lblPrice = []string{"price", "unit price", "purchase price", "sale price", "our price", "cost", "price per unit",
		"цена", "стоимость", "preis", "stückpreis", "prix", "prix unitaire", "precio", "precio unitario", "preço",
		"prezzo", "prezzo unitario", "prijs", "cena", "pris", "fiyat"}
	lblVendor = []string{"sold by", "vendor", "seller", "merchant", "shop", "store", "vendor name", "seller name",
		"продавец", "магазин", "verkäufer", "verkaufer", "händler", "anbieter", "vendeur", "marchand", "vendedor", "vendido por",
		"venditore", "venduto da", "verkoper", "verkocht door", "sprzedawca", "sprzedający", "säljare", "satıcı"}
	lblFrom = []string{"ships from", "shipping from", "ship from", "shipped from", "origin", "origin country", "country of origin", "location", "country",
		"откуда", "страна", "отправка из", "страна отправки", "versand aus", "versand von", "versandland", "herkunft", "herkunftsland",
		"expédié de", "expédié depuis", "expédition depuis", "envoi depuis", "pays d'origine", "origine",
		"envío desde", "envio desde", "enviado desde", "origen", "país de origen",
		"spedito da", "spedizione da", "paese di origine", "enviado de", "envio de", "origem", "país de origem",
		"verzonden vanuit", "verzending vanuit", "verzonden uit", "herkomst", "land van herkomst", "wysyłka z", "kraj wysyłki", "skickas från"}
	lblLevel  = []string{"level", "vendor level", "trust level", "уровень"}
	lblRating = []string{"rating", "feedback", "positive feedback", "рейтинг"}
	lblSales  = []string{"sales", "orders", "deals", "продаж", "продажи", "сделок"}
	lblStock  = []string{"stock", "availability", "in stock", "наличие"}
	lblHandle = []string{"username", "user name", "handle", "vendor name", "имя пользователя", "benutzername", "nom d'utilisateur", "usuario"}
	lblTo     = []string{"ships to", "ship to", "shipping to", "shipped to", "destination", "destinations", "delivery to",
		"доставка", "куда", "доставка в", "versand nach", "lieferung nach", "lieferland",
		"livraison vers", "livraison", "expédié vers", "envío a", "envio a", "envíos a", "destino",
		"spedizione verso", "spedizione in", "spedisce in", "spedito in", "enviado para", "envio para", "entrega para",
		"verzending naar", "levering naar", "wysyłka do", "dostawa do", "skickas till"}
	lblCategory = []string{"category", "категория", "раздел", "kategorie", "catégorie", "categoría", "categoria", "categorie", "kategoria", "kategori"}
	// lblShipping is a combined shipping line: "Shipping: Germany → Worldwide" (origin and
	// destinations), "Shipping: from Spain" (origin) or "Shipping: Worldwide" (destinations).
	lblShipping = []string{"shipping", "delivery", "ships", "shipping info", "versand", "lieferung", "expédition", "envío", "envio", "spedizione", "verzending", "wysyłka"}
	lblQuantity = []string{"weight", "вес", "фасовка", "amount", "количество"}
	// bare "From:" / "To:" ("From: Netherlands · To: Worldwide") count only when their
	// value names a place
	lblFromShort = []string{"from", "von", "de", "desde", "из"}
	lblToShort   = []string{"to", "nach", "vers", "hacia", "в"}
)

var (
	searchURLRe = mustQuick(`(?i)search|[?&](q|query|s|term|keyword)=`)
	forumURLRe  = mustQuick(`(?i)thread|topic|viewtopic|showthread|/t/|forum|/post/|/posts/|/d/`)
)

// genericExtract reads a page of an unknown market.
func genericExtract(pc *pageCtx) pageOut {
	// 1. schema.org JSON-LD and microdata.
	if ls := jsonLDListings(pc); len(ls) > 0 {
		return productsOut(pc, ls)
	}
	if ls := microdataListings(pc); len(ls) > 0 {
		return productsOut(pc, ls)
	}
	// 2. a vendor profile URL without a price on the page.
	cards := detectCards(pc)
	// the label-value pairs decide the page kind; the rest of the listing (shipping
	// sentences, category trails, offers, description, price and vendor heuristics) is
	// read only when the page is a listing: whole() completes d once
	d, score := listingLabels(pc, nil)
	completed := false
	whole := func() *lDraft {
		if !completed {
			listingRest(pc, nil, d)
			completed = true
		}
		return d
	}
	vendorURL := pc.ownProfileURL() != "" && !genListingRe.MatchString(strings.ToLower(pc.page.URL))
	if vendorURL && !d.priceLabel {
		if v, ok := genericVendor(pc); ok {
			// a vendor's page lists the vendor's own listings
			for _, c := range cards {
				if c.l.Vendor == "" {
					c.l.Vendor = v.v.Handle
					c.vendorURL = pc.page.URL
				}
			}
			return pageOut{kind: KindVendor, vendors: []*vDraft{v}, listings: cards}
		}
	}
	// 3. label-value pairs of a single listing.
	if score >= 2 && whole().l.Title != "" && (len(cards) < 5 || score >= 3) {
		d.l.URL = pc.page.URL
		return pageOut{kind: KindListing, listings: []*lDraft{d}}
	}
	// one or two result cards (fewCards) on a page without a record of its own
	if len(cards) == 0 && score < 2 {
		if few := fewCards(pc); len(few) > 0 {
			return cardsOut(pc, few)
		}
	}
	// 4. forum thread: offers in prose. Off a thread URL, repeated product cards (each an
	// <article> with a title link and a price) are a category or search page, not posts.
	if len(cards) < 3 || forumURLRe.MatchString(pc.page.URL) {
		if out, ok := forumOut(pc); ok {
			return out
		}
	}
	// a page whose point is a PGP key: the vendor's key page
	if strings.Contains(pc.text(), "BEGIN PGP PUBLIC KEY BLOCK") && len(cards) < 3 {
		if v, ok := genericVendor(pc); ok {
			return pageOut{kind: KindVendor, vendors: []*vDraft{v}}
		}
	}
	// 5. repeated cards on category and search pages.
	if len(cards) >= 3 {
		return cardsOut(pc, cards)
	}
	// 6. a vendor profile.
	if v, ok := genericVendor(pc); ok {
		return pageOut{kind: KindVendor, vendors: []*vDraft{v}}
	}
	if score >= 2 && whole().l.Title != "" {
		d.l.URL = pc.page.URL
		return pageOut{kind: KindListing, listings: []*lDraft{d}}
	}
	// a listing without labels: a title, a price and a vendor link on a listing URL (not
	// on any URL: a search page with two results has them too)
	// (or, off a listing URL, with a purchase control beside the title: a single-vendor
	// shop's product page whose own URL is not a listing pattern)
	if len(cards) < 3 && whole().l.Title != "" && d.price != "" && d.l.Vendor != "" &&
		(genListingRe.MatchString(strings.ToLower(pc.page.URL)) || purchaseControl(pc)) {
		d.l.URL = pc.page.URL
		return pageOut{kind: KindListing, listings: []*lDraft{d}}
	}
	return pageOut{kind: KindOther}
}

// cardsOut is a category or search page of cards; a category page's trail is its
// cards' category.
func cardsOut(pc *pageCtx, cards []*lDraft) pageOut {
	kind := KindCategory
	if searchURLRe.MatchString(pc.page.URL) {
		kind = KindSearch
	} else if path := breadcrumbPath(pc, ""); path != "" {
		for _, c := range cards {
			fill(&c.l.Category, path)
		}
	}
	return pageOut{kind: kind, listings: cards}
}

func productsOut(pc *pageCtx, ls []*lDraft) pageOut {
	if len(ls) == 1 {
		if ls[0].l.URL == "" {
			ls[0].l.URL = pc.page.URL
		}
		// complete from labels what schema.org left out
		ld, _ := labelListing(pc, nil)
		fill(&ls[0].l.Vendor, ld.l.Vendor)
		fill(&ls[0].vendorURL, ld.vendorURL)
		fill(&ls[0].l.ShipsFromRaw, ld.l.ShipsFromRaw)
		fill(&ls[0].l.ShipsToRaw, ld.l.ShipsToRaw)
		fill(&ls[0].l.Category, ld.l.Category)
		fill(&ls[0].price, ld.price)
		return pageOut{kind: KindListing, listings: ls}
	}
	kind := KindCategory
	if searchURLRe.MatchString(pc.page.URL) {
		kind = KindSearch
	}
	return pageOut{kind: kind, listings: ls}
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// labelListing reads a listing from label-value pairs; score counts the labels found.
func labelListing(pc *pageCtx, scope []*html.Node) (*lDraft, int) {
	d, score := listingLabels(pc, scope)
	listingRest(pc, scope, d)
	return d, score
}

// listingLabels reads the label-value pairs that score a listing: price, vendor and
// places.
func listingLabels(pc *pageCtx, scope []*html.Node) (*lDraft, int) {
	d := &lDraft{}
	score := 0
	if v, _ := pc.labelValue(scope, lblPrice); v != "" {
		if _, ok := price.Parse(v); ok {
			d.price = v
			d.priceLabel = true
			score++
		}
	}
	if v, a := pc.labelValue(scope, lblVendor); v != "" {
		if a != nil {
			d.vendorURL = pc.abs(attr(a, "href"))
			if t := oneLine(nodeText(a)); t != "" {
				v = t
			}
		}
		d.l.Vendor = cleanHandle(v)
		score++
	}
	if v, _ := pc.labelValue(scope, lblFrom); v != "" {
		d.l.ShipsFromRaw = v
		score++
	}
	if v, _ := pc.labelValue(scope, lblTo); v != "" {
		d.l.ShipsToRaw = v
		score++
	}
	if d.l.ShipsFromRaw == "" {
		if v, _ := pc.labelValue(scope, lblFromShort); v != "" && len(v) < 100 && len(country.Parse(v)) > 0 {
			d.l.ShipsFromRaw = v
			score++
		}
	}
	if d.l.ShipsToRaw == "" {
		if v, _ := pc.labelValue(scope, lblToShort); v != "" && len(v) < 300 && len(country.Parse(v)) > 0 {
			d.l.ShipsToRaw = v
			score++
		}
	}
	if d.l.ShipsFromRaw == "" && d.l.ShipsToRaw == "" {
		if v, _ := pc.labelValue(scope, lblShipping); v != "" && len(v) < 300 {
			if shippingLine(&d.l, v) {
				score++
			}
		}
	}
	return d, score
}

// listingRest completes d (from listingLabels) with what the page states without those
// labels: shipping sentences and arrows, category, offers, status, title, description,
// and the price and vendor heuristics.
func listingRest(pc *pageCtx, scope []*html.Node, d *lDraft) {
	if scope == nil && (d.l.ShipsFromRaw == "" || d.l.ShipsToRaw == "") {
		// "This item ships from Canada." "Ships only to Belgium." (shipsentence.go)
		f, t := shipSentences(pc)
		fill(&d.l.ShipsFromRaw, f)
		fill(&d.l.ShipsToRaw, t)
	}
	splitArrow(&d.l)
	if v, _ := pc.labelValue(scope, lblCategory); v != "" && len(v) < 200 {
		d.l.Category = v
	}
	if v, _ := pc.labelValue(scope, lblQuantity); v != "" && len(v) < 100 {
		d.quantity = v
	}
	if scope == nil && d.l.ShipsFromRaw == "" && d.l.ShipsToRaw == "" && len(pc.doc.Nodes) > 0 && len(pc.cardRoots) == 0 {
		// no shipping labels and no cards: "🇳🇱 Netherlands → 🌍 Worldwide" or "Ships from
		// Germany to Worldwide" in a short text
		if t := arrowPlacesSkip(pc.doc.Nodes[0], pc.cardRoots, maxWalkNodes); t != "" {
			d.l.ShipsFromRaw = t
			splitArrow(&d.l)
		} else if t := shipProseText(pc); t != "" {
			shippingLine(&d.l, t)
		}
	}
	if scope == nil && d.l.ShipsToRaw == "" && len(pc.doc.Nodes) > 0 && len(pc.cardRoots) == 0 {
		// "Ships worldwide", "Free worldwide shipping" in a short text
		if worldwideSentence(pc.doc.Nodes[0]) {
			d.l.ShipsToRaw = "Worldwide"
		}
	}
	if scope == nil {
		// dead-drop shops (клад: magnet, stash) deliver inside the country they sell in
		if d.l.ShipsToRaw == "" && d.l.ShipsFromRaw != "" && deadDropRe.MatchString(pc.text()) {
			d.l.ShipsToRaw = d.l.ShipsFromRaw
		}
		d.l.Title = pageTitle(pc)
		if d.l.Category == "" {
			d.l.Category = breadcrumbPath(pc, d.l.Title)
		}
		if d.l.Category == "" {
			d.l.Category = selectedTreePath(pc)
		}
		if d.l.Category == "" {
			d.l.Category = categoryTrail(pc)
		}
		d.offers = genericOffers(pc)
		if v, _ := pc.labelValue(nil, lblStock); v != "" {
			d.l.Status = statusOf(v)
		} else if n := stockElement(pc); n != nil {
			d.l.Status = statusOf(pc.nodeText(n))
		}
		if d.l.Status != StatusSoldOut && soldOutBadge(pc) {
			d.l.Status = StatusSoldOut
		}
		d.l.Title = pageTitle(pc)
		d.l.Description = truncate(mainDescription(pc), maxFieldLen)
		if d.price == "" {
			// price heuristic: the first price near the title
			if m := firstPriceText(pc); m != "" {
				d.price = m
			}
		}
		if d.l.Vendor == "" {
			if a := firstVendorLink(pc); a != nil {
				d.l.Vendor = cleanHandle(oneLine(nodeText(a)))
				d.vendorURL = pc.abs(attr(a, "href"))
			}
		}
	}
}

var (
	handleTrimRe = regexp.MustCompile(`\s*[\(\[].*$`)
	// honorificRe is a title abbreviation that begins a shop's name ("Mr.", "Dr.", "Mrs.")
	honorificRe = regexp.MustCompile(`^(?i:mr|mrs|ms|dr|st|sr|prof)\.$`)
)

// cleanHandle trims ratings and decorations: "PHARMORA (1000) 4.97" -> "PHARMORA".
func cleanHandle(s string) string {
	s = strings.TrimSpace(handleTrimRe.ReplaceAllString(oneLine(s), ""))
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(s, "/u/"), "u/"), "@")
	if f := strings.Fields(s); len(f) > 0 {
		s = strings.Trim(f[0], " -–|,:")
		if honorificRe.MatchString(f[0]) && len(f) > 1 && len(f) <= 4 {
			// "Mr. Nice Guy (102T / 99.0%)": a title abbreviation starts a name of words
			s = strings.Join(f, " ")
		}
	}
	// "GreyFox's Store" -> "GreyFox"
	for _, suf := range []string{"'s", "’s", "'S"} {
		if len(s) > len(suf)+1 && strings.HasSuffix(s, suf) {
			s = s[:len(s)-len(suf)]
			break
		}
	}
	return s
}

// stockElement is the first element whose class contains "stock" (selStock), looked for
// only when some class of the page contains it.
func stockElement(pc *pageCtx) *html.Node {
	if ts := pc.pageTokens(); !ts.all {
		found := false
		for c := range ts.classes {
			if strings.Contains(c, "stock") {
				found = true
				break
			}
		}
		if !found {
			return nil
		}
	}
	if n := pc.doc.FindMatcher(selStock).First(); len(n.Nodes) > 0 {
		return n.Nodes[0]
	}
	return nil
}

// mainDescription is the text of the element most likely to hold the description, PGP
// key blocks removed.
func mainDescription(pc *pageCtx) string {
	if len(pc.doc.Nodes) > 0 {
		ts := pc.pageTokens()
		for _, d := range selDescriptions {
			if !d.maybe(ts) {
				continue // no class or id of the page can match: no walk
			}
			// the first match in document order
			if n := d.sel.MatchFirst(pc.doc.Nodes[0]); n != nil {
				if t := stripPGP(dropPriceTables(pc, n, dropSectionHeading(n, pc.nodeText(n)))); t != "" {
					return t
				}
			}
		}
	}
	// the longest <p>/<pre>/<div> text without many links
	best := ""
	for n := range pc.all(selProseT) {
		t := pc.nodeText(n)
		if len(t) > len(best) && len(t) < maxFieldLen && linkDensity(pc, n, len(t)) < 0.3 {
			best = t
		}
	}
	return stripPGP(best)
}

// sectionNames are headings that only name a section of a listing page.
var sectionNames = map[string]bool{
	"description": true, "product description": true, "item description": true, "listing description": true,
	"offer description": true, "details": true, "product details": true, "item details": true, "about": true,
	"about this item": true, "about this product": true, "info": true, "information": true, "overview": true,
	"описание": true, "описание товара": true, "beschreibung": true, "produktbeschreibung": true, "artikelbeschreibung": true,
	"descripción": true, "descripcion": true, "descrição": true, "descrizione": true, "beschrijving": true,
	"opis": true, "opis produktu": true, "beskrivning": true, "açıklama": true,
}

// dropSectionHeading removes from text (n's text) the heading that opens n when it only
// names the section ("<h4>Description</h4>"): it is not part of the description.
func dropSectionHeading(n *html.Node, text string) string {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			if strings.TrimSpace(c.Data) != "" {
				return text
			}
			continue
		}
		if c.Type != html.ElementNode {
			continue
		}
		switch c.DataAtom {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Strong, atom.B, atom.Legend:
		default:
			return text
		}
		h := strings.TrimSpace(nodeText(c))
		if !sectionNames[normLabel(h)] {
			return text
		}
		if rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text), h)); rest != "" {
			return rest
		}
		return text
	}
	return text
}

// dropPriceTables removes from text (n's text) the tables of prices inside n (quantity
// tiers, postage options: every row holding a price) and the heading right before
// each ("<h4>Prices</h4>"): they are the listing's offers, not its description.
func dropPriceTables(pc *pageCtx, n *html.Node, text string) string {
	if firstDescendantAtom(n, atom.Table, maxWalkNodes) == nil {
		return text
	}
	walkElements(n, maxWalkNodes, func(t *html.Node) {
		if t.DataAtom != atom.Table || !priceRows(t) {
			return
		}
		tt := pc.nodeText(t)
		i := strings.Index(text, tt)
		if tt == "" || i < 0 {
			return
		}
		before, after := strings.TrimRight(text[:i], " \n"), text[i+len(tt):]
		if h := prevElement(t); h != nil && headingAtom(h.DataAtom) {
			if ht := pc.nodeText(h); ht != "" && strings.HasSuffix(before, ht) {
				before = strings.TrimRight(strings.TrimSuffix(before, ht), " \n")
			}
		}
		text = strings.TrimSpace(before + "\n" + strings.TrimLeft(after, " \n"))
	})
	return text
}

// priceRows reports whether every data row (with td cells) of table t holds a price in a
// cell, and there is one at least.
func priceRows(t *html.Node) bool {
	rows, priced := 0, 0
	walkElements(t, maxWalkNodes, func(tr *html.Node) {
		if tr.DataAtom != atom.Tr {
			return
		}
		cells, has := 0, false
		for c := tr.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.DataAtom == atom.Td {
				cells++
				if m, ok := price.Parse(oneLine(nodeText(c))); ok && m.Amount > 0 {
					has = true
				}
			}
		}
		if cells > 0 {
			rows++
			if has {
				priced++
			}
		}
	})
	return priced > 0 && priced == rows
}

// prevElement is n's previous element sibling, or nil.
func prevElement(n *html.Node) *html.Node {
	for c := n.PrevSibling; c != nil; c = c.PrevSibling {
		if c.Type == html.ElementNode {
			return c
		}
	}
	return nil
}

func headingAtom(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Strong, atom.B:
		return true
	}
	return false
}

var pgpBlockRe = regexp.MustCompile(`(?s)-----BEGIN PGP [A-Z ]+-----.*?(?:-----END PGP [A-Z ]+-----|$)`)

// stripPGP removes armored PGP blocks (they are entities, not description).
func stripPGP(s string) string {
	if !strings.Contains(s, "-----BEGIN PGP") {
		return s
	}
	return cleanText(pgpBlockRe.ReplaceAllString(s, ""))
}

func linkDensity(pc *pageCtx, n *html.Node, textLen int) float64 {
	if textLen == 0 {
		return 1
	}
	l := 0
	for _, a := range goquery.NewDocumentFromNode(n).FindMatcher(selA).Nodes {
		l += len(pc.nodeText(a))
	}
	return float64(l) / float64(textLen)
}

// firstPriceText finds the listing's price without a label: the first short text that is
// a price after the page's main heading (by the title and the purchase control), else the
// first one before it. Prices in the page header, in another record's block (a related
// card) and in a table of exchange rates are not the listing's.
func firstPriceText(pc *pageCtx) string {
	if t := titleSiblingPrice(pc); t != "" {
		return t
	}
	first := ""
	for n := range pc.all(selLabelish) {
		if !pc.textWithin(n, 400) {
			continue // a large block: its text is not a price (and nodeText of every block is quadratic)
		}
		t := pc.lineText(n)
		if len(t) == 0 || len(t) > 60 {
			continue
		}
		// a wallet balance in the header ("Bitcoin (BTC) ฿0") is not the price
		if m, ok := price.Parse(t); ok && m.Amount > 0 && !inHeader(n) && !pc.foreign(n) && !rateTable(n) {
			if pc.placeIdx().title == nil || pc.afterTitle(n) {
				return t
			}
			if first == "" {
				first = t
			}
		}
	}
	return first
}

// titleSiblingPrice is the price of an element beside the page's title (the title's
// siblings: "<h4 class=price>0.2045 BTC</h4><h4>Title</h4>"), before or after it, when
// exactly one sibling is a price: the price by the title, ahead of prices further down
// (shipping options, tabs).
func titleSiblingPrice(pc *pageCtx) string {
	t := pc.placeIdx().title
	if t == nil || t.Parent == nil {
		return ""
	}
	found := ""
	for c := t.Parent.FirstChild; c != nil; c = c.NextSibling {
		if c == t || c.Type != html.ElementNode || !pc.textWithin(c, 80) {
			continue
		}
		s := pc.lineText(c)
		if len(s) == 0 || len(s) > 60 {
			continue
		}
		if m, ok := price.Parse(s); ok && m.Amount > 0 && !rateTable(c) {
			if found != "" {
				return "" // several prices by the title: no single one is the title's
			}
			found = s
		}
	}
	return found
}

// textWithin reports whether the raw text under n (spaces included) is at most max bytes;
// it stops walking as soon as it is not.
func textWithin(n *html.Node, max int) bool {
	total := 0
	stack := []*html.Node{n}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c.Type == html.TextNode {
			if total += len(c.Data); total > max {
				return false
			}
			continue
		}
		if c.Type == html.ElementNode && skipAtom(c.DataAtom) {
			continue
		}
		for k := c.FirstChild; k != nil; k = k.NextSibling {
			stack = append(stack, k)
		}
	}
	return true
}

// firstVendorLink is the first link to a vendor page outside the page header.
func firstVendorLink(pc *pageCtx) *html.Node {
	for _, n := range pc.anchors() {
		h := strings.ToLower(attr(n, "href"))
		if !genVendorRe.MatchString(h) || genIgnoreRe.MatchString(h) || buyControl(n) {
			continue // not a vendor link, or an action ("/shop/buy/9")
		}
		if inHeader(n) || pc.foreign(n) {
			continue
		}
		if t := oneLine(nodeText(n)); t != "" && len(t) < 60 {
			return n
		}
	}
	return nil
}

// inHeader reports whether n sits in a header/nav/account box ("Logged in as X").
func inHeader(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type != html.ElementNode {
			continue
		}
		if p.DataAtom == atom.Nav || (p.DataAtom == atom.Header && !inContent(p)) {
			return true
		}
		for _, c := range strings.Fields(strings.ToLower(attr(p, "class") + " " + attr(p, "id"))) {
			if chromeToken(c) {
				return true
			}
		}
	}
	if p := n.Parent; p != nil {
		if strings.Contains(strings.ToLower(ownText(p)), "logged in as") {
			return true
		}
	}
	return false
}

// chromeToken reports whether a class or id names the page's header or account box
// ("header", "site-header", "navbar", "topnav", "account"), not the header of a card or
// panel inside the content ("card-header", "panel-header", "product-header").
func chromeToken(c string) bool {
	if strings.Contains(c, "navbar") || strings.Contains(c, "controlbox") || strings.Contains(c, "topnav") || strings.Contains(c, "account") {
		return true
	}
	if !strings.Contains(c, "header") {
		return false
	}
	for _, p := range []string{"card", "panel", "box", "modal", "product", "listing", "item", "offer", "widget", "section", "table", "content", "post", "entry", "article"} {
		if strings.HasPrefix(c, p) {
			return false
		}
	}
	return true
}

// inContent reports whether n sits inside an <article>, <main> or <section>: its <header>
// heads that content, not the page.
func inContent(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && (p.DataAtom == atom.Article || p.DataAtom == atom.Main || p.DataAtom == atom.Section) {
			return true
		}
	}
	return false
}

// genericVendor reads a vendor profile: a vendor URL plus a PGP key or vendor labels.
func genericVendor(pc *pageCtx) (*vDraft, bool) {
	handle := profileHandle(pc.ownProfileURL())
	text := pc.text()
	hasPGP := strings.Contains(text, "BEGIN PGP PUBLIC KEY BLOCK")
	if handle == "" && !hasPGP {
		return nil, false
	}
	if handle != "" && !strings.Contains(pc.lowerText(), strings.ToLower(handle)) {
		// an id or a file name in the URL, not the handle the page shows
		handle = ""
	}
	if v, _ := pc.labelValue(nil, lblHandle); v != "" {
		if h := cleanHandle(v); h != "" && len(h) < 64 {
			handle = h
		}
	} else if v, _ := pc.labelValue(nil, lblVendor); v != "" && handle == "" && len(v) < 80 {
		// "Vendor: SnowCap" on the vendor's own page
		if h := cleanHandle(v); h != "" && len(h) < 64 {
			handle = h
		}
	} else if n := pc.doc.FindMatcher(selHandle).First(); len(n.Nodes) > 0 {
		if h := cleanHandle(nodeText(n.Nodes[0])); h != "" && len(h) < 64 {
			handle = h
		}
	}
	if handle == "" {
		handle = cleanHandle(pageTitle(pc))
	}
	d := &vDraft{}
	d.v.Handle = handle
	d.v.URL = pc.page.URL
	if v, _ := pc.labelValue(nil, lblLevel); v != "" && len(v) < 40 {
		d.v.Level = v
	}
	if v, _ := pc.labelValue(nil, lblRating); v != "" && len(v) < 40 {
		d.rating = v
	}
	if v, _ := pc.labelValue(nil, lblSales); v != "" && len(v) < 40 {
		d.sales = v
	}
	if hasPGP {
		d.pgp = text
	}
	d.contacts = stripPGP(text)
	return d, true
}

// genericOffers finds quantity tiers: repeated rows, options or items that each state a
// quantity and a price ("5 g | USD 105.59", "10 pills - €60.84").
func genericOffers(pc *pageCtx) []string {
	groups := map[*html.Node][]string{}
	var order []*html.Node
	for n := range pc.all(selRows) {
		t := pc.lineText(n)
		if len(t) == 0 || len(t) > 120 {
			continue
		}
		if _, ok := quantity.Parse(t); !ok {
			continue
		}
		if _, ok := price.Parse(t); !ok {
			continue
		}
		if otherListingRow(pc, n) {
			continue // another listing's row ("Vendor's other listings"): its title and price
		}
		if _, seen := groups[n.Parent]; !seen {
			order = append(order, n.Parent)
		}
		groups[n.Parent] = append(groups[n.Parent], t)
	}
	var best []string
	for _, p := range order {
		if len(groups[p]) > len(best) {
			best = groups[p]
		}
	}
	return best
}

// otherListingRow reports whether an offer-like row is another listing's: it sits in
// another record's block or links to a listing page other than this one.
func otherListingRow(pc *pageCtx, n *html.Node) bool {
	if pc.foreign(n) {
		return true
	}
	other := false
	walkElements(n, 200, func(e *html.Node) {
		if e.DataAtom != atom.A || other {
			return
		}
		if h := attr(e, "href"); h != "" && h[0] != '#' && genListingRe.MatchString(strings.ToLower(h)) && pc.abs(h) != pc.page.URL {
			other = true
		}
	})
	return other
}

// buyRe names a purchase action in a link, a form action, a class or a button's text.
var buyRe = regexp.MustCompile(`(?i)(^|[^a-z])(buy|buy[-_ ]?now|add[-_ ]?to[-_ ]?cart|addtocart|add[-_ ]?to[-_ ]?basket|cart/add|purchase|order[-_ ]?now|купить|в корзину|kaufen|in den warenkorb|acheter|ajouter au panier|comprar|añadir al carrito|acquista)([^a-z]|$)`)

// maxBuyDepth bounds how far above the title a purchase control is looked for.
const maxBuyDepth = 3

// purchaseControl reports whether the block around the page's title (its parent up to
// maxBuyDepth levels) holds a purchase control: a buy / add-to-cart link, button or
// form, or a quantity select. Controls in the page header or in another record's block
// do not count.
func purchaseControl(pc *pageCtx) bool {
	t := pc.placeIdx().title
	if t == nil {
		return false
	}
	root := t
	for d := 0; d < maxBuyDepth && root.Parent != nil && root.Parent.Type == html.ElementNode; d++ {
		root = root.Parent
	}
	found := false
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && !found; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if buyControl(c) && !inHeader(c) && !pc.foreign(c) {
				found = true
				return
			}
			walk(c)
		}
	}
	walk(root)
	return found
}

// buyControl reports whether n is a purchase control.
func buyControl(n *html.Node) bool {
	switch n.DataAtom {
	case atom.A:
		return buyRe.MatchString(attr(n, "href")) || buyRe.MatchString(attr(n, "class"))
	case atom.Form:
		return buyRe.MatchString(attr(n, "action"))
	case atom.Button:
		return buyRe.MatchString(oneLine(nodeText(n))) || buyRe.MatchString(attr(n, "name"))
	case atom.Input:
		return strings.EqualFold(attr(n, "type"), "submit") && buyRe.MatchString(attr(n, "value"))
	case atom.Select:
		k := strings.ToLower(attr(n, "name"))
		return k == "quantity" || k == "qty"
	}
	return false
}

// ownProfileURL is the URL of the profile the page shows: the page's own URL when it names
// a handle, else a link on the page to the profile whose handle is the page's main heading
// ("<h1>60Agent</h1>" over tabs to profile.php?id=60Agent: a profile page fetched or saved
// under another address). "" when neither.
func (pc *pageCtx) ownProfileURL() string {
	if profileHandle(pc.page.URL) != "" {
		return pc.page.URL
	}
	if len(pc.doc.Nodes) == 0 {
		return ""
	}
	// the page's <h1> (a profile's header box heads the profile, so inHeader's page-chrome
	// test does not apply here); a handle is one word
	var names []string
	for h := range pc.all(tagH1) {
		if name := oneLine(headingText(h)); name != "" && len(name) <= 64 && !strings.ContainsAny(name, " \t") {
			names = append(names, name)
		}
		if len(names) == 3 {
			break
		}
	}
	if len(names) == 0 {
		return ""
	}
	for _, a := range pc.anchors() {
		u := pc.abs(attr(a, "href"))
		if genIgnoreRe.MatchString(strings.ToLower(u)) {
			continue
		}
		if h := profileHandle(u); h != "" {
			for _, name := range names {
				if strings.EqualFold(h, name) {
					return u
				}
			}
		}
	}
	return ""
}
