package testbed

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The grid family is modelled on bootstrap-based market software of 2022-2024 (Bohemia,
// WeTheNorth): cards in rows of three columns inside row/col wrappers, "Sold By" vendor
// links to profile.php?id=<handle>, a listing page whose details sit in a <dl> (dt label,
// dd value), the headline price in a sidebar column after the main one, and "more from
// this vendor" and "related items" rows of cards with other listings and other prices.

const gridPerPage = 18

// gridKey is a UUID-like listing key ("a5bd0007-869c-11ed-84a1-d05099fcf7bb") whose first
// group carries the index.
func gridKey(m *market, i int) string {
	return fmt.Sprintf("a5bd%04x-869c-11ed-84a1-%012x", i, h64(m.info.Name, "pid", i)&0xffffffffffff)
}

func gridIndex(m *market, key string) (int, bool) {
	if len(key) < 8 {
		return 0, false
	}
	n, err := strconv.ParseInt(key[4:8], 16, 32)
	if err != nil || gridKey(m, int(n)) != key {
		return 0, false
	}
	return int(n), true
}

func gridCatHref(c category) string { return "/items?category=" + c.key }

var gridStyle = modernStyle{navCls: "navbar-dark bg-dark", catHref: gridCatHref, perPage: gridPerPage}

func (w *World) gridPage(m *market, path string, q url.Values) *page {
	var b strings.Builder
	d := w.opts.Day
	switch path {
	case "/":
		return modernPage(m, gridStyle, "Home", func(b *strings.Builder) {
			b.WriteString(`<div class="col-md-9"><div class="announcement alert alert-info">Welcome back. Always check the mirror list and enable PGP 2FA on your account.</div><h3>Featured Listings</h3><div class="product-listing">`)
			all := w.visible(m, nil)
			rows(b, all[:min(6, len(all))], "col-md-4", w.gridCard)
			b.WriteString("</div></div>")
		})
	case "/items":
		return w.modernCategory(m, gridStyle, q.Get("category"), q, func(b *strings.Builder, cat *category, items []*slot, total int) {
			fmt.Fprintf(b, `<div class="col-md-9 listing-content"><h2>%s <small class="text-muted">%d items</small></h2><div class="product-listing">`, esc(cat.label), total)
			rows(b, items, "col-md-4 col-sm-6", w.gridCard)
			b.WriteString("</div>")
		})
	case "/listing":
		s := w.lookup(m, q.Get("pid"))
		if s == nil || s.gone(d) {
			return notFound("Listing not found")
		}
		w.gridListing(&b, s)
		return ok(&b)
	case "/profile":
		return w.modernVendor(m, gridStyle, q.Get("id"), "No such user", w.gridVendor)
	}
	return notFound("page not found")
}

func (w *World) gridCard(b *strings.Builder, s *slot) {
	o := w.offers(s, w.opts.Day)[0]
	href := "/" + w.listingPath(s)
	fmt.Fprintf(b, `<div class="card product-card shadow-sm"><a class="product-photo" href="%s"><img src="/img/%s.jpg" alt=""></a><div class="card-body product-details"><div class="product-heading"><h2><a class="product-link" href="%s">%s</a></h2><span class="shadow-text smalltext">In <strong>%s</strong></span><br><b>Sold By <a href="/%s">%s</a> ( <strong>%.1f</strong> )</b> <span class="badge badge-pill">%s</span> <span title="Total Sales">%d</span></div><div class="product-details-bottom smalltext">Sold %d times in the last 48 hours</div></div><div class="product-price"><span class="badge badge-secondary">Autoship</span><br><h5>USD %.2f</h5><small class="shadow-text">%s BTC</small></div></div>`,
		href, s.key[:8], href, esc(s.title), esc(categoryByKey(s.p.cat).label), vendorPath(s.vendor), esc(s.vendor.handle), s.vendor.rating, esc(s.vendor.level), s.vendor.sales,
		h64(s.key, "sold48")%9, o.Price.Amount, fmtCrypto(o.Price.USD/Rates["BTC"], 8))
}

func (w *World) gridListing(b *strings.Builder, s *slot) {
	m, d := s.m, w.opts.Day
	cat := categoryByKey(s.p.cat)
	offers := w.offers(s, d)
	head := offers[0]
	v := s.vendor
	modernHead(b, m, s.title, gridStyle.navCls)
	fmt.Fprintf(b, `<div class="row listing">
<div class="col-md-9 listing-content">
<nav aria-label="breadcrumb"><ol class="breadcrumb"><li class="breadcrumb-item"><a href="/">Home</a></li><li class="breadcrumb-item">%s</li><li class="breadcrumb-item active"><a href="%s">%s</a></li></ol></nav>
<h1 class="listing-title">%s</h1>
<ul class="nav nav-tabs"><li class="nav-item"><a class="nav-link active" href="#description">Description</a></li><li class="nav-item"><a class="nav-link" href="#reviews">Reviews</a></li></ul>
<dl class="row details"><dt class="col-sm-4">Category</dt><dd class="col-sm-8">%s</dd><dt class="col-sm-4">Ships from</dt><dd class="col-sm-8">%s</dd><dt class="col-sm-4">Ships to</dt><dd class="col-sm-8">%s</dd>`,
		esc(cat.parent), gridCatHref(cat), esc(cat.label), esc(s.title), esc(cat.label), esc(s.from.name), esc(joinNames(s.to)))
	if s.soldOut(d) {
		b.WriteString(`<dt class="col-sm-4">Stock</dt><dd class="col-sm-8 text-danger">Sold out</dd>`)
	} else {
		fmt.Fprintf(b, `<dt class="col-sm-4">Stock</dt><dd class="col-sm-8">%d in stock</dd>`, 5+int(h64(s.key, "stock")%200))
	}
	fmt.Fprintf(b, `<dt class="col-sm-4">Escrow</dt><dd class="col-sm-8">%s</dd></dl>
<form class="purchase" method="post" action="/cart/add"><input type="hidden" name="pid" value="%s"><label for="qty">Quantity</label><select id="qty" name="qty">`, []string{"Yes", "Multisig", "FE"}[s.i%3], s.key)
	for _, o := range offers {
		fmt.Fprintf(b, `<option value="%s">%s %s - USD %.2f</option>`, qty(o.Quantity), qty(o.Quantity), unitLabel(o.Unit, o.Quantity, "en"), o.Price.Amount)
	}
	b.WriteString(`</select><label for="postage">Postage</label><select id="postage" name="postage"><option>Standard (5-8 days) USD +0.00</option><option>Tracked (3-4 days) USD +9.00</option><option>Express (2 days) USD +25.00</option></select><button class="btn btn-primary" type="submit">Buy now</button></form>`)
	fmt.Fprintf(b, "\n<div class=\"description\" id=\"description\"><h4>Description</h4><p>%s</p></div>\n<div class=\"reviews\" id=\"reviews\"><h4>Reviews</h4>", esc(s.desc))
	for k := 0; k < 1+int(h64(s.key, "rev")%3); k++ {
		fmt.Fprintf(b, `<div class="review"><span class="stars">%d/5</span> <span class="buyer">b***%d</span> <p>Paid USD %.2f, arrived in %d days. %s</p></div>`,
			4+k%2, h64(s.key, k)%90+10, round2(head.Price.Amount*(1.1+0.1*float64(k))), 3+k, []string{"Stealth on point.", "Good as always.", "Would order again."}[k%3])
	}
	fmt.Fprintf(b, `</div></div>
<div class="col-md-3 sidebar-navigation user-details"><div class="container text-left"><h3 class="shadow-text">Price</h3><h1>USD %.2f</h1><h3 class="shadow-text">%s BTC</h3><h3 class="shadow-text">%s XMR</h3></div>
<div class="container vendor-box"><a href="/%s">%s</a><br><span class="badge badge-pill">%s</span><br><span class="smalltext shadow-text"><span class="user-percent">%d%%</span> Positive Feedback | %d</span></div></div>
</div>
`, head.Price.Amount, fmtCrypto(head.Price.USD/Rates["BTC"], 8), fmtCrypto(head.Price.USD/Rates["XMR"], 8),
		vendorPath(v), esc(v.handle), esc(v.level), 90+int(v.rating*2)%10, v.sales)
	if more := w.related(s, true, 3); len(more) > 0 {
		b.WriteString(`<div class="more-from-vendor"><h3>More from this vendor</h3>`)
		rows(b, more, "col-md-4", w.gridCard)
		b.WriteString("</div>\n")
	}
	if rel := w.related(s, false, 3); len(rel) > 0 {
		b.WriteString(`<div class="related-items"><h3>Related items</h3>`)
		rows(b, rel, "col-md-4", w.gridCard)
		b.WriteString("</div>\n")
	}
	modernFoot(b, m)
}

func (w *World) gridVendor(b *strings.Builder, v *vendor) {
	fmt.Fprintf(b, `<div class="row profile"><div class="col-md-4 user-details"><h1 class="username">%s</h1><span class="badge badge-pill">%s</span>
<dl class="stats"><dt>Rating</dt><dd class="rating">%.2f</dd><dt>Total sales</dt><dd class="sales">%d</dd><dt>Bitcoin</dt><dd class="btc">%s</dd><dt>Monero</dt><dd class="xmr">%s</dd></dl><h4>Contact</h4><ul class="contacts">`,
		esc(v.handle), esc(v.level), v.rating, v.sales, v.btc, v.xmr)
	for _, c := range v.contacts {
		fmt.Fprintf(b, "<li>%s</li>", esc(contactLine(c)))
	}
	fmt.Fprintf(b, `</ul><h4>Terms of service</h4><p class="terms">%s</p><h4>PGP key</h4><pre class="pgp">%s</pre></div>
<div class="col-md-8"><h3>Listings</h3><div class="product-listing">`, esc(v.terms), esc(w.key(v).Armored))
	rows(b, w.visible(v.m, func(s *slot) bool { return s.vendor == v }), "col-md-4", w.gridCard)
	b.WriteString("</div></div></div>")
}
