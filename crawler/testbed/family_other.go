package testbed

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// description is the listing description text as shown on the listing page.
func (w *World) description(s *slot, d int) string {
	if s.m.family == FamilyForum {
		return strings.Join(w.forumParagraphs(s, d), "\n")
	}
	return s.desc
}

// ---- Russian shop market ----

const ruPerPage = 24

func ruHead(b *strings.Builder, m *market, title, charset string) {
	fmt.Fprintf(b, `<!DOCTYPE html>
<html lang="ru"><head><meta http-equiv="Content-Type" content="text/html; charset=%s"><title>%s — %s</title></head>
<body><header class="top"><a class="brand" href="/">%s</a> <nav><a href="/">Главная</a> | <a href="/rules">Правила</a> | <a href="/support">Поддержка</a></nav></header>
<main>
`, charset, esc(title), esc(strings.ToUpper(m.info.Name)), esc(strings.ToUpper(m.info.Name)))
}

func ruFoot(b *strings.Builder) {
	b.WriteString("</main><footer>Все товары имеют высокое качество. Не забывайте про безопасность.</footer></body></html>\n")
}

func cp1251(s string) []byte {
	enc := encoding.ReplaceUnsupported(charmap.Windows1251.NewEncoder())
	out, err := enc.String(s)
	if err != nil {
		return []byte(s)
	}
	return []byte(out)
}

func (w *World) ruPage(m *market, path string, q url.Values) *page {
	var b strings.Builder
	d := w.opts.Day
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/":
		ruHead(&b, m, "Главная", "utf-8")
		b.WriteString(`<h1>Выберите город</h1><ul class="cities">`)
		for ci, c := range ruCities {
			fmt.Fprintf(&b, `<li><a href="/city/%d">%s</a></li>`, ci, esc(c.name))
		}
		b.WriteString(`</ul><h2>Магазины</h2><ul class="shops">`)
		for _, v := range m.vendors {
			if v.firstDay <= d {
				fmt.Fprintf(&b, `<li><a href="/%s">%s</a></li>`, vendorPath(v), esc(v.handle))
			}
		}
		b.WriteString("</ul>")
		ruFoot(&b)
		return ok(&b)
	case parts[0] == "city" && len(parts) == 2:
		ci, err := strconv.Atoi(parts[1])
		if err != nil || ci < 0 || ci >= len(ruCities) {
			return notFound("нет такого города")
		}
		ruHead(&b, m, ruCities[ci].name, "windows-1251")
		fmt.Fprintf(&b, `<h1>%s</h1><h2>Районы</h2><ul class="districts">`, esc(ruCities[ci].name))
		for di, dn := range ruCities[ci].districts {
			fmt.Fprintf(&b, `<li><a href="/city/%d/%d">%s</a></li>`, ci, di, esc(dn))
		}
		b.WriteString("</ul>")
		ruFoot(&b)
		return &page{status: 200, ctype: "text/html; charset=windows-1251", body: cp1251(b.String())}
	case parts[0] == "city" && len(parts) == 3:
		ci, err1 := strconv.Atoi(parts[1])
		di, err2 := strconv.Atoi(parts[2])
		if err1 != nil || err2 != nil || ci < 0 || ci >= len(ruCities) || di < 0 || di >= len(ruCities[ci].districts) {
			return notFound("нет такого района")
		}
		all := w.visible(m, func(s *slot) bool { return s.city == ci && s.district == di })
		pg := pageOf(q)
		items, n := pageSlice(all, pg, ruPerPage)
		ruHead(&b, m, ruCities[ci].districts[di], "utf-8")
		fmt.Fprintf(&b, `<div class="crumbs"><a href="/">Главная</a> / <a href="/city/%d">%s</a> / %s</div><div class="products">`, ci, esc(ruCities[ci].name), esc(ruCities[ci].districts[di]))
		for _, s := range items {
			o := w.offers(s, d)[0]
			fmt.Fprintf(&b, `<div class="product"><a href="/%s">%s</a> <span class="from">от %s</span> <span class="shop">%s</span></div>`, w.listingPath(s), esc(s.title), esc(money("RUB", o.Price.Amount)), esc(s.vendor.handle))
		}
		b.WriteString("</div>")
		pager(&b, fmt.Sprintf("/city/%d/%d?", ci, di), pg, n)
		ruFoot(&b)
		return ok(&b)
	case parts[0] == "product" && len(parts) == 2:
		s := w.lookup(m, parts[1])
		if s == nil {
			return notFound("Товар не найден")
		}
		if s.gone(d) {
			ruHead(&b, m, "Товар удалён", "utf-8")
			b.WriteString(`<div class="removed"><h1>Товар удалён</h1><p>Этот товар больше не продаётся.</p></div>`)
			ruFoot(&b)
			return &page{status: 404, body: []byte(b.String())}
		}
		charset := "utf-8"
		if s.i%2 == 0 {
			charset = "windows-1251"
		}
		w.ruProduct(&b, s, charset)
		if charset == "windows-1251" {
			return &page{status: 200, ctype: "text/html; charset=windows-1251", body: cp1251(b.String())}
		}
		return ok(&b)
	case parts[0] == "shop" && len(parts) == 2:
		h, _ := url.PathUnescape(parts[1])
		v := m.vendorByHandle(h, d)
		if v == nil {
			return notFound("Магазин не найден")
		}
		ruHead(&b, m, v.handle, "utf-8")
		k := w.key(v)
		fmt.Fprintf(&b, `<div class="shopinfo"><h1 class="shopname">%s</h1><p>Рейтинг: <span class="rating">%.2f</span> · Продаж: <span class="sales">%d</span></p><p>Оплата BTC: <span class="btc">%s</span></p><ul class="contacts">`, esc(v.handle), v.rating, v.sales, v.btc)
		for _, c := range v.contacts {
			fmt.Fprintf(&b, "<li>%s</li>", esc(contactLine(c)))
		}
		fmt.Fprintf(&b, `</ul><h3>PGP ключ магазина</h3><pre class="pgp">%s</pre><h2>Витрина</h2><ul class="items">`, esc(k.Armored))
		for _, s := range w.visible(m, func(s *slot) bool { return s.vendor == v }) {
			fmt.Fprintf(&b, `<li><a href="/%s">%s</a> — %s, %s</li>`, w.listingPath(s), esc(s.title), esc(ruCities[s.city].name), esc(ruCities[s.city].districts[s.district]))
		}
		b.WriteString("</ul></div>")
		ruFoot(&b)
		return ok(&b)
	}
	return notFound("страница не найдена")
}

func (w *World) ruProduct(b *strings.Builder, s *slot, charset string) {
	d := w.opts.Day
	ruHead(b, s.m, s.title, charset)
	offers := w.offers(s, d)
	c := ruCities[s.city]
	fmt.Fprintf(b, `<div class="crumbs"><a href="/">Главная</a> / <a href="/city/%d">%s</a> / <a href="/city/%d/%d">%s</a></div>
<div class="card"><h1 class="name">%s</h1>
<p>Категория: <span class="category">%s</span></p>
<p>Магазин: <a class="shop" href="/%s">%s</a></p>
<p>Страна: <span class="country">%s</span> · Город: <span class="city">%s</span> · Район: <span class="district">%s</span></p>
<p>Тип клада: <span class="drop">%s</span></p>
<table class="variants"><tr><th>Фасовка</th><th>Цена, руб.</th><th>BTC</th></tr>`, s.city, esc(c.name), s.city, s.district, esc(c.districts[s.district]),
		esc(s.title), esc(ruCategory[s.p.cat]), vendorPath(s.vendor), esc(s.vendor.handle), esc(s.from.name), esc(c.name), esc(c.districts[s.district]), esc(strings.Join(s.drops, ", ")))
	for _, o := range offers {
		fmt.Fprintf(b, `<tr class="variant"><td class="weight">%s %s</td><td class="price">%s</td><td class="btc">%s</td></tr>`, qty(o.Quantity), unitLabel(o.Unit, o.Quantity, "ru"), esc(money("RUB", o.Price.Amount)), fmtCrypto(o.Price.USD/Rates["BTC"], 6))
	}
	b.WriteString("</table>")
	if s.soldOut(d) {
		b.WriteString(`<p class="stock">Нет в наличии</p>`)
	} else {
		b.WriteString(`<p class="stock">В наличии</p><form action="/buy" method="post"><button>Купить</button></form>`)
	}
	fmt.Fprintf(b, `<div class="descr">%s</div></div>`, esc(s.desc))
	ruFoot(b)
}

// ---- forum ----

var forumBoards = []struct{ key, label string }{
	{"opiates", "/d/Opiates"}, {"rc", "/d/ResearchChems"}, {"stims", "/d/Stimulants"}, {"party", "/d/Party"},
	{"benzos", "/d/Benzos"}, {"green", "/d/Greens"}, {"psy", "/d/Psychedelics"}, {"misc", "/d/Marketplace"},
}

func forumBoardKey(cat string) string {
	switch cat {
	case "opioids":
		return "opiates"
	case "rcs":
		return "rc"
	case "stimulants":
		return "stims"
	case "ecstasy", "dissociatives":
		return "party"
	case "benzos":
		return "benzos"
	case "cannabis":
		return "green"
	case "psychedelics":
		return "psy"
	}
	return "misc"
}

func forumBoard(cat string) string {
	k := forumBoardKey(cat)
	for _, b := range forumBoards {
		if b.key == k {
			return b.label
		}
	}
	return ""
}

const forumPerPage = 25

func forumHead(b *strings.Builder, m *market, title string) {
	fmt.Fprintf(b, `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>%s - %s</title></head><body>
<div id="header"><a href="/" class="site">%s</a> <span class="tag">the front page of the dark web</span></div>
<div id="sidebar"><h4>Subdreads</h4><ul>`, esc(title), esc(m.info.Name), esc(m.info.Name))
	for _, bd := range forumBoards {
		fmt.Fprintf(b, `<li><a href="/d/%s">%s</a></li>`, bd.key, esc(bd.label))
	}
	b.WriteString("</ul></div><div id=\"content\">\n")
}

func forumFoot(b *strings.Builder) { b.WriteString("</div></body></html>\n") }

// forumParagraphs is the text of the opening post, one paragraph per entry.
func (w *World) forumParagraphs(s *slot, d int) []string {
	offers := w.offers(s, d)
	var tiers []string
	for _, o := range offers {
		tiers = append(tiers, fmt.Sprintf("%s %s for $%.2f", qty(o.Quantity), unitLabel(o.Unit, o.Quantity, "en"), o.Price.Amount))
	}
	v := s.vendor
	ps := []string{
		"Hey guys, " + s.desc,
		"Prices: " + strings.Join(tiers, ", ") + ".",
		"Shipping from " + s.from.name + " to " + joinNames(s.to) + ".",
	}
	var cs []string
	for _, c := range v.contacts {
		cs = append(cs, contactLine(c))
	}
	ps = append(ps, "Contact me: "+strings.Join(cs, " | "), "Payment BTC only: "+v.btc)
	if s.soldOut(d) {
		ps = append(ps, "UPDATE: SOLD OUT, restock soon.")
	}
	return ps
}

// forumUserReplies is how many buyers replied to a thread on the day it was posted.
func forumUserReplies(s *slot) int { return 1 + int(h64(s.key, "rep")%4) }

type forumBump struct {
	day  int
	text string
}

// forumBumps are the vendor's replies up to day d: as on real forums, a vendor who edits
// the offer (a new price, sold out) bumps the thread with a reply, which moves its reply
// count and last-post date on the thread list.
func (w *World) forumBumps(s *slot, d int) []forumBump {
	var out []forumBump
	for k := s.firstDay + 1; k <= d; k++ {
		switch {
		case w.factor(s, k) != w.factor(s, k-1):
			out = append(out, forumBump{k, "Prices updated, see the first post."})
		case s.soldDay == k:
			out = append(out, forumBump{k, "Sold out, restock soon."})
		}
	}
	return out
}

// forumActivity is what the thread list shows of a thread on day d: its reply count and
// the day of its last post.
func (w *World) forumActivity(s *slot, d int) (replies, lastDay int) {
	bumps := w.forumBumps(s, d)
	lastDay = s.firstDay
	if len(bumps) > 0 {
		lastDay = bumps[len(bumps)-1].day
	}
	return forumUserReplies(s) + len(bumps), lastDay
}

// dayDate is the calendar date of simulated day d (day 1 is RateDate).
func dayDate(d int) string {
	t, _ := time.Parse(time.DateOnly, RateDate)
	return t.AddDate(0, 0, d-1).Format(time.DateOnly)
}

func (w *World) forumPage(m *market, path string, q url.Values) *page {
	var b strings.Builder
	d := w.opts.Day
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/":
		forumHead(&b, m, "Home")
		b.WriteString(`<h2>Subdreads</h2><table class="boards">`)
		for _, bd := range forumBoards {
			n := len(w.visible(m, func(s *slot) bool { return forumBoardKey(s.p.cat) == bd.key }))
			fmt.Fprintf(&b, `<tr><td><a href="/d/%s">%s</a></td><td>%d posts</td></tr>`, bd.key, esc(bd.label), n)
		}
		b.WriteString("</table>")
		forumFoot(&b)
		return ok(&b)
	case parts[0] == "d" && len(parts) == 2:
		label := ""
		for _, bd := range forumBoards {
			if bd.key == parts[1] {
				label = bd.label
			}
		}
		if label == "" {
			return notFound("subdread not found")
		}
		all := w.visible(m, func(s *slot) bool { return forumBoardKey(s.p.cat) == parts[1] })
		pg := pageOf(q)
		items, n := pageSlice(all, pg, forumPerPage)
		forumHead(&b, m, label)
		fmt.Fprintf(&b, `<h2>%s</h2><div class="postList">`, esc(label))
		for _, s := range items {
			n, last := w.forumActivity(s, d)
			fmt.Fprintf(&b, `<div class="item"><a class="title" href="/%s">%s</a> <span class="by">by <a href="/%s">/u/%s</a></span> <span class="votes">%d points</span> <span class="replies">%d replies</span> <span class="lastpost">last post %s</span></div>`,
				w.listingPath(s), esc(s.title), vendorPath(s.vendor), esc(s.vendor.handle), 3+int(h64(s.key)%300), n, dayDate(last))
		}
		b.WriteString("</div>")
		pager(&b, "/d/"+parts[1]+"?", pg, n)
		forumFoot(&b)
		return ok(&b)
	case parts[0] == "post" && len(parts) == 2:
		s := w.lookup(m, parts[1])
		if s == nil || s.gone(d) {
			return notFound("This post has been removed")
		}
		forumHead(&b, m, s.title)
		fmt.Fprintf(&b, `<div class="post op"><h1 class="postTitle">%s</h1><div class="meta">posted in <a href="/d/%s">%s</a> by <a class="author" href="/%s">/u/%s</a> <span class="flair">Vendor</span></div><div class="postContent">`,
			esc(s.title), forumBoardKey(s.p.cat), esc(forumBoard(s.p.cat)), vendorPath(s.vendor), esc(s.vendor.handle))
		for _, p := range w.forumParagraphs(s, d) {
			fmt.Fprintf(&b, "<p>%s</p>", esc(p))
		}
		fmt.Fprintf(&b, `<pre class="pgp">%s</pre></div></div><div class="comments">`, esc(w.key(s.vendor).Armored))
		replies := []string{"Got my order, legit 👍", "how long to AU?", "Pressed stuff is dangerous, test everything.", "vendor is slow to reply on telegram", "best in the game 🔥🔥"}
		for k := 0; k < forumUserReplies(s); k++ {
			fmt.Fprintf(&b, `<div class="comment"><span class="author">/u/user%d</span><p>%s</p></div>`, h64(s.key, k)%9000+1000, esc(replies[(s.i+k)%len(replies)]))
		}
		for _, bump := range w.forumBumps(s, d) {
			fmt.Fprintf(&b, `<div class="comment"><span class="author">/u/%s</span><p>%s</p></div>`, esc(s.vendor.handle), esc(bump.text))
		}
		b.WriteString("</div>")
		forumFoot(&b)
		return ok(&b)
	case parts[0] == "u" && len(parts) == 2:
		h, _ := url.PathUnescape(parts[1])
		v := m.vendorByHandle(h, d)
		if v == nil {
			return notFound("user not found")
		}
		forumHead(&b, m, "/u/"+v.handle)
		fmt.Fprintf(&b, `<div class="profile"><h1 class="username">/u/%s</h1><span class="flair">Vendor</span><p class="btc">BTC: %s</p><ul class="contacts">`, esc(v.handle), v.btc)
		for _, c := range v.contacts {
			fmt.Fprintf(&b, "<li>%s</li>", esc(contactLine(c)))
		}
		fmt.Fprintf(&b, `</ul><h3>PGP</h3><pre class="pgp">%s</pre><h3>Posts</h3><ul>`, esc(w.key(v).Armored))
		for _, s := range w.visible(m, func(s *slot) bool { return s.vendor == v }) {
			fmt.Fprintf(&b, `<li><a href="/%s">%s</a></li>`, w.listingPath(s), esc(s.title))
		}
		b.WriteString("</ul></div>")
		forumFoot(&b)
		return ok(&b)
	}
	return notFound("page not found")
}

// ---- single-vendor shop ----

const shopPerPage = 12

func shopHead(b *strings.Builder, m *market, title string) {
	fmt.Fprintf(b, `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>%s · %s</title></head><body>
<nav class="shopnav"><a class="brand" href="/">%s</a> <a href="/products">Products</a> <a href="/cart">Cart</a> <a href="/contact">Contact</a> <a href="/faq">FAQ</a></nav>
<section class="main">
`, esc(title), esc(m.info.Name), esc(strings.ToUpper(m.info.Name)))
}

func shopFoot(b *strings.Builder) {
	b.WriteString("</section><footer>Trusted since 2021 · PGP signed canary updated monthly</footer></body></html>\n")
}

func (w *World) shopPage(m *market, path string, q url.Values) *page {
	var b strings.Builder
	d := w.opts.Day
	v := m.vendors[0]
	switch {
	case path == "/" || path == "/products":
		all := w.visible(m, nil)
		pg := pageOf(q)
		items, n := pageSlice(all, pg, shopPerPage)
		shopHead(&b, m, "Products")
		b.WriteString(`<h1>Our products</h1><div class="grid">`)
		for _, s := range items {
			o := w.offers(s, d)[0]
			fmt.Fprintf(&b, `<div class="tile"><a href="/%s"><span class="pname">%s</span></a><span class="pprice">from %s</span></div>`, w.listingPath(s), esc(s.title), esc(money(m.currency, o.Price.Amount)))
		}
		b.WriteString("</div>")
		pager(&b, "/products?", pg, n)
		shopFoot(&b)
		return ok(&b)
	case strings.HasPrefix(path, "/product/"):
		s := w.lookup(m, strings.TrimPrefix(path, "/product/"))
		if s == nil || s.gone(d) {
			return notFound("Product not found")
		}
		shopHead(&b, m, s.title)
		offers := w.offers(s, d)
		fmt.Fprintf(&b, `<article class="product"><h1 class="pname">%s</h1><p class="pcat">Category: %s</p><p class="pprice">Price: %s</p>
<p>Ships from: <span class="from">%s</span></p><p>Ships to: <span class="to">%s</span></p><form action="/cart" method="get"><input type="hidden" name="add" value="%s"><select name="qty">`,
			esc(s.title), esc(shopCategory[s.p.cat]), esc(money(m.currency, offers[0].Price.Amount)), esc(s.from.name), esc(joinNames(s.to)), s.key)
		for _, o := range offers {
			fmt.Fprintf(&b, `<option value="%s">%s %s - %s</option>`, qty(o.Quantity), qty(o.Quantity), unitLabel(o.Unit, o.Quantity, "en"), esc(money(m.currency, o.Price.Amount)))
		}
		b.WriteString(`</select>`)
		if s.soldOut(d) {
			b.WriteString(`<p class="stock">Out of stock</p>`)
		} else {
			b.WriteString(`<button type="submit">Add to cart</button>`)
		}
		fmt.Fprintf(&b, `</form><div class="pdesc">%s</div><p class="seller">Sold by <a href="/contact">%s</a></p></article>`, esc(s.desc), esc(v.handle))
		shopFoot(&b)
		return ok(&b)
	case path == "/cart":
		shopHead(&b, m, "Cart")
		b.WriteString(`<h1>Your cart</h1>`)
		if s := w.lookup(m, q.Get("add")); s != nil && s.visible(d) {
			fmt.Fprintf(&b, `<table class="cart"><tr><td>%s</td><td>%s</td></tr></table>`, esc(s.title), esc(q.Get("qty")))
		} else {
			b.WriteString(`<p>Your cart is empty.</p>`)
		}
		fmt.Fprintf(&b, `<p>Checkout: send the total in BTC to <code class="btc">%s</code> or XMR to <code class="xmr">%s</code> and message us your order ID.</p>`, v.btc, v.xmr)
		shopFoot(&b)
		return ok(&b)
	case path == "/contact":
		shopHead(&b, m, "Contact")
		fmt.Fprintf(&b, `<h1>Contact <span class="handle">%s</span></h1><p>BTC: <span class="btc">%s</span></p><p>XMR: <span class="xmr">%s</span></p><ul class="contacts">`, esc(v.handle), v.btc, v.xmr)
		for _, c := range v.contacts {
			fmt.Fprintf(&b, "<li>%s</li>", esc(contactLine(c)))
		}
		fmt.Fprintf(&b, `</ul><h3>Our PGP key</h3><pre class="pgp">%s</pre>`, esc(w.key(v).Armored))
		shopFoot(&b)
		return ok(&b)
	case path == "/faq":
		shopHead(&b, m, "FAQ")
		b.WriteString(`<h1>FAQ</h1><p>We ship in vacuum sealed bags. Reship once if lost. Always use test kits - pressed pills may contain fentanyl.</p>`)
		shopFoot(&b)
		return ok(&b)
	}
	return notFound("page not found")
}
