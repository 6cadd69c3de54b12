package testbed

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// What the grid, tabs and store families share: markup that changes per request (attribute
// and class order), shipping stated in sentences, and the truth of those sentences.

// reqCounter counts renders per market path, so the n-th request of a URL gets its own
// markup variant (deterministic from the world seed, the path and n).
type reqCounter struct{ m sync.Map }

func (c *reqCounter) next(key string) int64 {
	v, ok := c.m.Load(key)
	if !ok {
		v, _ = c.m.LoadOrStore(key, new(atomic.Int64))
	}
	return v.(*atomic.Int64).Add(1) - 1
}

var (
	startTagRE = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z][a-zA-Z0-9-]*="[^"]*")+)(\s*/?)>`)
	attrRE     = regexp.MustCompile(`\s+([a-zA-Z][a-zA-Z0-9-]*)="([^"]*)"`)
)

// shuffleMarkup permutes the attributes of every start tag with two or more, and the
// tokens of every class attribute, as real market software does between requests (template
// engines iterating maps, per-request anti-scraping class shuffles). Text is unchanged.
func shuffleMarkup(body string, r *rand.Rand) string {
	return startTagRE.ReplaceAllStringFunc(body, func(tag string) string {
		m := startTagRE.FindStringSubmatch(tag)
		attrs := attrRE.FindAllStringSubmatch(m[2], -1)
		var b strings.Builder
		b.WriteString("<" + m[1])
		r.Shuffle(len(attrs), func(i, j int) { attrs[i], attrs[j] = attrs[j], attrs[i] })
		for _, a := range attrs {
			v := a[2]
			if a[1] == "class" {
				toks := strings.Fields(v)
				r.Shuffle(len(toks), func(i, j int) { toks[i], toks[j] = toks[j], toks[i] })
				v = strings.Join(toks, " ")
			}
			fmt.Fprintf(&b, ` %s="%s"`, a[1], v)
		}
		b.WriteString(m[3] + ">")
		return b.String()
	})
}

// variant renders page p of market m in the markup variant of this request.
func (w *World) variant(m *market, pathAndQuery string, p *page) *page {
	if p == nil || p.status != 200 {
		return p
	}
	n := w.reqs.next(m.info.Name + " " + pathAndQuery)
	p.body = []byte(shuffleMarkup(string(p.body), rng(w.opts.Seed, "variant", m.info.Name, pathAndQuery, n)))
	return p
}

// exceptCountry is the country a worldwide listing excludes ("Ships worldwide except X"),
// or the zero country when it states no exception.
func exceptCountry(s *slot) country {
	if len(s.to) != 1 || s.to[0] != worldwide || h64(s.m.info.Name, s.key, "except")%3 != 0 {
		return country{}
	}
	for k := uint64(0); ; k++ {
		c := countries[h64(s.m.info.Name, s.key, "except", k)%uint64(len(countries))]
		if c != s.from {
			return c
		}
	}
}

// shipsToSentence states where a listing ships in a sentence, as listing pages of many
// markets do: "Ships worldwide.", "Ships worldwide except United States.", "Ships only to
// Germany.", "Ships to Germany and Poland."
func shipsToSentence(s *slot) string {
	switch {
	case len(s.to) == 1 && s.to[0] == worldwide:
		if x := exceptCountry(s); x.code != "" {
			return "Ships worldwide except " + x.name + "."
		}
		if h64(s.key, "allcountries")%2 == 0 {
			return "Ships to all countries."
		}
		return "Ships worldwide."
	case len(s.to) == 1:
		return "Ships only to " + s.to[0].name + "."
	}
	names := make([]string, len(s.to))
	for i, c := range s.to {
		names[i] = c.name
	}
	return "Ships to " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + "."
}

// shipsToRaw is the destination text as the page shows it (truth ships_to_raw).
func shipsToRaw(s *slot) string {
	if x := exceptCountry(s); x.code != "" {
		return "Worldwide except " + x.name
	}
	return joinNames(s.to)
}

// modernStyle is what a new family's pages differ in: the navbar's classes, its category
// links, listings per category page and what stands before a handle in a vendor page's title.
type modernStyle struct {
	navCls      string
	catHref     func(c category) string
	perPage     int
	vendorTitle string // "@" where the family names vendors @handle
}

// stepKeys are numeric listing keys: listing i has key base+i*step.
type stepKeys struct{ base, step int }

func (k stepKeys) key(i int) string { return strconv.Itoa(k.base + i*k.step) }

// index inverts key.
func (k stepKeys) index(key string) (int, bool) {
	n, err := strconv.Atoi(key)
	if err != nil || n < k.base || (n-k.base)%k.step != 0 {
		return 0, false
	}
	return (n - k.base) / k.step, true
}

// modernPage writes a home or category page of the new families: the head, a row holding
// the category sidebar and the main column main writes (opened and closed by main), the foot.
func modernPage(m *market, st modernStyle, title string, main func(b *strings.Builder)) *page {
	var b strings.Builder
	modernHead(&b, m, title, st.navCls)
	b.WriteString(`<div class="row">`)
	modernSidebar(&b, st.catHref)
	main(&b)
	b.WriteString("</div>")
	modernFoot(&b, m)
	return ok(&b)
}

// modernCategory writes the category page of key (page q's "page"): list writes the main
// column's start, heading and the page's listings (items of total); the pager and the
// column's end follow. A key that names no category is a 404.
func (w *World) modernCategory(m *market, st modernStyle, key string, q url.Values, list func(b *strings.Builder, cat *category, items []*slot, total int)) *page {
	cat := categoryOf(key)
	if cat == nil {
		return notFound("no such category")
	}
	all := w.visible(m, func(s *slot) bool { return s.p.cat == cat.key })
	pg := pageOf(q)
	items, n := pageSlice(all, pg, st.perPage)
	return modernPage(m, st, cat.label, func(b *strings.Builder) {
		list(b, cat, items, len(all))
		base := st.catHref(*cat)
		if strings.Contains(base, "?") {
			base += "&"
		} else {
			base += "?"
		}
		pager(b, base, pg, n)
		b.WriteString("</div>")
	})
}

// modernVendor writes the page of the vendor with handle h: the head, what profile writes,
// the foot. A handle that names no vendor of the day is a 404 saying missing.
func (w *World) modernVendor(m *market, st modernStyle, h, missing string, profile func(b *strings.Builder, v *vendor)) *page {
	v := m.vendorByHandle(h, w.opts.Day)
	if v == nil {
		return notFound(missing)
	}
	var b strings.Builder
	modernHead(&b, m, st.vendorTitle+v.handle, st.navCls)
	profile(&b, v)
	modernFoot(&b, m)
	return ok(&b)
}

// modernHead writes the document start shared by the new families: a bootstrap-like navbar
// with the account, wallet balance and exchange-rate widgets real markets show (numbers
// that are not listing prices).
func modernHead(b *strings.Builder, m *market, title, navCls string) {
	fmt.Fprintf(b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>%s - %s</title></head>
<body>
<nav class="navbar navbar-expand %s"><div class="container"><a class="navbar-brand" href="/">%s</a>
<ul class="navbar-nav"><li class="nav-item"><a class="nav-link" href="/">Home</a></li><li class="nav-item"><a class="nav-link" href="/messages">Messages <span class="badge">0</span></a></li><li class="nav-item"><a class="nav-link" href="/orders">Orders</a></li><li class="nav-item"><span class="nav-text balance">Balance: $ 4.73 / 0.00016300 BTC</span></li></ul></div></nav>
<div class="container"><table class="table exchange-table"><tr><th></th><th>Bitcoin</th><th>Monero</th></tr><tr><td>USD</td><td>%.0f</td><td>%.2f</td></tr><tr><td>EUR</td><td>%.0f</td><td>%.2f</td></tr></table></div>
<div class="container main">
`, esc(title), esc(m.info.Name), navCls, esc(m.info.Name), Rates["BTC"], Rates["XMR"], Rates["BTC"]/Rates["EUR"], Rates["XMR"]/Rates["EUR"])
}

func modernFoot(b *strings.Builder, m *market) {
	fmt.Fprintf(b, "</div>\n<footer class=\"footer\"><div class=\"container\">&copy; 2026 %s &middot; <a href=\"/faq\">FAQ</a> &middot; <a href=\"/pgp.txt\">PGP</a> &middot; Escrow and multisig available</div></footer></body></html>\n", esc(m.info.Name))
}

// modernSidebar lists the categories with links made by href.
func modernSidebar(b *strings.Builder, href func(c category) string) {
	b.WriteString(`<div class="col-md-3 sidebar"><div class="list-group"><div class="list-group-item active">Categories</div>`)
	parent := ""
	for _, c := range categories {
		if c.parent != parent {
			parent = c.parent
			fmt.Fprintf(b, `<div class="list-group-item parent">%s</div>`, esc(parent))
		}
		fmt.Fprintf(b, `<a class="list-group-item" href="%s">%s</a>`, href(c), esc(c.label))
	}
	b.WriteString("</div></div>\n")
}

// categoryOf returns the category with key k, or nil.
func categoryOf(k string) *category {
	for i := range categories {
		if categories[i].key == k {
			return &categories[i]
		}
	}
	return nil
}

// related returns up to n other visible listings for a listing page's "more from this
// vendor" (same vendor) or "related items" (same category, other vendors) block.
func (w *World) related(s *slot, sameVendor bool, n int) []*slot {
	var out []*slot
	for _, o := range w.visible(s.m, func(o *slot) bool {
		if o == s {
			return false
		}
		if sameVendor {
			return o.vendor == s.vendor
		}
		return o.vendor != s.vendor && o.p.cat == s.p.cat
	}) {
		out = append(out, o)
		if len(out) == n {
			break
		}
	}
	return out
}

// rows writes items in rows of three columns (<div class="row"><div class="col-md-4">...),
// the grid that bootstrap-based market software renders cards in.
func rows(b *strings.Builder, items []*slot, colCls string, card func(b *strings.Builder, s *slot)) {
	for i := 0; i < len(items); i += 3 {
		b.WriteString(`<div class="row">`)
		for _, s := range items[i:min(i+3, len(items))] {
			fmt.Fprintf(b, `<div class="%s">`, colCls)
			card(b, s)
			b.WriteString(`</div>`)
		}
		b.WriteString("</div>\n")
	}
}
