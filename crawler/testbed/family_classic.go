package testbed

import (
	"fmt"
	"net/url"
	"strings"
)

const classicPerPage = 20

func classicHead(b *strings.Builder, m *market, title string) {
	fmt.Fprintf(b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s | %s Market</title>
<style>body{font-family:Verdana,sans-serif;background:#f3f3f3}.card{display:inline-block;width:210px;margin:4px;border:1px solid #ccc;background:#fff}</style></head>
<body><div class="main">
<div class="naviHeader"><a class="logo" href="/">%s</a>
<ul class="ulNavItems"><li><a href="/">Shop</a></li><li><a href="/messages">Messages: 0</a></li><li><a href="/wallet">Bitcoin (BTC) $0.00</a></li></ul>
<form class="topsearch" action="/search" method="get"><input name="q" type="text" value=""><button type="submit">Search</button></form></div>
`, esc(title), esc(strings.ToUpper(m.info.Name[:1])+m.info.Name[1:]), esc(m.info.Name))
	b.WriteString(`<div class="sidebar browse"><div class="sidebarHeader">Browse by category</div>`)
	parent := ""
	for _, c := range categories {
		if c.parent != parent {
			parent = c.parent
			fmt.Fprintf(b, `<div class="category depth0"><span>%s</span></div>`, esc(parent))
		}
		fmt.Fprintf(b, `<div class="category depth1"><a href="/category/%s">%s</a></div>`, c.key, esc(c.label))
	}
	b.WriteString("</div>\n<div class=\"content\">\n")
}

func classicFoot(b *strings.Builder) {
	b.WriteString("</div>\n<div class=\"footer\">Copyright &copy; market. Javascript should be disabled.</div></div></body></html>\n")
}

func (w *World) classicPage(m *market, path string, q url.Values) *page {
	var b strings.Builder
	d := w.opts.Day
	switch {
	case path == "/":
		classicHead(&b, m, "Home")
		b.WriteString(`<h2>Featured listings</h2><div class="shopItems">`)
		all := w.visible(m, nil)
		for _, s := range all[:min(8, len(all))] {
			w.classicCard(&b, s)
		}
		b.WriteString(`</div><div class="news"><h3>News</h3><p>Withdrawals are working again. Use 2FA on your account. Always verify our mirrors.</p></div>`)
		classicFoot(&b)
		return ok(&b)
	case strings.HasPrefix(path, "/category/"):
		c := strings.TrimPrefix(path, "/category/")
		var cat *category
		for i := range categories {
			if categories[i].key == c {
				cat = &categories[i]
			}
		}
		if cat == nil {
			return notFound("no such category")
		}
		all := w.visible(m, func(s *slot) bool { return s.p.cat == c })
		pg := pageOf(q)
		items, n := pageSlice(all, pg, classicPerPage)
		classicHead(&b, m, cat.label)
		fmt.Fprintf(&b, `<div class="breadcrumb"><a href="/">Home</a> &gt; %s &gt; <span>%s</span></div><h2>%s <span class="amount">(%d)</span></h2><div class="shopItems">`, esc(cat.parent), esc(cat.label), esc(cat.label), len(all))
		for _, s := range items {
			w.classicCard(&b, s)
		}
		b.WriteString("</div>")
		pager(&b, "/category/"+c+"?", pg, n)
		classicFoot(&b)
		return ok(&b)
	case strings.HasPrefix(path, "/listing/"):
		s := w.lookup(m, strings.TrimPrefix(path, "/listing/"))
		if s == nil {
			return notFound("Item not found")
		}
		if s.gone(d) {
			if s.i%2 == 0 {
				return notFound("Item not found. This listing does not exist or was removed.")
			}
			classicHead(&b, m, "Listing removed")
			b.WriteString(`<div class="alert removed"><h2>Listing removed</h2><p>This listing has been removed by the vendor.</p></div>`)
			classicFoot(&b)
			return &page{status: 410, body: []byte(b.String())}
		}
		w.classicListing(&b, s)
		return ok(&b)
	case strings.HasPrefix(path, "/vendor/"):
		h, _ := url.PathUnescape(strings.TrimPrefix(path, "/vendor/"))
		v := m.vendorByHandle(h, d)
		if v == nil {
			return notFound("No such vendor")
		}
		w.classicVendor(&b, v)
		return ok(&b)
	case path == "/search":
		term := strings.ToLower(strings.TrimSpace(q.Get("q")))
		classicHead(&b, m, "Search")
		fmt.Fprintf(&b, `<h2>Search results for &quot;%s&quot;</h2><div class="shopItems">`, esc(term))
		if term != "" {
			k := 0
			for _, s := range w.visible(m, nil) {
				if strings.Contains(strings.ToLower(s.title), term) {
					w.classicCard(&b, s)
					if k++; k >= 50 {
						break
					}
				}
			}
		}
		b.WriteString("</div>")
		classicFoot(&b)
		return ok(&b)
	}
	return notFound("page not found")
}

func (w *World) classicCard(b *strings.Builder, s *slot) {
	o := w.offers(s, w.opts.Day)[0]
	fmt.Fprintf(b, `<div class="card shopItem"><a class="title" href="/%s">%s</a><div class="price">USD %.2f</div><div class="vendor">by <a href="/%s">%s</a></div><div class="ships">Ships from %s</div></div>`,
		w.listingPath(s), esc(s.title), o.Price.Amount, vendorPath(s.vendor), esc(s.vendor.handle), esc(s.from.name))
}

func (w *World) classicListing(b *strings.Builder, s *slot) {
	m, d := s.m, w.opts.Day
	cat := categoryByKey(s.p.cat)
	classicHead(b, m, s.title)
	offers := w.offers(s, d)
	head := offers[0]
	fmt.Fprintf(b, `<div class="breadcrumb"><a href="/">Home</a> &gt; %s &gt; <a href="/category/%s">%s</a></div>
<div class="viewProduct">
<h1 class="title">%s</h1>
<div class="tabularDetails">
<div><label>Vendor</label> <span><a class="vendorLink" href="/%s">%s</a> (<span title="Successful transactions">%d</span>) (<span class="userRating">%.2f</span>)</span></div>
<div><label>Price</label> <span class="price">USD %.2f</span> <span class="altprice">≈ %s BTC / %s XMR</span></div>
<div><label>Ships from</label> <span class="shipsFrom">%s</span></div>
<div><label>Ships to</label> <span class="shipsTo">%s</span></div>
<div><label>Escrow</label> <span>%s</span></div>
`, esc(cat.parent), cat.key, esc(cat.label), esc(s.title), vendorPath(s.vendor), esc(s.vendor.handle), s.vendor.sales, s.vendor.rating,
		head.Price.Amount, fmtCrypto(head.Price.USD/Rates["BTC"], 6), fmtCrypto(head.Price.USD/Rates["XMR"], 4),
		esc(s.from.name), esc(joinNames(s.to)), []string{"Yes", "Yes", "No (FE)"}[s.i%3])
	if s.soldOut(d) {
		b.WriteString(`<div><label>Stock</label> <span class="stock soldout">Sold out</span></div>`)
	} else {
		fmt.Fprintf(b, `<div><label>Stock</label> <span class="stock">%d in stock</span></div>`, 5+int(h64(s.key, "stock")%200))
	}
	b.WriteString("</div>\n<h3>Quantity</h3><table class=\"offers\"><tr><th>Quantity</th><th>Price</th></tr>")
	for _, o := range offers {
		fmt.Fprintf(b, `<tr class="offer"><td class="qty">%s %s</td><td class="offerPrice">USD %.2f</td></tr>`, qty(o.Quantity), unitLabel(o.Unit, o.Quantity, "en"), o.Price.Amount)
	}
	b.WriteString("</table>\n<h3>Shipping options</h3><select name=\"shipping\">")
	for _, opt := range []string{"Standard letter - 5-8 days - USD 0.00", "Tracked - 2-4 days - USD 12.00", "Express overnight - USD 35.00"} {
		fmt.Fprintf(b, `<option>%s</option>`, opt)
	}
	fmt.Fprintf(b, "</select>\n<div class=\"subtitle\">Product description</div><div class=\"preformattedNotes\" id=\"offerDescription\">%s</div>\n</div>\n", esc(s.desc))
	classicFoot(b)
}

func (w *World) classicVendor(b *strings.Builder, v *vendor) {
	classicHead(b, v.m, v.handle)
	k := w.key(v)
	fmt.Fprintf(b, `<div class="vendorProfile"><h1 class="handle">%s</h1>
<div class="tabularDetails"><div><label>Level</label> <span class="level">%s</span></div>
<div><label>Rating</label> <span class="rating">%.2f</span>/5</div>
<div><label>Sales</label> <span class="sales">%d</span></div>
<div><label>Direct pay (BTC)</label> <span class="btc">%s</span></div>
<div><label>Direct pay (XMR)</label> <span class="xmr">%s</span></div></div>
<h3>Contact</h3><ul class="contacts">`, esc(v.handle), esc(v.level), v.rating, v.sales, v.btc, v.xmr)
	for _, c := range v.contacts {
		fmt.Fprintf(b, "<li>%s</li>", esc(contactLine(c)))
	}
	fmt.Fprintf(b, `</ul><h3>Terms &amp; conditions</h3><p class="terms">%s</p><h3>PGP public key</h3><pre class="pgp">%s</pre>
<h3>Feedback</h3><ul class="feedback"><li>5/5 - fast and stealthy, thanks!</li><li>5/5 - as described</li><li>4/5 - took 9 days but arrived</li></ul>`, esc(v.terms), esc(k.Armored))
	b.WriteString(`<h3>Listings</h3><ul class="vendorListings">`)
	for _, s := range w.visible(v.m, func(s *slot) bool { return s.vendor == v }) {
		fmt.Fprintf(b, `<li><a href="/%s">%s</a></li>`, w.listingPath(s), esc(s.title))
	}
	b.WriteString("</ul></div>")
	classicFoot(b)
}

func fmtCrypto(v float64, dec int) string { return fmt.Sprintf("%.*f", dec, v) }

func joinNames(cs []country) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.name)
	}
	return strings.Join(parts, ", ")
}

// lookup returns the slot for a listing key, or nil when it does not exist today.
func (w *World) lookup(m *market, key string) *slot {
	i, ok := m.listingIndex(key)
	if !ok || i >= m.total(w.opts.Day) {
		return nil
	}
	s := w.allSlots(m)[i]
	if s.firstDay > w.opts.Day || s.key != key {
		return nil
	}
	return s
}
