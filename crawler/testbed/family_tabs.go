package testbed

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The tabs family is modelled on market software that spreads a listing over tab pages
// (ASAP, Berlusconi, Nemesis): /item/<key> shows the description tab, and the shipping,
// feedback and refund-policy tabs are sub-pages whose URLs extend the listing's
// (/item/<key>/shipping). Every tab repeats the listing header (title, label/value pairs
// in sibling <span class="label"> elements, price "1,375.00 USD"); only the shipping tab
// says where the listing ships, in sentences. Category pages are tables.

const tabsPerPage = 25

var tabsStyle = modernStyle{navCls: "navbar-light bg-light", catHref: func(c category) string { return "/category/" + c.key }, perPage: tabsPerPage}

// tabsParts are the tab sub-pages of a listing, after its description tab.
var tabsParts = []struct{ seg, label string }{{"shipping", "Shipping"}, {"feedback", "Feedback"}, {"refund", "Refund policy"}}

var tabsKeys = stepKeys{base: 200000, step: 13}

// usdComma formats an amount as the tabs family shows it: "1,375.00 USD".
func usdComma(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	return groupThousands(s[:len(s)-3], ',') + s[len(s)-3:] + " USD"
}

func (w *World) tabsPage(m *market, path string, q url.Values) *page {
	var b strings.Builder
	d := w.opts.Day
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/":
		return modernPage(m, tabsStyle, "Market", func(b *strings.Builder) {
			b.WriteString(`<div class="col-md-9"><h3>Latest listings</h3>`)
			all := w.visible(m, nil)
			w.tabsTable(b, all[:min(10, len(all))])
			b.WriteString("</div>")
		})
	case parts[0] == "category" && len(parts) == 2:
		return w.modernCategory(m, tabsStyle, parts[1], q, func(b *strings.Builder, cat *category, items []*slot, _ int) {
			fmt.Fprintf(b, `<div class="col-md-9"><h2>%s &raquo; %s</h2>`, esc(cat.parent), esc(cat.label))
			w.tabsTable(b, items)
		})
	case parts[0] == "item" && (len(parts) == 2 || len(parts) == 3):
		s := w.lookup(m, parts[1])
		if s == nil || s.gone(d) {
			return notFound("Item not found")
		}
		tab := ""
		if len(parts) == 3 {
			tab = parts[2]
			known := false
			for _, t := range tabsParts {
				known = known || t.seg == tab
			}
			if !known {
				return notFound("no such tab")
			}
		}
		w.tabsListing(&b, s, tab)
		return ok(&b)
	case parts[0] == "vendor" && len(parts) == 2:
		h, _ := url.PathUnescape(parts[1])
		return w.modernVendor(m, tabsStyle, h, "No such vendor", w.tabsProfile)
	}
	return notFound("page not found")
}

func (w *World) tabsProfile(b *strings.Builder, v *vendor) {
	fmt.Fprintf(b, `<div class="vendor-profile"><h1>%s</h1><div><span class="label">Rating</span> <span class="rating">%.2f</span></div><div><span class="label">Sales</span> <span class="sales">%d</span></div><div><span class="label">BTC</span> <span class="btc">%s</span></div><h4>Contact</h4><ul class="contacts">`,
		esc(v.handle), v.rating, v.sales, v.btc)
	for _, c := range v.contacts {
		fmt.Fprintf(b, "<li>%s</li>", esc(contactLine(c)))
	}
	fmt.Fprintf(b, `</ul><h4>Refund policy</h4><p class="terms">%s</p><h4>PGP</h4><pre class="pgp">%s</pre><h3>Listings</h3>`, esc(v.terms), esc(w.key(v).Armored))
	w.tabsTable(b, w.visible(v.m, func(s *slot) bool { return s.vendor == v }))
	b.WriteString("</div>")
}

// tabsTable lists listings as table rows: item (with its category), vendor, price.
func (w *World) tabsTable(b *strings.Builder, items []*slot) {
	b.WriteString(`<table class="table table-striped listings"><thead><tr><th>Item</th><th>Vendor</th><th>Price</th></tr></thead><tbody>`)
	for _, s := range items {
		o := w.offers(s, w.opts.Day)[0]
		fmt.Fprintf(b, `<tr><td><a href="/%s">%s</a><br><small class="text-muted">%s</small></td><td><a href="/%s">%s</a></td><td class="price">%s</td></tr>`,
			w.listingPath(s), esc(s.title), esc(categoryByKey(s.p.cat).label), vendorPath(s.vendor), esc(s.vendor.handle), usdComma(o.Price.Amount))
	}
	b.WriteString("</tbody></table>")
}

// shipsFromSentence states the origin in one of the sentences real listings use.
func shipsFromSentence(s *slot) string {
	if h64(s.key, "fromsentence")%2 == 0 {
		return "This item ships from " + s.from.name + "."
	}
	return "Ships from " + s.from.name + "."
}

// tabsListing writes one tab of a listing: "" (description), shipping, feedback or refund.
func (w *World) tabsListing(b *strings.Builder, s *slot, tab string) {
	m, d := s.m, w.opts.Day
	cat := categoryByKey(s.p.cat)
	offers := w.offers(s, d)
	head := offers[0]
	v := s.vendor
	title := s.title
	for _, t := range tabsParts {
		if t.seg == tab {
			title += " - " + t.label
		}
	}
	modernHead(b, m, title, tabsStyle.navCls)
	avail := "In stock"
	if s.soldOut(d) {
		avail = "Sold out"
	}
	base := "/" + w.listingPath(s)
	fmt.Fprintf(b, `<div class="row listing-header"><div class="col-md-4"><img class="listing-image" src="/img/%s.jpg" alt=""></div><div class="col-md-8">
<h2 class="listing-name">%s</h2>
<div class="listing-meta"><div><span class="label">Vendor</span> <span class="value"><a href="/%s">%s</a> (%d) <span class="text-success">%.2f</span></span></div>
<div><span class="label">Category</span> <span class="value">%s</span></div>
<div><span class="label">Price</span> <span class="value price">%s</span> <small>(%s BTC)</small></div>
<div><span class="label">Availability</span> <span class="value">%s</span></div></div>
<form method="post" action="/cart"><input type="hidden" name="item" value="%s"><select name="offer">`,
		s.key, esc(s.title), vendorPath(v), esc(v.handle), v.sales, v.rating, esc(cat.label), usdComma(head.Price.Amount), fmtCrypto(head.Price.USD/Rates["BTC"], 6), avail, s.key)
	for _, o := range offers {
		fmt.Fprintf(b, `<option>%s %s = %s</option>`, qty(o.Quantity), unitLabel(o.Unit, o.Quantity, "en"), usdComma(o.Price.Amount))
	}
	b.WriteString(`</select><button class="btn btn-success" type="submit">Add to cart</button></form></div></div>
<ul class="nav nav-tabs listing-tabs">`)
	nFeedback := 1 + int(h64(s.key, "fb")%4)
	active := func(seg string) string {
		if seg == tab {
			return " active"
		}
		return ""
	}
	fmt.Fprintf(b, `<li class="nav-item"><a class="nav-link%s" href="%s">Description</a></li>`, active(""), base)
	for _, t := range tabsParts {
		label := t.label
		if t.seg == "feedback" {
			label = fmt.Sprintf("%s (%d)", label, nFeedback)
		}
		fmt.Fprintf(b, `<li class="nav-item"><a class="nav-link%s" href="%s/%s">%s</a></li>`, active(t.seg), base, t.seg, esc(label))
	}
	b.WriteString("</ul>\n<div class=\"tab-content\">")
	switch tab {
	case "":
		fmt.Fprintf(b, `<div class="tab-pane active description"><p>%s</p><h4>Prices</h4><table class="table offers"><tr><th>Quantity</th><th>Price</th></tr>`, esc(s.desc))
		for _, o := range offers {
			fmt.Fprintf(b, `<tr><td>%s %s</td><td>%s</td></tr>`, qty(o.Quantity), unitLabel(o.Unit, o.Quantity, "en"), usdComma(o.Price.Amount))
		}
		b.WriteString(`</table></div>`)
	case "shipping":
		fmt.Fprintf(b, `<div class="tab-pane active shipping"><h4>Shipping</h4><p>%s</p><p>%s</p><table class="table postage"><tr><th>Postage option</th><th>Days</th><th>Price</th></tr><tr><td>Letter</td><td>5-8</td><td>0.00 USD</td></tr><tr><td>Tracked</td><td>2-3</td><td>12.00 USD</td></tr><tr><td>Next day</td><td>1</td><td>30.00 USD</td></tr></table></div>`,
			esc(shipsFromSentence(s)), esc(shipsToSentence(s)))
	case "feedback":
		b.WriteString(`<div class="tab-pane active feedback"><table class="table reviews"><tr><th>Rating</th><th>Review</th><th>Paid</th></tr>`)
		for k := 0; k < nFeedback; k++ {
			fmt.Fprintf(b, `<tr><td>%d/5</td><td>%s</td><td>%s</td></tr>`, 5-k%2, []string{"Fast and stealthy.", "Product as described, will reorder.", "Took two weeks but arrived."}[k%3], usdComma(round2(head.Price.Amount*(1+0.15*float64(k+1)))))
		}
		b.WriteString(`</table></div>`)
	case "refund":
		fmt.Fprintf(b, `<div class="tab-pane active refund"><p>%s</p><p>Disputes are handled by market staff within 72 hours.</p></div>`, esc(v.terms))
	}
	b.WriteString("</div>\n")
	modernFoot(b, m)
}
