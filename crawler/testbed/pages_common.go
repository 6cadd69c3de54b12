package testbed

import (
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"

	"github.com/darkwatch/darkwatch/extract"
)

// page is a rendered response.
type page struct {
	status  int
	ctype   string // default text/html; charset=utf-8
	body    []byte
	headers map[string]string
}

var esc = html.EscapeString

func qty(q float64) string { return strconv.FormatFloat(q, 'f', -1, 64) }

func unitLabel(unit string, q float64, lang string) string {
	if lang == "ru" {
		switch unit {
		case "g":
			return "г"
		default:
			return "шт"
		}
	}
	switch unit {
	case "g":
		return "g"
	case "pill":
		if q == 1 {
			return "pill"
		}
		return "pills"
	case "tab":
		return "tabs"
	case "blotter":
		if q == 1 {
			return "blotter"
		}
		return "blotters"
	}
	if q == 1 {
		return "unit"
	}
	return "units"
}

func money(cur string, v float64) string {
	switch cur {
	case "USD":
		return "$" + strconv.FormatFloat(v, 'f', 2, 64)
	case "EUR":
		return "€" + strconv.FormatFloat(v, 'f', 2, 64)
	case "GBP":
		return "£" + strconv.FormatFloat(v, 'f', 2, 64)
	case "RUB":
		// 3 500 руб. (space as thousands separator)
		return groupThousands(strconv.FormatFloat(v, 'f', 0, 64), ' ') + " руб."
	}
	return strconv.FormatFloat(v, 'f', -1, 64) + " " + cur
}

// groupThousands puts sep between the groups of three digits of digits ("1375" -> "1,375").
func groupThousands(digits string, sep byte) string {
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// allSlots returns the day-independent listing skeletons of a market up to today, built
// on first use (a few hundred bytes each; pages are rendered on demand).
func (w *World) allSlots(m *market) []*slot {
	m.slotsOnce.Do(func() {
		n := m.total(w.opts.Day)
		m.slots = make([]*slot, n)
		for i := range n {
			m.slots[i] = w.slot(m, i)
		}
	})
	return m.slots
}

// visible returns the slots visible today, in index order, filtered by keep.
func (w *World) visible(m *market, keep func(*slot) bool) []*slot {
	var out []*slot
	for _, s := range w.allSlots(m) {
		if s.visible(w.opts.Day) && (keep == nil || keep(s)) {
			out = append(out, s)
		}
	}
	return out
}

func (w *World) listingPath(s *slot) string {
	switch s.m.family {
	case FamilyForum:
		return "post/" + s.key
	case FamilyRUShop, FamilyShop:
		return "product/" + s.key
	case FamilyGrid:
		return "listing?pid=" + s.key
	case FamilyTabs:
		return "item/" + s.key
	case FamilyStore:
		return "offer/" + s.key
	case FamilyVault:
		return "product/" + s.key
	}
	return "listing/" + s.key
}

func vendorPath(v *vendor) string {
	switch v.m.family {
	case FamilyForum:
		return "u/" + url.PathEscape(v.handle)
	case FamilyRUShop:
		return "shop/" + url.PathEscape(v.handle)
	case FamilyShop:
		return "contact"
	case FamilyGrid:
		return "profile?id=" + url.QueryEscape(v.handle)
	case FamilyStore:
		return "store/" + url.PathEscape(v.handle)
	case FamilyVault:
		return "vendors/" + url.PathEscape(v.handle)
	}
	return "vendor/" + url.PathEscape(v.handle) // classic, tabs
}

func (m *market) vendorByHandle(h string, day int) *vendor {
	for _, v := range m.vendors {
		if v.handle == h && v.firstDay <= day {
			return v
		}
	}
	return nil
}

// pager writes page links 1..n for base (which must end with ? or &).
func pager(b *strings.Builder, base string, cur, n int) {
	if n <= 1 {
		return
	}
	b.WriteString(`<div class="pagination">`)
	if cur > 1 {
		fmt.Fprintf(b, `<a class="prev" href="%spage=%d">&laquo; Prev</a> `, base, cur-1)
	}
	for p := 1; p <= n; p++ {
		if p == cur {
			fmt.Fprintf(b, `<span class="current">%d</span> `, p)
		} else {
			fmt.Fprintf(b, `<a href="%spage=%d">%d</a> `, base, p, p)
		}
	}
	if cur < n {
		fmt.Fprintf(b, `<a class="next" href="%spage=%d">Next &raquo;</a>`, base, cur+1)
	}
	b.WriteString(`</div>`)
}

func pageOf(q url.Values) int {
	p, err := strconv.Atoi(q.Get("page"))
	if err != nil || p < 1 {
		return 1
	}
	return p
}

func pageSlice(all []*slot, page, per int) ([]*slot, int) {
	n := (len(all) + per - 1) / per
	lo := (page - 1) * per
	if lo >= len(all) {
		return nil, n
	}
	return all[lo:min(lo+per, len(all))], n
}

func notFound(msg string) *page {
	return &page{status: 404, body: []byte("<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>" + esc(msg) + "</p></body></html>")}
}

func ok(b *strings.Builder) *page { return &page{status: 200, body: []byte(b.String())} }

// vendorRecord is the truth vendor.
func (w *World) vendorRecord(v *vendor) extract.Vendor {
	m := v.m
	out := extract.Vendor{
		ID: m.info.Name + "/" + v.handle, Market: m.info.Name, Handle: v.handle,
		URL: m.info.URL + vendorPath(v), Actor: v.actor.id,
	}
	switch m.family {
	case FamilyClassic, FamilyGrid, FamilyVault:
		out.Level, out.Rating, out.Sales = v.level, v.rating, v.sales
	case FamilyRUShop, FamilyTabs, FamilyStore:
		out.Rating, out.Sales = v.rating, v.sales
	}
	k := w.key(v)
	out.PGP = []string{k.Fingerprint}
	if m.family != FamilyVault { // Monero only
		out.Entities = append(out.Entities, extract.Entity{Kind: "btc", Value: v.btc})
	}
	if m.family == FamilyClassic || m.family == FamilyShop || m.family == FamilyGrid || m.family == FamilyStore || m.family == FamilyVault {
		out.Entities = append(out.Entities, extract.Entity{Kind: "xmr", Value: v.xmr})
	}
	out.Entities = append(out.Entities, v.contacts...)
	return out
}

func (w *World) key(v *vendor) *pgpKey {
	k, err := newPGPKey(w.opts.Seed, v.keyLabel, v.keyName)
	if err != nil {
		panic(err) // deterministic generation from a fixed reader cannot fail
	}
	return k
}

// listingEntities are the entities shown on the listing page itself.
func (w *World) listingEntities(s *slot) []extract.Entity {
	if s.m.family != FamilyForum {
		return nil
	}
	v := s.vendor
	out := []extract.Entity{{Kind: "pgp", Value: w.key(v).Fingerprint}, {Kind: "btc", Value: v.btc}}
	return append(out, v.contacts...)
}

func contactLine(e extract.Entity) string {
	switch e.Kind {
	case "telegram":
		return "Telegram: @" + e.Value
	case "session":
		return "Session: " + e.Value
	case "wickr":
		return "Wickr: " + e.Value
	case "threema":
		return "Threema: " + strings.ToUpper(e.Value)
	case "xmpp":
		return "XMPP: " + e.Value
	}
	return e.Kind + ": " + e.Value
}
