package extract

import (
	"encoding/json"
	"fmt"
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
	d, score := labelListing(pc, nil)
	vendorURL := vendorFromURL(pc.page.URL) != "" && !genListingRe.MatchString(strings.ToLower(pc.page.URL))
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
	if score >= 2 && d.l.Title != "" && (len(cards) < 5 || score >= 3) {
		d.l.URL = pc.page.URL
		return pageOut{kind: KindListing, listings: []*lDraft{d}}
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
		kind := KindCategory
		if searchURLRe.MatchString(pc.page.URL) {
			kind = KindSearch
		} else if path := breadcrumbPath(pc, ""); path != "" {
			// a category page's trail is its cards' category
			for _, c := range cards {
				fill(&c.l.Category, path)
			}
		}
		return pageOut{kind: kind, listings: cards}
	}
	// 6. a vendor profile.
	if v, ok := genericVendor(pc); ok {
		return pageOut{kind: KindVendor, vendors: []*vDraft{v}}
	}
	if score >= 2 && d.l.Title != "" {
		d.l.URL = pc.page.URL
		return pageOut{kind: KindListing, listings: []*lDraft{d}}
	}
	// a listing without labels: a title, a price and a vendor link on a listing URL (not
	// on any URL: a search page with two results has them too)
	if d.l.Title != "" && d.price != "" && d.l.Vendor != "" && len(cards) < 3 &&
		genListingRe.MatchString(strings.ToLower(pc.page.URL)) {
		d.l.URL = pc.page.URL
		return pageOut{kind: KindListing, listings: []*lDraft{d}}
	}
	return pageOut{kind: KindOther}
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

// pageTitle is the main heading, og:title or <title>. A heading that is the market's
// name (in the page header, a logo/brand/site class, or a link to the home page) is not
// the page's title; without another h1/h2 an element classed as a product/listing/item
// title or name, then an h3/h4, stands in for the main heading.
func pageTitle(pc *pageCtx) string {
	for _, n := range pc.doc.FindMatcher(selH12).Nodes {
		if t := headingText(n); t != "" && len(t) < 300 && !brandHeading(pc, n) {
			return t
		}
	}
	for _, n := range pc.doc.FindMatcher(selItemTitle).Nodes {
		if t := headingText(n); t != "" && len(t) < 300 && !brandHeading(pc, n) {
			return t
		}
	}
	if t, ok := pc.doc.FindMatcher(selOGTitle).Attr("content"); ok && strings.TrimSpace(t) != "" {
		return oneLine(t)
	}
	for _, n := range pc.doc.FindMatcher(selH34).Nodes {
		if t := oneLine(nodeText(n)); t != "" && len(t) < 300 && !brandHeading(pc, n) {
			return t
		}
	}
	return stripSiteName(pc.title())
}

var (
	titleSepRe  = regexp.MustCompile(`\s+(?:-|\||::|—|–|»|·)\s+`)
	siteWordRe  = regexp.MustCompile(`(?i)\b(?:market|marketplace|markt|marché|mercado|shop|store|bazaar|emporium|forum)\b|маркет|магазин`)
	siteWordMax = 4 // words in a site-name segment
)

// stripSiteName drops the market's name from a <title>: "Item - Apollon Market" -> "Item",
// "Kestrel Market :: Item" -> "Item". A first or last segment of at most four words that
// holds a market word (market, shop, store, bazaar, forum...) is the site's name.
func stripSiteName(t string) string {
	locs := titleSepRe.FindAllStringIndex(t, -1)
	if len(locs) == 0 {
		return t
	}
	site := func(seg string) bool {
		return len(strings.Fields(seg)) <= siteWordMax && siteWordRe.MatchString(seg)
	}
	if last := locs[len(locs)-1]; site(t[last[1]:]) && strings.TrimSpace(t[:last[0]]) != "" {
		return strings.TrimSpace(t[:last[0]])
	}
	if first := locs[0]; site(t[:first[0]]) && strings.TrimSpace(t[first[1]:]) != "" {
		return strings.TrimSpace(t[first[1]:])
	}
	return t
}

// headingText is a heading's text without its badges (`<span class="badge">Featured</span>`,
// label/tag/pill/chip classes) when other text remains.
func headingText(n *html.Node) string {
	var badges []*html.Node
	stack := []*html.Node{n}
	for i := 0; len(stack) > 0 && i < 200; i++ {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for c := e.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if badgeClass(attr(c, "class")) {
				badges = append(badges, c)
				continue
			}
			stack = append(stack, c)
		}
	}
	full := oneLine(nodeText(n))
	if len(badges) == 0 {
		return full
	}
	t := full
	for _, b := range badges {
		if bt := oneLine(nodeText(b)); bt != "" {
			t = strings.Replace(t, bt, "", 1)
		}
	}
	if t = collapseSpaces(t); t == "" {
		return full
	}
	return t
}

func badgeClass(c string) bool {
	for _, f := range strings.Fields(strings.ToLower(c)) {
		switch f {
		case "badge", "label", "tag", "pill", "chip", "ribbon", "sticker":
			return true
		}
		if strings.HasPrefix(f, "badge-") || strings.HasPrefix(f, "label-") || strings.HasPrefix(f, "tag-") {
			return true
		}
	}
	return false
}

// brandHeading reports whether heading n names the market rather than the page: it sits
// in the page header or navigation, carries a logo/brand/site class, or links home.
func brandHeading(pc *pageCtx, n *html.Node) bool {
	if inHeader(n) {
		return true
	}
	if t := strings.TrimSpace(nodeText(n)); strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：") {
		return true // a section label ("User Profile :"), not a title
	}
	for e, i := n, 0; e != nil && e.Type == html.ElementNode && i < 3; e, i = e.Parent, i+1 {
		for _, c := range strings.Fields(strings.ToLower(attr(e, "class") + " " + attr(e, "id"))) {
			if strings.Contains(c, "logo") || strings.Contains(c, "brand") || c == "site" || strings.HasPrefix(c, "site-") || strings.HasPrefix(c, "site_") || strings.HasPrefix(c, "sitename") {
				return true
			}
			// a notice above the page: "⚠ Maintenance on Sunday"
			switch c {
			case "alert", "notice", "announcement", "announcements", "banner", "flash", "news", "marquee":
				return true
			}
		}
	}
	if a := firstLink(n); a != nil && oneLine(nodeText(a)) == oneLine(nodeText(n)) {
		if h := strings.TrimSpace(attr(a, "href")); h == "/" || h == "./" || h == "index.php" || h == "/index.php" || (pc.base != nil && strings.TrimSuffix(pc.abs(h), "/") == pc.base.Scheme+"://"+pc.base.Host) {
			return true
		}
	}
	return false
}

// labelListing reads a listing from label-value pairs; score counts the labels found.
func labelListing(pc *pageCtx, scope []*html.Node) (*lDraft, int) {
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
		} else if n := pc.doc.FindMatcher(selStock).First(); len(n.Nodes) > 0 {
			d.l.Status = statusOf(nodeText(n.Nodes[0]))
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
	return d, score
}

var handleTrimRe = regexp.MustCompile(`\s*[\(\[].*$`)

// cleanHandle trims ratings and decorations: "PHARMORA (1000) 4.97" -> "PHARMORA".
func cleanHandle(s string) string {
	s = strings.TrimSpace(handleTrimRe.ReplaceAllString(oneLine(s), ""))
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(s, "/u/"), "u/"), "@")
	if f := strings.Fields(s); len(f) > 0 {
		s = strings.Trim(f[0], " -–|,:")
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

// mainDescription is the text of the element most likely to hold the description, PGP
// key blocks removed.
func mainDescription(pc *pageCtx) string {
	for _, sel := range []string{"#description", ".description", "[itemprop=description]", "#offerDescription", ".product-description", "#desc_prod", ".listing-description", "[class*=descr]", "[class*=desc]", "[id*=desc]", ".postContent", ".post-content", ".postbody", ".post-body"} {
		if n := pc.doc.Find(sel).First(); len(n.Nodes) > 0 {
			if t := stripPGP(nodeText(n.Nodes[0])); t != "" {
				return t
			}
		}
	}
	// the longest <p>/<pre>/<div> text without many links
	best := ""
	for _, n := range pc.doc.FindMatcher(selProse).Nodes {
		t := nodeText(n)
		if len(t) > len(best) && len(t) < maxFieldLen && linkDensity(n, len(t)) < 0.3 {
			best = t
		}
	}
	return stripPGP(best)
}

var pgpBlockRe = regexp.MustCompile(`(?s)-----BEGIN PGP [A-Z ]+-----.*?(?:-----END PGP [A-Z ]+-----|$)`)

// stripPGP removes armored PGP blocks (they are entities, not description).
func stripPGP(s string) string {
	if !strings.Contains(s, "-----BEGIN PGP") {
		return s
	}
	return cleanText(pgpBlockRe.ReplaceAllString(s, ""))
}

func linkDensity(n *html.Node, textLen int) float64 {
	if textLen == 0 {
		return 1
	}
	l := 0
	for _, a := range goquery.NewDocumentFromNode(n).FindMatcher(selA).Nodes {
		l += len(nodeText(a))
	}
	return float64(l) / float64(textLen)
}

// firstPriceText finds the first element after the first heading whose short text is a price.
func firstPriceText(pc *pageCtx) string {
	for _, n := range pc.doc.FindMatcher(selLabelish).Nodes {
		if !textWithin(n, 400) {
			continue // a large block: its text is not a price (and nodeText of every block is quadratic)
		}
		t := oneLine(nodeText(n))
		if len(t) == 0 || len(t) > 60 {
			continue
		}
		// a wallet balance in the header ("Bitcoin (BTC) ฿0") is not the price
		if m, ok := price.Parse(t); ok && m.Amount > 0 && !inHeader(n) {
			return t
		}
	}
	return ""
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
		if !genVendorRe.MatchString(h) || genIgnoreRe.MatchString(h) {
			continue
		}
		if inHeader(n) {
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
		groups := map[string][]*html.Node{}
		kids := 0
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				kids++
				stack = append(stack, c)
				if kids <= 1000 {
					sig := c.Data + "." + normClass(attr(c, "class"))
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
				if cardLike(m) {
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
			for _, g := range gridCells(rows) {
				if len(g) < 3 || len(g) <= best.good {
					continue
				}
				if good := gridGood(g); good >= 3 && float64(good) >= 0.6*float64(len(g)) && good > best.good {
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
	// listing cards have distinct titles
	titles := map[string]bool{}
	for _, d := range out {
		titles[strings.ToLower(d.l.Title)] = true
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

func cardLike(n *html.Node) bool {
	if !hasTitleLink(n) && !linklessCard(n) {
		return false
	}
	t := oneLine(nodeText(n))
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
	stack := []*html.Node{root}
	for n := 0; len(stack) > 0 && n < max; n++ {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if len(skip) > 0 && slices.Contains(skip, e) {
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
func cardPrice(c, titleLink *html.Node) string {
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
				if t := oneLine(nodeText(n)); len(t) < 200 {
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
func wrappedCardTitle(a *html.Node) string {
	var blocks []string
	for c := a.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || skipAtom(c.DataAtom) {
			continue
		}
		if t := oneLine(nodeText(c)); t != "" {
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
func hasTitleLink(n *html.Node) bool {
	stack := []*html.Node{n}
	for i := 0; len(stack) > 0 && i < 5000; i++ {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c.Type == html.ElementNode && c.DataAtom == atom.A {
			if h := strings.ToLower(attr(c, "href")); h != "" && !genIgnoreRe.MatchString(h) && !imageURLRe.MatchString(h) && (!genVendorRe.MatchString(h) || genListingRe.MatchString(h)) {
				if t := oneLine(nodeText(c)); t != "" && !isActionText(t) {
					return true
				}
			}
			continue
		}
		for k := c.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
	return false
}

// readCard reads title, URL, price, vendor and places from one card.
func readCard(pc *pageCtx, c *html.Node) *lDraft {
	d := &lDraft{}
	sel := goquery.NewDocumentFromNode(c).FindMatcher(selAHref)
	// the link a vendor label names ("Vendeur : <a>X</a>") is the vendor, whatever its URL
	_, vendorLink := pc.labelValue([]*html.Node{c}, lblVendor)
	var titleLink *html.Node
	bestLen := 0
	for _, a := range sel.Nodes {
		raw := attr(a, "href")
		h := strings.ToLower(raw)
		if genIgnoreRe.MatchString(h) || imageURLRe.MatchString(h) || a == vendorLink {
			continue
		}
		t := oneLine(nodeText(a))
		if genVendorRe.MatchString(h) && !genListingRe.MatchString(h) {
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
		if genListingRe.MatchString(h) {
			score += 1000
		}
		if t != "" && score > bestLen {
			titleLink, bestLen = a, score
		}
	}
	if titleLink == nil {
		if linklessCard(c) {
			return readLinklessCard(pc, c)
		}
		return nil
	}
	d.l.Title = oneLine(nodeText(titleLink))
	d.l.URL = pc.abs(attr(titleLink, "href"))
	if t := wrappedCardTitle(titleLink); t != "" {
		// the link wraps the whole card: its first text block is the title, the rest
		// (price, "by X") belongs to the card
		d.l.Title = t
		d.price = cardPrice(c, nil)
	} else {
		d.price = cardPrice(c, titleLink)
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
				v = oneLine(nodeText(a))
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
		for _, a := range sel.Nodes {
			if catURLRe.MatchString(attr(a, "href")) {
				if t := oneLine(nodeText(a)); t != "" && len(t) < 60 {
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
		t := oneLine(nodeText(cells[i]))
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

// isLabel reports whether normalised key is one of labels.
func (pc *pageCtx) isLabel(key string, labels []string) bool {
	for _, l := range labels {
		k, ok := pc.labelKeys[l]
		if !ok {
			k = normLabel(l)
		}
		if k == key {
			return true
		}
	}
	return false
}

var worldwideRe = regexp.MustCompile(`(?i)^(?:free\s+)?(?:(?:ships?|shipping|delivery|we ship)\s+(?:to\s+)?(?:world\s?wide|all countries|everywhere)|world\s?wide\s+(?:shipping|delivery))[.!]?$`)

// worldwideSentence reports whether a short text under root says the listing ships
// worldwide ("Ships worldwide", "Free worldwide shipping").
func worldwideSentence(root *html.Node) bool {
	stack := []*html.Node{root}
	for n := 0; len(stack) > 0 && n < maxWalkNodes; n++ {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if e.Type == html.TextNode {
			if len(e.Data) < 80 && (strings.Contains(e.Data, "orld") || strings.Contains(e.Data, "ORLD") || strings.Contains(e.Data, "countries") || strings.Contains(e.Data, "everywhere")) && worldwideRe.MatchString(oneLine(e.Data)) {
				return true
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
	return false
}

// shipProseText finds a short text "Ships from X (to Y)" outside cards whose origin names
// a place, and returns it from "from".
func shipProseText(pc *pageCtx) string {
	stack := []*html.Node{pc.doc.Nodes[0]}
	for n := 0; len(stack) > 0 && n < maxWalkNodes; n++ {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if len(pc.cardRoots) > 0 && slices.Contains(pc.cardRoots, e) {
			continue
		}
		if e.Type == html.TextNode {
			if len(e.Data) > 400 || !(strings.Contains(e.Data, "from") || strings.Contains(e.Data, "From") || strings.Contains(e.Data, "FROM")) {
				continue
			}
			if t := oneLine(e.Data); len(t) > 10 && len(t) < 120 {
				if m := shipProseRe.FindStringSubmatch(t); m != nil && len(country.Parse(m[1])) > 0 {
					if i := strings.Index(strings.ToLower(t), "from"); i >= 0 {
						return strings.TrimRight(t[i:], ". ")
					}
				}
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
	return ""
}

var shipFromToRe = regexp.MustCompile(`(?i)^(?:ships?\s+)?from\s+(.+?)(?:\s+to\s+(.+))?$`)

// shippingLine reads a combined shipping value into l: "Germany → Worldwide", "from Spain
// to EU", or places only (destinations). It reports whether the value names a place.
func shippingLine(l *Listing, v string) bool {
	if parts := arrowRe.Split(v, 2); len(parts) == 2 {
		l.ShipsFromRaw, l.ShipsToRaw = strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])
		return len(country.Parse(parts[0])) > 0
	}
	if m := shipFromToRe.FindStringSubmatch(strings.TrimSpace(v)); m != nil {
		l.ShipsFromRaw, l.ShipsToRaw = strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
		return len(country.Parse(m[1])) > 0
	}
	if len(country.Parse(v)) > 0 {
		l.ShipsToRaw = v
		return true
	}
	return false
}

// hasArrow is a cheap test for arrowRe.
func hasArrow(s string) bool {
	return strings.Contains(s, "→") || strings.Contains(s, "->") || strings.Contains(s, "⇒") || strings.Contains(s, "=>")
}

var arrowRe = regexp.MustCompile(`\s*(?:→|->|⇒|=>)\s*`)

// splitArrow reads "Netherlands → Worldwide" in a ships-from value as origin and
// destinations.
func splitArrow(l *Listing) {
	if parts := arrowRe.Split(l.ShipsFromRaw, 2); len(parts) == 2 {
		l.ShipsFromRaw = strings.TrimSpace(parts[0])
		if l.ShipsToRaw == "" {
			l.ShipsToRaw = strings.TrimSpace(parts[1])
		}
		return
	}
	// "Germany to Worldwide" (from "Ships from Germany to Worldwide")
	if l.ShipsToRaw == "" && len(l.ShipsFromRaw) < 200 {
		if m := fromToRe.FindStringSubmatch(l.ShipsFromRaw); m != nil && len(country.Parse(m[1])) > 0 && len(country.Parse(m[2])) > 0 {
			l.ShipsFromRaw, l.ShipsToRaw = strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
		}
	}
}

var fromToRe = regexp.MustCompile(`(?i)^(.+?)\s+to\s+(.+)$`)

var catURLRe = mustQuick(`(?i)categor|/c/\d|[?&](c|cat|cid|csid|ssid|cat_id|category)=`)

// categoryTrail reads a trail of category links ("Drugs > Stimulants > Cocaine"): the
// largest container that holds 2 to 6 category links and little other text.
func categoryTrail(pc *pageCtx) string {
	for _, a := range pc.anchors() {
		if !catURLRe.MatchString(attr(a, "href")) {
			continue
		}
		var best []string
		for e, i := a.Parent, 0; e != nil && e.Type == html.ElementNode && i < 4; e, i = e.Parent, i+1 {
			links := goquery.NewDocumentFromNode(e).FindMatcher(selAHref).Nodes
			if len(links) > 6 {
				break
			}
			var names []string
			linkLen := 0
			for _, l := range links {
				if !catURLRe.MatchString(attr(l, "href")) {
					continue
				}
				t := oneLine(nodeText(l))
				names = append(names, t)
				linkLen += len(t)
			}
			text := oneLine(nodeText(e))
			if len(names) >= 2 && float64(linkLen) >= 0.7*float64(len(text)) {
				best = names
			}
		}
		if len(best) > 0 {
			return strings.Join(best, " > ")
		}
	}
	return ""
}

// genericVendor reads a vendor profile: a vendor URL plus a PGP key or vendor labels.
func genericVendor(pc *pageCtx) (*vDraft, bool) {
	handle := vendorFromURL(pc.page.URL)
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

var (
	depthRe    = regexp.MustCompile(`(?i)(?:^|[\s_-])(?:depth|level|lvl|indent)-?(\d)\b`)
	selectedRe = regexp.MustCompile(`(?i)(?:^|\s)(?:selected|active|current|open)(?:\s|$)`)
)

// selectedTreePath reads the category path from a category menu that marks the page's
// category as selected/active/current: in a flat list with depth classes ("category
// depth2 selected" after "depth0 Drugs", "depth1 Stimulants") the nearest preceding item
// of each lower depth is an ancestor; in nested lists the enclosing items are.
func selectedTreePath(pc *pageCtx) string {
	for _, a := range pc.anchors() {
		if !catURLRe.MatchString(attr(a, "href")) || inHeader(a) {
			continue
		}
		item := a
		if !selectedRe.MatchString(attr(a, "class")) {
			item = a.Parent
			if item == nil || item.Type != html.ElementNode || !selectedRe.MatchString(attr(item, "class")) {
				continue
			}
		}
		if m := depthRe.FindStringSubmatch(attr(item, "class")); m != nil {
			return flatTreePath(item, int(m[1][0]-'0'))
		}
		return nestedTreePath(item)
	}
	return ""
}

// treeLabel is a menu item's own link text without its count ("Speed 1712" -> "Speed").
func treeLabel(n *html.Node) string {
	a := n
	if n.DataAtom != atom.A {
		if a = firstLink(n); a == nil {
			return ""
		}
	}
	if t := ownText(a); t != "" {
		return strings.TrimSpace(strings.TrimRight(t, " 0123456789()[]"))
	}
	return strings.TrimSpace(strings.TrimRight(oneLine(nodeText(a)), " 0123456789()[]"))
}

func flatTreePath(item *html.Node, depth int) string {
	path := []string{treeLabel(item)}
	want := depth - 1
	for s, i := item.PrevSibling, 0; s != nil && want >= 0 && i < 2000; s, i = s.PrevSibling, i+1 {
		if s.Type != html.ElementNode {
			continue
		}
		m := depthRe.FindStringSubmatch(attr(s, "class"))
		if m == nil {
			continue
		}
		if d := int(m[1][0] - '0'); d == want {
			path = append([]string{treeLabel(s)}, path...)
			want--
		}
	}
	return strings.Join(slices.DeleteFunc(path, func(s string) bool { return s == "" }), " > ")
}

func nestedTreePath(item *html.Node) string {
	path := []string{treeLabel(item)}
	for p, i := item.Parent, 0; p != nil && i < 12; p, i = p.Parent, i+1 {
		if p.Type != html.ElementNode || p.DataAtom != atom.Li {
			continue
		}
		// the enclosing item's own link (a direct child), not a link of a nested item
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.DataAtom == atom.A && c != item && !within(item, []*html.Node{c}) {
				if t := treeLabel(c); t != "" {
					path = append([]string{t}, path...)
				}
				break
			}
		}
	}
	return strings.Join(slices.DeleteFunc(path, func(s string) bool { return s == "" }), " > ")
}

// breadcrumbPath reads the page's breadcrumb trail ("Home > Drugs > Opioids > Fentanyl")
// as a category path: the home item is dropped, so are items that are neither links nor
// the trail's last item (a section label without a page), and a last item that repeats
// the page's title (the listing itself). "Home > Drugs > <a>Ecstasy</a>" -> "Ecstasy";
// "<li><a>Home</a><li><a>Drugs</a><li><a>Opioids</a><li>Patches x5" on the page of
// "Patches x5" -> "Drugs > Opioids".
func breadcrumbPath(pc *pageCtx, title string) string {
	n := pc.doc.FindMatcher(selCrumbs).First()
	if len(n.Nodes) == 0 {
		return ""
	}
	items := crumbItems(n.Nodes[0])
	var out []string
	for i, it := range items {
		if len(it.text) > 80 || (i == 0 && homeCrumb(it)) {
			continue
		}
		last := i == len(items)-1
		if last && title != "" && strings.EqualFold(it.text, oneLine(title)) {
			continue
		}
		if !it.link && !last {
			continue
		}
		out = append(out, it.text)
	}
	if len(out) > 6 {
		out = out[len(out)-6:]
	}
	return strings.Join(out, " > ")
}

type crumb struct {
	text string
	href string
	link bool
}

func homeCrumb(c crumb) bool {
	if h := strings.TrimSpace(c.href); h == "/" || h == "./" || h == "index.php" || h == "/index.php" {
		return true
	}
	switch strings.ToLower(c.text) {
	case "home", "main", "index", "start", "market", "marketplace", "shop", "главная", "startseite", "accueil", "inicio", "⌂", "🏠":
		return true
	}
	return false
}

// crumbItems splits a breadcrumb element into its items: the text between separators
// (> / » › →), or its list items, each marked as a link or not.
func crumbItems(root *html.Node) []crumb {
	var items []crumb
	var cur strings.Builder
	curLink := false
	curHref := ""
	flush := func() {
		if t := oneLine(cur.String()); t != "" {
			items = append(items, crumb{text: t, href: curHref, link: curLink})
		}
		cur.Reset()
		curLink, curHref = false, ""
	}
	var walk func(n *html.Node, inLink bool, depth int)
	walk = func(n *html.Node, inLink bool, depth int) {
		if depth > 12 || len(items) > 20 {
			return
		}
		switch n.Type {
		case html.TextNode:
			// write the text, flushing at each separator outside a link
			start := 0
			for i, r := range n.Data {
				if r == '>' || r == '/' || r == '»' || r == '›' || r == '→' || r == '|' {
					cur.WriteString(n.Data[start:i])
					if !inLink {
						flush()
					}
					start = i + len(string(r))
				}
			}
			cur.WriteString(n.Data[start:])
			if inLink && strings.TrimSpace(n.Data) != "" {
				curLink = true
			}
			return
		case html.ElementNode:
			if skipAtom(n.DataAtom) {
				return
			}
			if n.DataAtom == atom.Li {
				flush()
			}
			link := inLink
			if n.DataAtom == atom.A && attr(n, "href") != "" {
				flush()
				link = true
				curHref = attr(n, "href")
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c, link, depth+1)
			}
			if n.DataAtom == atom.A || n.DataAtom == atom.Li {
				flush()
			}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLink, depth+1)
		}
	}
	walk(root, false, 0)
	flush()
	return items
}

// genericOffers finds quantity tiers: repeated rows, options or items that each state a
// quantity and a price ("5 g | USD 105.59", "10 pills - €60.84").
func genericOffers(pc *pageCtx) []string {
	groups := map[*html.Node][]string{}
	var order []*html.Node
	for _, n := range pc.doc.FindMatcher(selRows).Nodes {
		t := oneLine(nodeText(n))
		if len(t) == 0 || len(t) > 120 {
			continue
		}
		if _, ok := quantity.Parse(t); !ok {
			continue
		}
		if _, ok := price.Parse(t); !ok {
			continue
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

// proseOffers reads tiers from a sentence like "Prices: 1 g for $20, 5 g for $96".
func proseOffers(text string) []string {
	for line := range strings.SplitSeq(text, "\n") {
		var tiers []string
		for _, part := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ';' }) {
			part = strings.TrimSpace(strings.TrimRight(part, "."))
			if i := strings.IndexAny(part, ":"); i >= 0 && i < 20 {
				part = strings.TrimSpace(part[i+1:])
			}
			if _, ok := quantity.Parse(part); !ok {
				continue
			}
			if _, ok := price.Parse(part); ok {
				tiers = append(tiers, part)
			}
		}
		if len(tiers) >= 1 {
			return tiers
		}
	}
	return nil
}

var deadDropRe = mustQuick(`(?i)клад|закладк|тайник|dead ?drop`)

var boardURLRe = mustQuick(`(?i)/(d|board|boards|forum|forums|f|c|category|categories|subforum)/[^/?#]+/?$|[?&](f|board|forum)=`)

var shipProseRe = regexp.MustCompile(`(?i)ship(?:s|ping)?\s+from\s+([^.\n]+?)(?:\s+to\s+([^.\n]+?))?\s*(?:[.\n]|$)`)

// forumOut reads a forum thread: each post with a price in its prose is an offer; the
// first post (the thread's opening post) takes the thread's key.
func forumOut(pc *pageCtx) (pageOut, bool) {
	posts := pc.doc.FindMatcher(selPosts).Nodes
	var roots []*html.Node
	for _, p := range posts {
		inner := false
		for _, r := range roots {
			if within(p, []*html.Node{r}) {
				inner = true
				break
			}
		}
		if !inner {
			roots = append(roots, p)
		}
	}
	if len(roots) < 1 || (!forumURLRe.MatchString(pc.page.URL) && len(roots) < 2) {
		return pageOut{}, false
	}
	title := pageTitle(pc)
	out := pageOut{kind: KindForumThread}
	threadKey := URLKey(pc.page.URL)
	for i, p := range roots {
		if i >= 200 {
			break
		}
		ps := goquery.NewDocumentFromNode(p)
		bodyNode := ps.FindMatcher(selPostBody).First()
		full := nodeText(p)
		body := full
		if len(bodyNode.Nodes) > 0 {
			body = nodeText(bodyNode.Nodes[0])
		}
		desc := stripPGP(body)
		if _, ok := price.Parse(desc); !ok {
			continue
		}
		d := &lDraft{}
		if a := ps.FindMatcher(selAuthorLink).First(); len(a.Nodes) > 0 {
			if h := vendorFromURL(pc.abs(attr(a.Nodes[0], "href"))); h != "" {
				d.l.Vendor = h
			} else {
				d.l.Vendor = cleanHandle(nodeText(a.Nodes[0]))
			}
			d.vendorURL = pc.abs(attr(a.Nodes[0], "href"))
		} else if a := ps.FindMatcher(selAuthor).First(); len(a.Nodes) > 0 {
			d.l.Vendor = cleanHandle(nodeText(a.Nodes[0]))
		}
		for _, a := range ps.FindMatcher(selAHref).Nodes {
			if len(bodyNode.Nodes) > 0 && within(a, bodyNode.Nodes) {
				continue
			}
			if boardURLRe.MatchString(attr(a, "href")) {
				d.l.Category = oneLine(nodeText(a))
				break
			}
		}
		if h := ps.FindMatcher(selH123).First(); len(h.Nodes) > 0 {
			d.l.Title = oneLine(nodeText(h.Nodes[0]))
		} else {
			d.l.Title = title
		}
		d.l.Description = truncate(desc, maxFieldLen)
		d.offers = proseOffers(desc)
		if len(d.offers) == 0 {
			d.price = desc
		}
		if m := shipProseRe.FindStringSubmatch(desc); m != nil {
			d.l.ShipsFromRaw = strings.TrimSpace(m[1])
			d.l.ShipsToRaw = strings.TrimSpace(m[2])
		}
		if strings.Contains(full, "BEGIN PGP") {
			d.pgp = full
		}
		d.l.Status = statusOf(desc)
		d.l.URL = pc.page.URL
		if len(out.listings) == 0 {
			d.l.ID = threadKey
		} else {
			id := attr(p, "id")
			if id == "" {
				id = fmt.Sprintf("%d", i+1)
			}
			d.l.ID = threadKey + "#" + id
		}
		out.listings = append(out.listings, d)
	}
	return out, len(out.listings) > 0
}

// jsonLDListings reads schema.org Product/Offer objects from JSON-LD scripts.
func jsonLDListings(pc *pageCtx) []*lDraft {
	var out []*lDraft
	for _, n := range pc.doc.FindMatcher(selJSONLD).Nodes {
		raw := ""
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			raw += c.Data
		}
		if len(raw) > 1<<20 {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			continue
		}
		walkLD(pc, v, &out, 0)
	}
	return out
}

func walkLD(pc *pageCtx, v any, out *[]*lDraft, depth int) {
	if depth > 8 || len(*out) > 500 {
		return
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			walkLD(pc, e, out, depth+1)
		}
	case map[string]any:
		typ := fmt.Sprint(t["@type"])
		if strings.Contains(typ, "Product") || (strings.Contains(typ, "Offer") && t["itemOffered"] != nil) {
			*out = append(*out, ldProduct(pc, t))
			return
		}
		for _, k := range []string{"@graph", "itemListElement", "item", "mainEntity"} {
			if e, ok := t[k]; ok {
				walkLD(pc, e, out, depth+1)
			}
		}
	}
}

func ldString(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case float64:
		return fmt.Sprint(t)
	case map[string]any:
		if s := ldString(t["name"]); s != "" {
			return s
		}
		return ldString(t["@id"])
	case []any:
		if len(t) > 0 {
			return ldString(t[0])
		}
	}
	return ""
}

func ldProduct(pc *pageCtx, m map[string]any) *lDraft {
	if io, ok := m["itemOffered"].(map[string]any); ok {
		merged := map[string]any{}
		for k, v := range io {
			merged[k] = v
		}
		merged["offers"] = m
		m = merged
	}
	d := &lDraft{}
	d.l.Title = oneLine(ldString(m["name"]))
	d.l.Description = ldString(m["description"])
	d.l.Category = ldString(m["category"])
	if u := ldString(m["url"]); u != "" {
		d.l.URL = pc.abs(u)
	}
	if sku := ldString(m["sku"]); sku != "" {
		d.l.ID = sku
	} else if pid := ldString(m["productID"]); pid != "" {
		d.l.ID = pid
	}
	offers := m["offers"]
	if l, ok := offers.([]any); ok && len(l) > 0 {
		offers = l[0]
	}
	if o, ok := offers.(map[string]any); ok {
		p := ldString(o["price"])
		if p == "" {
			p = ldString(o["lowPrice"])
		}
		cur := ldString(o["priceCurrency"])
		if p != "" {
			d.price = p + " " + cur
			d.currency = strings.ToUpper(cur)
		}
		if s := o["seller"]; s != nil {
			d.l.Vendor = ldString(s)
			if sm, ok := s.(map[string]any); ok {
				if u := ldString(sm["url"]); u != "" {
					d.vendorURL = pc.abs(u)
				}
			}
		}
		if av := strings.ToLower(ldString(o["availability"])); strings.Contains(av, "outofstock") || strings.Contains(av, "soldout") {
			d.l.Status = StatusSoldOut
		}
		d.l.ShipsFromRaw = ldString(o["availableAtOrFrom"])
		d.l.ShipsToRaw = ldString(o["eligibleRegion"])
		if d.l.ShipsToRaw == "" {
			d.l.ShipsToRaw = ldString(o["areaServed"])
		}
	}
	if d.l.Vendor == "" {
		d.l.Vendor = ldString(m["brand"])
	}
	return d
}

// microdataListings reads itemscope Product items.
func microdataListings(pc *pageCtx) []*lDraft {
	var out []*lDraft
	for _, n := range pc.doc.FindMatcher(selMicrodata).Nodes {
		s := goquery.NewDocumentFromNode(n).Selection
		prop := func(name string) (string, *html.Node) {
			e := s.Find(`[itemprop="` + name + `"]`).First()
			if len(e.Nodes) == 0 {
				return "", nil
			}
			en := e.Nodes[0]
			for _, a := range []string{"content", "href", "value"} {
				if v := attr(en, a); v != "" && !(a == "href" && name != "url") {
					return strings.TrimSpace(v), en
				}
			}
			return oneLine(nodeText(en)), en
		}
		d := &lDraft{}
		d.l.Title, _ = prop("name")
		d.l.Description, _ = prop("description")
		d.l.Category, _ = prop("category")
		if u, en := prop("url"); u != "" {
			if en != nil && attr(en, "href") != "" {
				u = attr(en, "href")
			}
			d.l.URL = pc.abs(u)
		}
		p, _ := prop("price")
		cur, _ := prop("priceCurrency")
		if p != "" {
			d.price = p + " " + cur
			d.currency = strings.ToUpper(cur)
		}
		if v, en := prop("seller"); v != "" {
			d.l.Vendor = cleanHandle(v)
			if en != nil {
				if a := firstLink(en); a != nil {
					d.vendorURL = pc.abs(attr(a, "href"))
				}
			}
		}
		if sku, _ := prop("sku"); sku != "" {
			d.l.ID = sku
		}
		if d.l.Title != "" {
			out = append(out, d)
		}
	}
	return out
}
