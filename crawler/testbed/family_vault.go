package testbed

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The vault family is modelled on the Monero-only escrow markets of the 2020s (Kingdom,
// Archetype, Tor2Door, Vice City style), written without looking at the extraction rules
// (a held-out family): category and search pages are tables (image, product with its
// category, vendor with a trust-level badge and rating, price in XMR with the dollar
// equivalent in smaller text, a flag image and the origin country), paginated by ?page=N
// with sort links (?sort=) that reorder the same listings; a product URL is an id and a
// slug of the title (/product/8015-mdma-crystal); the product page has a breadcrumb with
// "›" separators, "Sold by" with a trust level, "Ships from: <flag> Germany", a dl/dt/dd
// attribute list, a quantity <select> and a shipping <select> whose options name places
// and XMR postage ("Standard - Germany only - 0.0003 XMR"), in-page tabs (description,
// feedback with paid prices, refund policy) and a "Vendor's other listings" table with
// other prices; vendor pages give a trust level, rating, sales, an XMR address, contacts and
// PGP. The DDoS filter of these markets answers the first request of some URLs with a queue
// page (HTTP 200, meta refresh) before the content (served over HTTP only: World.Page
// renders the content).

const vaultPerPage = 20

// vaultSorts are the sort orders a category page links to (?sort=): the same listings in
// another order, pages a crawler must not multiply.
var vaultSorts = []struct{ key, label string }{{"newest", "Newest"}, {"price_asc", "Price ↑"}, {"price_desc", "Price ↓"}, {"rating", "Top rated"}}

// vaultIDs are the numeric ids of the product URLs.
var vaultIDs = stepKeys{base: 8000, step: 5}

// vaultKey is "<id>-<slug of the title>", as the product URL shows it.
func vaultKey(s *slot) string { return vaultIDs.key(s.i) + "-" + slug(s.title) }

// vaultIndex is the listing index of a product URL segment: the number before the first
// dash; the caller checks the whole key against vaultKey.
func vaultIndex(key string) (int, bool) {
	num, _, _ := strings.Cut(key, "-")
	return vaultIDs.index(num)
}

// slug is the lower-case ASCII words of s joined by dashes, at most 48 bytes ("item" when
// no word is ASCII).
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= 48 {
				break
			}
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "item"
	}
	return b.String()
}

// xmr formats a Monero amount as the family shows it: "0.0667 XMR".
func xmr(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) + " XMR" }

func vaultCatHref(c category) string { return "/browse?cat=" + c.key }

func (w *World) vaultPage(m *market, path string, q url.Values) *page {
	var b strings.Builder
	d := w.opts.Day
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/":
		vaultHead(&b, m, "Home")
		b.WriteString(`<div class="layout">`)
		vaultSidebar(&b)
		b.WriteString(`<section class="content"><div class="notice">Finalize early is disabled for new vendors. Always verify our mirrors with the signed mirror list.</div><h3>Featured products</h3>`)
		all := w.visible(m, nil)
		w.vaultTable(&b, all[:min(8, len(all))])
		b.WriteString(`<h3>Top vendors</h3><ol class="top-vendors">`)
		for _, v := range m.vendors {
			if v.firstDay <= d && v.idx < 5 {
				fmt.Fprintf(&b, `<li><a href="/%s">%s</a> <span class="badge trust">%s</span></li>`, vendorPath(v), esc(v.handle), esc(v.level))
			}
		}
		b.WriteString("</ol></section></div>")
		vaultFoot(&b, m)
		return ok(&b)
	case path == "/browse":
		return w.vaultCategory(m, q)
	case parts[0] == "product" && len(parts) == 2:
		s := w.lookup(m, parts[1])
		if s == nil || s.gone(d) {
			return notFound("Product not found or removed by the vendor")
		}
		w.vaultListing(&b, s)
		return ok(&b)
	case parts[0] == "vendors" && len(parts) == 2:
		h, _ := url.PathUnescape(parts[1])
		v := m.vendorByHandle(h, d)
		if v == nil {
			return notFound("Vendor not found")
		}
		w.vaultVendor(&b, v)
		return ok(&b)
	}
	return notFound("page not found")
}

// vaultCategory is /browse?cat=<key>[&sort=<order>][&page=N].
func (w *World) vaultCategory(m *market, q url.Values) *page {
	cat := categoryOf(q.Get("cat"))
	if cat == nil {
		return notFound("no such category")
	}
	all := w.visible(m, func(s *slot) bool { return s.p.cat == cat.key })
	sortKey := q.Get("sort")
	switch sortKey {
	case "price_asc", "price_desc":
		price := func(s *slot) float64 { return w.offers(s, w.opts.Day)[0].Price.Amount }
		slices.SortStableFunc(all, func(a, b *slot) int {
			if sortKey == "price_desc" {
				a, b = b, a
			}
			switch pa, pb := price(a), price(b); {
			case pa < pb:
				return -1
			case pa > pb:
				return 1
			}
			return 0
		})
	case "newest":
		slices.Reverse(all)
	case "rating":
		slices.SortStableFunc(all, func(a, b *slot) int {
			switch {
			case a.vendor.rating > b.vendor.rating:
				return -1
			case a.vendor.rating < b.vendor.rating:
				return 1
			}
			return 0
		})
	default:
		sortKey = ""
	}
	pg := pageOf(q)
	items, n := pageSlice(all, pg, vaultPerPage)
	var b strings.Builder
	vaultHead(&b, m, cat.label)
	b.WriteString(`<div class="layout">`)
	vaultSidebar(&b)
	fmt.Fprintf(&b, `<section class="content"><div class="crumbs"><a href="/">Home</a> › %s › %s</div><div class="toolbar"><span>%d products</span> <span class="sort">Sort by:`, esc(cat.parent), esc(cat.label), len(all))
	for _, o := range vaultSorts {
		if o.key == sortKey {
			fmt.Fprintf(&b, ` <b>%s</b>`, esc(o.label))
		} else {
			fmt.Fprintf(&b, ` <a href="/browse?cat=%s&amp;sort=%s">%s</a>`, cat.key, o.key, esc(o.label))
		}
	}
	b.WriteString(`</span></div>`)
	w.vaultTable(&b, items)
	base := "/browse?cat=" + cat.key + "&amp;"
	if sortKey != "" {
		base += "sort=" + sortKey + "&amp;"
	}
	pager(&b, base, pg, n)
	b.WriteString("</section></div>")
	vaultFoot(&b, m)
	return ok(&b)
}

// vaultTable lists products as table rows: image, product and category, vendor with trust
// level and rating, price (XMR, dollars below), origin (flag and country).
func (w *World) vaultTable(b *strings.Builder, items []*slot) {
	b.WriteString(`<table class="table products"><thead><tr><th></th><th>Product</th><th>Vendor</th><th>Price</th><th>Origin</th></tr></thead><tbody>`)
	for _, s := range items {
		o := w.offers(s, w.opts.Day)[0]
		fmt.Fprintf(b, `<tr><td class="thumb"><a href="/%s"><img src="/img/p/%s.jpg" alt="product image" width="64"></a></td><td><a class="product-name" href="/%s">%s</a><br><small class="muted">%s › %s</small></td><td><a href="/%s">%s</a> <span class="badge trust">%s</span><br><small>%.2f ★</small></td><td><b>%s</b><br><small class="muted">$%.2f</small></td><td><img class="flag" src="/flags/%s.svg" alt="%s"> %s</td></tr>`,
			w.listingPath(s), vaultIDs.key(s.i), w.listingPath(s), esc(s.title), esc(categoryByKey(s.p.cat).parent), esc(categoryByKey(s.p.cat).label),
			vendorPath(s.vendor), esc(s.vendor.handle), esc(s.vendor.level), s.vendor.rating, xmr(o.Price.Amount), o.Price.USD,
			strings.ToLower(s.from.code), esc(s.from.name), esc(s.from.name))
	}
	b.WriteString("</tbody></table>")
}

// vaultShipping are the postage options of a listing's shipping <select>: a standard option
// naming where it goes and, for a listing shipping abroad, a domestic express option.
func vaultShipping(s *slot) []string {
	dest := joinNames(s.to)
	if len(s.to) == 1 && s.to[0] != worldwide {
		dest += " only"
	}
	out := []string{fmt.Sprintf("Standard - %s - %s", dest, xmr(0.0003))}
	if len(s.to) > 1 || s.to[0] == worldwide {
		out = append(out, fmt.Sprintf("Express tracked - %s only - %s", s.from.name, xmr(0.002)))
	}
	return out
}

func (w *World) vaultListing(b *strings.Builder, s *slot) {
	m, d := s.m, w.opts.Day
	cat := categoryByKey(s.p.cat)
	offers := w.offers(s, d)
	head := offers[0]
	v := s.vendor
	vaultHead(b, m, s.title)
	stock := strconv.Itoa(3 + int(h64(s.key, "stock")%90))
	if s.soldOut(d) {
		stock = "0"
	}
	fmt.Fprintf(b, `<div class="crumbs"><a href="/">Home</a> › <span>%s</span> › <a href="/browse?cat=%s">%s</a> › <span>%s</span></div>
<div class="product-wrap"><div class="gallery"><img src="/img/p/%s.jpg" alt="%s"></div><div class="product-info">
<h2>%s</h2>
<p class="seller">Sold by <a href="/%s">%s</a> <span class="badge trust">%s</span> <span class="rating">%.2f ★</span> (%d sales)</p>
<p class="price-line"><span class="amount">%s</span> <small class="muted">≈ $%.2f</small>`,
		esc(cat.parent), cat.key, esc(cat.label), esc(s.title), vaultIDs.key(s.i), esc(s.title), esc(s.title),
		vendorPath(v), esc(v.handle), esc(v.level), v.rating, v.sales, xmr(head.Price.Amount), head.Price.USD)
	if s.soldOut(d) {
		b.WriteString(` <span class="badge out">Out of stock</span>`)
	}
	fmt.Fprintf(b, `</p>
<p class="origin">Ships from: <img class="flag" src="/flags/%s.svg" alt="%s"> %s</p>
<p class="dest">Ships to: %s</p>
<dl class="attrs"><dt>Product type</dt><dd>Physical</dd><dt>Escrow</dt><dd>%s</dd><dt>Stock</dt><dd>%s</dd><dt>Sold</dt><dd>%d</dd><dt>Views</dt><dd>%d</dd></dl>
<form class="buy" method="post" action="/cart/add"><input type="hidden" name="id" value="%s"><label>Quantity</label><select name="tier">`,
		strings.ToLower(s.from.code), esc(s.from.name), esc(s.from.name), esc(joinNames(s.to)),
		[]string{"Multisig 2/3", "Escrow", "Multisig 2/3"}[s.i%3], stock, h64(s.key, "sold")%400, 100+h64(s.key, "views")%9000, vaultIDs.key(s.i))
	for _, o := range offers {
		fmt.Fprintf(b, `<option>%s %s - %s</option>`, qty(o.Quantity), unitLabel(o.Unit, o.Quantity, "en"), xmr(o.Price.Amount))
	}
	b.WriteString(`</select><label>Shipping</label><select name="shipping">`)
	for _, o := range vaultShipping(s) {
		fmt.Fprintf(b, `<option>%s</option>`, esc(o))
	}
	nfb := 1 + int(h64(s.key, "fb")%4)
	fmt.Fprintf(b, `</select><button type="submit">Add to cart</button></form></div></div>
<ul class="tabs"><li class="active"><a href="#description">Description</a></li><li><a href="#feedback">Feedback (%d)</a></li><li><a href="#refund">Refund policy</a></li></ul>
<div class="tab-pane" id="description"><p>%s</p></div>
<div class="tab-pane" id="feedback"><table class="table feedback"><tr><th>Rating</th><th>Comment</th><th>Paid</th><th>Date</th></tr>`, nfb, esc(s.desc))
	for k := 0; k < nfb; k++ {
		fmt.Fprintf(b, `<tr><td>%d/5</td><td>%s</td><td>%s</td><td>%d days ago</td></tr>`, 5-k%2,
			[]string{"Arrived in 4 days, well hidden.", "Good product, slow shipping.", "Legit vendor."}[k%3], xmr(roundFor("XMR", head.Price.Amount*(1.05+0.1*float64(k)))), 2+k*3)
	}
	fmt.Fprintf(b, `</table></div>
<div class="tab-pane" id="refund"><p>%s</p></div>`, esc(v.terms))
	if more := w.related(s, true, 4); len(more) > 0 {
		b.WriteString(`<div class="other-listings"><h4>Vendor's other listings</h4><table class="table small"><tbody>`)
		for _, o := range more {
			fmt.Fprintf(b, `<tr><td><a href="/%s">%s</a></td><td>%s</td></tr>`, w.listingPath(o), esc(o.title), xmr(w.offers(o, d)[0].Price.Amount))
		}
		b.WriteString("</tbody></table></div>")
	}
	vaultFoot(b, m)
}

func (w *World) vaultVendor(b *strings.Builder, v *vendor) {
	m := v.m
	vaultHead(b, m, v.handle)
	fmt.Fprintf(b, `<div class="vendor-card"><h2>%s <span class="badge trust">%s</span></h2><table class="table vendor-stats"><tr><th>Rating</th><td>%.2f</td></tr><tr><th>Sales</th><td>%d</td></tr><tr><th>Monero</th><td><code>%s</code></td></tr></table><h4>Contact</h4><ul class="contacts">`,
		esc(v.handle), esc(v.level), v.rating, v.sales, v.xmr)
	for _, c := range v.contacts {
		fmt.Fprintf(b, "<li>%s</li>", esc(contactLine(c)))
	}
	fmt.Fprintf(b, `</ul><h4>Terms</h4><p class="terms">%s</p><h4>PGP</h4><pre>%s</pre></div><h3>Products</h3>`, esc(v.terms), esc(w.key(v).Armored))
	w.vaultTable(b, w.visible(m, func(s *slot) bool { return s.vendor == v }))
	vaultFoot(b, m)
}

// vaultHead writes the document start: a top bar with the XMR rate, the wallet balance and
// the account links (numbers that are not listing prices).
func vaultHead(b *strings.Builder, m *market, title string) {
	fmt.Fprintf(b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s | %s</title></head>
<body><header class="topbar"><a class="logo" href="/">%s</a><span class="rate">XMR/USD %.2f</span><span class="wallet">Balance: 0.0000 XMR</span><a href="/account">Account</a> <a href="/orders">Orders</a> <a href="/messages">Messages (0)</a></header>
<main>
`, esc(title), esc(m.info.Name), esc(strings.ToUpper(m.info.Name)), Rates["XMR"])
}

func vaultFoot(b *strings.Builder, m *market) {
	fmt.Fprintf(b, "</main>\n<footer>%s &middot; Monero only &middot; <a href=\"/canary\">Canary</a> &middot; <a href=\"/mirrors\">Mirrors</a></footer></body></html>\n", esc(m.info.Name))
}

func vaultSidebar(b *strings.Builder) {
	b.WriteString(`<aside class="cats"><h4>Categories</h4><ul>`)
	for _, c := range categories {
		fmt.Fprintf(b, `<li><a href="%s">%s</a></li>`, vaultCatHref(c), esc(c.label))
	}
	b.WriteString("</ul></aside>")
}

// vaultGuard is the market's DDoS filter: the first request of one path in eleven is
// answered with a queue page (HTTP 200, meta refresh) and no content; the next one passes.
func (w *World) vaultGuard(m *market, pathAndQuery string) *page {
	if h64(w.opts.Seed, "guard", m.info.Name, pathAndQuery)%11 != 0 || w.guard.next(m.info.Name+" "+pathAndQuery) > 0 {
		return nil
	}
	pos := 1 + h64(w.opts.Seed, "queuepos", pathAndQuery)%9
	return &page{status: 200, body: fmt.Appendf(nil, `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>%s</title></head><body><div class="queue-box"><h2>Please wait</h2><p>You are in the queue. Position: %d. Estimated wait: %d seconds.</p><p>This page refreshes by itself; do not reload it.</p></div></body></html>
`, esc(strings.ToUpper(m.info.Name)), pos, pos*5)}
}
