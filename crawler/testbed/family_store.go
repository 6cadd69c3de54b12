package testbed

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The store family is modelled on recent multi-vendor markets where each vendor has a
// store (Abacus, Archetype, Incognito style): vendors appear as "@handle" links to
// /store/<handle>, cards sit in rows of three, the listing page's buy box holds the
// price and says where the listing ships either in sentences ("Ships only to Germany.",
// "Ships worldwide except United States.") or in sibling label elements, a reviews tab is
// a sub-page (/offer/<key>/reviews) that adds nothing the listing lacks, and "More from
// @handle" and "Customers also viewed" blocks show other listings with other prices.

const storePerPage = 15

var storeStyle = modernStyle{navCls: "navbar-dark bg-primary", catHref: func(c category) string { return "/c/" + c.key }, perPage: storePerPage, vendorTitle: "@"}

var storeKeys = stepKeys{base: 41000, step: 3}

func storeMoney(v float64) string { return "€" + strconv.FormatFloat(v, 'f', 2, 64) }

func (w *World) storePage(m *market, path string, q url.Values) *page {
	var b strings.Builder
	d := w.opts.Day
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/":
		return modernPage(m, storeStyle, "Shop", func(b *strings.Builder) {
			b.WriteString(`<div class="col-md-9"><h3>Trending offers</h3>`)
			all := w.visible(m, nil)
			rows(b, all[:min(9, len(all))], "col-lg-4 col-md-6", w.storeCard)
			b.WriteString(`<h3>Top stores</h3><ul class="stores">`)
			for _, v := range m.vendors {
				if v.firstDay <= d {
					fmt.Fprintf(b, `<li><a href="/%s">@%s</a> (%d sales)</li>`, vendorPath(v), esc(v.handle), v.sales)
				}
			}
			b.WriteString("</ul></div>")
		})
	case parts[0] == "c" && len(parts) == 2:
		return w.modernCategory(m, storeStyle, parts[1], q, func(b *strings.Builder, cat *category, items []*slot, total int) {
			fmt.Fprintf(b, `<div class="col-md-9"><h2>%s</h2><p class="text-muted">%d offers</p><div class="offers-grid">`, esc(cat.label), total)
			rows(b, items, "col-lg-4 col-md-6", w.storeCard)
			b.WriteString("</div>")
		})
	case parts[0] == "offer" && (len(parts) == 2 || len(parts) == 3 && parts[2] == "reviews"):
		s := w.lookup(m, parts[1])
		if s == nil || s.gone(d) {
			return notFound("This offer does not exist")
		}
		w.storeListing(&b, s, len(parts) == 3)
		return ok(&b)
	case parts[0] == "store" && len(parts) == 2:
		h, _ := url.PathUnescape(parts[1])
		return w.modernVendor(m, storeStyle, h, "No such store", w.storeProfile)
	}
	return notFound("page not found")
}

func (w *World) storeProfile(b *strings.Builder, v *vendor) {
	fmt.Fprintf(b, `<div class="store-header"><h1 class="store-name">@%s</h1><p><span class="stars">★ %.2f</span> · <span class="sales">%d</span> sales</p><p>BTC: <code class="btc">%s</code></p><p>XMR: <code class="xmr">%s</code></p><ul class="contacts">`,
		esc(v.handle), v.rating, v.sales, v.btc, v.xmr)
	for _, c := range v.contacts {
		fmt.Fprintf(b, "<li>%s</li>", esc(contactLine(c)))
	}
	fmt.Fprintf(b, `</ul><h4>Store policy</h4><p class="terms">%s</p><h4>PGP</h4><pre class="pgp">%s</pre></div><h3>Offers</h3><div class="offers-grid">`, esc(v.terms), esc(w.key(v).Armored))
	rows(b, w.visible(v.m, func(s *slot) bool { return s.vendor == v }), "col-lg-4 col-md-6", w.storeCard)
	b.WriteString("</div>")
}

func (w *World) storeCard(b *strings.Builder, s *slot) {
	o := w.offers(s, w.opts.Day)[0]
	fmt.Fprintf(b, `<article class="card offer-card h-100"><img class="card-img-top" src="/img/%s.webp" alt=""><div class="card-body"><h3 class="card-title"><a href="/%s">%s</a></h3><a class="store-link" href="/%s">@%s</a><div class="card-price">%s</div><small class="text-muted">Ships from %s</small></div></article>`,
		s.key, w.listingPath(s), esc(s.title), vendorPath(s.vendor), esc(s.vendor.handle), storeMoney(o.Price.Amount), esc(s.from.name))
}

func (w *World) storeListing(b *strings.Builder, s *slot, reviews bool) {
	m, d := s.m, w.opts.Day
	cat := categoryByKey(s.p.cat)
	offers := w.offers(s, d)
	head := offers[0]
	v := s.vendor
	title := s.title
	if reviews {
		title += " - Reviews"
	}
	modernHead(b, m, title, storeStyle.navCls)
	fmt.Fprintf(b, `<nav class="crumbs"><a href="/">Home</a> › <span>%s</span> › <a href="/c/%s">%s</a></nav>
<div class="row product"><div class="col-lg-7 gallery"><img src="/img/%s.webp" alt=""></div><div class="col-lg-5 buybox">
<h1 class="product-title">%s</h1>
<div class="seller">Sold by <a href="/%s">@%s</a> <span class="stars">★ %.2f</span> · %d sales</div>
<div class="price-box"><span class="price-now">%s</span> <span class="crypto">≈ %s BTC</span></div>`,
		esc(cat.parent), cat.key, esc(cat.label), s.key, esc(s.title), vendorPath(v), esc(v.handle), v.rating, v.sales, storeMoney(head.Price.Amount), fmtCrypto(head.Price.USD/Rates["BTC"], 6))
	if s.soldOut(d) {
		b.WriteString(`<span class="badge bg-danger">Sold out</span>`)
	}
	b.WriteString(`<form action="/cart/add" method="post"><select name="variant">`)
	for _, o := range offers {
		fmt.Fprintf(b, `<option>%s %s — %s</option>`, qty(o.Quantity), unitLabel(o.Unit, o.Quantity, "en"), storeMoney(o.Price.Amount))
	}
	b.WriteString(`</select><button class="btn btn-primary" type="submit">Add to cart</button></form>`)
	if s.i%2 == 0 {
		fmt.Fprintf(b, `<div class="shipping-info"><p>Ships from %s.</p><p>%s</p></div>`, esc(s.from.name), esc(shipsToSentence(s)))
	} else {
		fmt.Fprintf(b, `<ul class="meta"><li><span class="label">Ships from</span><span>%s</span></li><li><span class="label">Ships to</span><span>%s</span></li></ul>`, esc(s.from.name), esc(shipsToRaw(s)))
	}
	base := "/" + w.listingPath(s)
	nrev := 1 + int(h64(s.key, "rev")%4)
	det, rev := " active", ""
	if reviews {
		det, rev = "", " active"
	}
	fmt.Fprintf(b, `</div></div>
<ul class="nav nav-tabs"><li class="nav-item"><a class="nav-link%s" href="%s">Details</a></li><li class="nav-item"><a class="nav-link%s" href="%s/reviews">Reviews (%d)</a></li></ul>`, det, base, rev, base, nrev)
	if reviews {
		b.WriteString(`<div class="reviews">`)
		for k := 0; k < nrev; k++ {
			fmt.Fprintf(b, `<div class="review"><b>%d★</b> %s <small>bought for %s</small></div>`, 5-k%2, []string{"Legit, fast.", "Good stealth.", "Slow but ok."}[k%3], storeMoney(round2(head.Price.Amount*(0.9+0.2*float64(k)))))
		}
		b.WriteString(`</div>`)
	} else {
		fmt.Fprintf(b, `<div class="details"><p>%s</p></div>`, esc(s.desc))
	}
	if more := w.related(s, true, 3); len(more) > 0 {
		fmt.Fprintf(b, `<section class="more-from"><h3>More from @%s</h3>`, esc(v.handle))
		rows(b, more, "col-lg-4", w.storeCard)
		b.WriteString("</section>\n")
	}
	if rel := w.related(s, false, 3); len(rel) > 0 {
		b.WriteString(`<section class="also-viewed"><h3>Customers also viewed</h3>`)
		rows(b, rel, "col-lg-4", w.storeCard)
		b.WriteString("</section>\n")
	}
	modernFoot(b, m)
}
