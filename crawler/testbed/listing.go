package testbed

import (
	"fmt"
	"math"
	"strconv"

	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/extract/substance"
)

// slot is the day-independent skeleton of one listing, derived from (seed, market, index).
type slot struct {
	m        *market
	i        int
	key      string
	prod     int
	p        *product
	vendor   *vendor
	title    string
	desc     string
	from     country
	to       []country
	city     int
	district int
	drops    []string
	firstDay int
	goneDay  int     // 0 = never
	soldDay  int     // 0 = never
	price0   float64 // USD per unit at day 1 (first tier)
}

// listingKey is the key of listing i in URLs and ids.
func (m *market) listingKey(i int) string {
	switch m.family {
	case FamilyForum:
		return strconv.Itoa(70000 + i*3 + m.idx%3)
	case FamilyRUShop:
		return strconv.Itoa(5000 + i)
	case FamilyShop:
		return fmt.Sprintf("p%d", 100+i)
	case FamilyGrid:
		return gridKey(m, i)
	case FamilyTabs:
		return tabsKeys.key(i)
	case FamilyStore:
		return storeKeys.key(i)
	case FamilyVault:
		return vaultIDs.key(i) // and the title's slug: slot sets vaultKey
	}
	return strconv.Itoa(100000 + i*7)
}

// listingIndex inverts listingKey.
func (m *market) listingIndex(key string) (int, bool) {
	var n int
	var err error
	switch m.family {
	case FamilyGrid:
		return gridIndex(m, key)
	case FamilyTabs:
		return tabsKeys.index(key)
	case FamilyStore:
		return storeKeys.index(key)
	case FamilyVault:
		return vaultIndex(key) // the slug is checked by lookup
	case FamilyShop:
		if len(key) < 2 || key[0] != 'p' {
			return 0, false
		}
		n, err = strconv.Atoi(key[1:])
		n -= 100
	case FamilyForum:
		n, err = strconv.Atoi(key)
		if err == nil && (n-70000)%3 != m.idx%3 {
			return 0, false
		}
		n = (n - 70000) / 3
	case FamilyRUShop:
		n, err = strconv.Atoi(key)
		n -= 5000
	default:
		n, err = strconv.Atoi(key)
		if err == nil && (n-100000)%7 != 0 {
			return 0, false
		}
		n = (n - 100000) / 7
	}
	if err != nil || n < 0 || m.listingKey(n) != key {
		return 0, false
	}
	return n, true
}

// total returns how many listing slots exist up to day d.
func (m *market) total(d int) int { return m.n + (d-1)*m.add }

// slot builds listing i of market m.
func (w *World) slot(m *market, i int) *slot {
	seed := w.opts.Seed
	r := rng(seed, "listing", m.info.Name, i)
	s := &slot{m: m, i: i, key: m.listingKey(i), firstDay: 1}
	if i >= m.n {
		s.firstDay = 2 + (i-m.n)/m.add
	}
	j := -1
	if i >= m.n {
		j = (i - m.n) % m.add
	}
	// product
	switch {
	case s.firstDay == m.novelDay && j == m.add-1:
		s.prod = m.novel
	default:
		for {
			s.prod = r.IntN(len(catalog))
			if s.prod != m.novel && w.familySells(m, s.prod) {
				break
			}
		}
	}
	s.p = &catalog[s.prod]
	// vendor
	active := 0
	for _, v := range m.vendors {
		if v.firstDay == 1 {
			active++
		}
	}
	switch {
	case i < active:
		s.vendor = m.vendors[i]
	case j == 0 && m.family != FamilyShop:
		s.vendor = m.vendors[active+s.firstDay-2]
	default:
		n := active
		for _, v := range m.vendors[active:] {
			if v.firstDay <= s.firstDay {
				n++
			}
		}
		s.vendor = m.vendors[r.IntN(n)]
	}
	// text
	p := s.p
	s.title = p.titles[r.IntN(len(p.titles))]
	if m.family == FamilyVault {
		s.key = vaultKey(s) // the product URL carries a slug of the title
	}
	s.desc = p.descs[r.IntN(len(p.descs))]
	extra := []string{" Stealth vacuum sealed, tracking included.", " Reship policy see profile.", " 🚀 Fast dispatch Mon-Fri.", " Bulk discounts on request.", ""}
	s.desc += extra[r.IntN(len(extra))]
	if m.family == FamilyRUShop {
		s.title = p.ruTitle
		s.desc = ruDescs[r.IntN(len(ruDescs))]
		s.city = r.IntN(len(ruCities))
		s.district = r.IntN(len(ruCities[s.city].districts))
		s.drops = []string{ruDrops[r.IntN(2)]}
		if r.IntN(2) == 0 {
			s.drops = append(s.drops, ruDrops[2+r.IntN(2)])
		}
		s.from = country{"RU", "Россия"}
		s.to = []country{{"RU", "Россия"}}
	} else {
		s.from = countries[r.IntN(len(countries))]
		switch r.IntN(3) {
		case 0:
			s.to = []country{worldwide}
		case 1:
			s.to = []country{s.from}
		default:
			o := countries[r.IntN(len(countries))]
			s.to = []country{s.from}
			if o != s.from {
				s.to = append(s.to, o)
			}
		}
	}
	// life
	if i >= active && j != 0 && r.Float64() < 0.06 { // a new vendor's first listing stays
		s.goneDay = s.firstDay + 1 + r.IntN(5)
	}
	if r.Float64() < 0.05 {
		s.soldDay = s.firstDay + r.IntN(5)
	}
	s.price0 = p.usd * (0.8 + 0.4*r.Float64())
	return s
}

var ruDescs = []string{
	"Качество проверено. Клад в указанном районе, фото и координаты после оплаты.",
	"Чистый продукт, без бодяги. Перезаклад при ненаходе по фото.",
	"Лучший товар в городе! Отзывы в шопе. Оплата BTC.",
}

// gone reports whether the listing is removed on day d.
func (s *slot) gone(d int) bool { return s.goneDay != 0 && d >= s.goneDay }

// visible reports whether the listing exists (active or sold out) on day d.
func (s *slot) visible(d int) bool { return d >= s.firstDay && !s.gone(d) }

func (s *slot) soldOut(d int) bool { return s.soldDay != 0 && d >= s.soldDay }

// factor is the price multiplier on day d: some listings change price on some days.
func (w *World) factor(s *slot, d int) float64 {
	f := 1.0
	for k := 2; k <= d; k++ {
		if h64(w.opts.Seed, "price", s.m.info.Name, s.i, k)%100 < 7 {
			f *= []float64{0.85, 0.9, 1.1, 1.2}[h64(w.opts.Seed, "pricef", s.m.info.Name, s.i, k)%4]
		}
	}
	return f
}

// roundFor rounds an amount the way the market shows it.
func roundFor(cur string, v float64) float64 {
	switch cur {
	case "RUB":
		return math.Round(v/10) * 10
	case "BTC":
		return math.Round(v*1e6) / 1e6
	case "XMR":
		return math.Round(v*1e4) / 1e4
	}
	return math.Round(v*100) / 100
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func mkPrice(amount float64, cur string) extract.Price {
	rate := Rates[cur]
	return extract.Price{Amount: amount, Currency: cur, USD: round2(amount * rate), Rate: rate, RateDate: RateDate}
}

// offers returns the quantity tiers of the listing on day d in the market currency.
func (w *World) offers(s *slot, d int) []extract.Offer {
	cur := s.m.currency
	f := w.factor(s, d)
	var out []extract.Offer
	for k, q := range s.p.tiers {
		disc := 1 - 0.05*float64(k) // volume discount
		usd := s.price0 * q * disc * f
		amt := roundFor(cur, usd/Rates[cur])
		o := extract.Offer{Quantity: q, Unit: s.p.unit, Price: mkPrice(amt, cur)}
		if s.p.unit == "g" {
			o.Grams = q
		} else {
			o.Units = q
		}
		o.UnitPriceUSD = round2(o.Price.USD / q)
		out = append(out, o)
	}
	return out
}

// record returns the truth listing for slot s on day d.
func (w *World) record(s *slot, d int) extract.Listing {
	m := s.m
	l := extract.Listing{
		ID:          m.info.Name + "/" + s.key,
		Market:      m.info.Name,
		URL:         m.info.URL + w.listingPath(s),
		Title:       s.title,
		Description: w.description(s, d),
		Category:    w.categoryLabel(s),
		VendorID:    m.info.Name + "/" + s.vendor.handle,
		Vendor:      s.vendor.handle,
		DrugOffer:   s.p.drug,
		Status:      extract.StatusActive,
	}
	if s.soldOut(d) {
		l.Status = extract.StatusSoldOut
	}
	l.Offers = w.offers(s, d)
	head := l.Offers[0]
	l.Price = head.Price
	l.Grams, l.Units = head.Grams, head.Units
	l.UnitPriceUSD = head.UnitPriceUSD
	l.ShipsFrom = []string{s.from.code}
	l.ShipsFromRaw = s.from.name
	var toRaw string
	for k, c := range s.to {
		l.ShipsTo = append(l.ShipsTo, c.code)
		if k > 0 {
			toRaw += ", "
		}
		toRaw += c.name
	}
	l.ShipsToRaw = toRaw
	if m.family == FamilyStore || m.family == FamilyTabs {
		l.ShipsToRaw = shipsToRaw(s) // "Worldwide except X" where the page says so
	}
	if s.p.drug {
		for _, name := range s.p.subs {
			c, ok := substance.LookupCanon(name)
			if !ok {
				panic("testbed: substance not canonical: " + name)
			}
			l.Substances = append(l.Substances, extract.Substance{Name: c.Name, Class: c.Class, Family: c.Family})
		}
	}
	l.Entities = w.listingEntities(s)
	return l
}

func (w *World) categoryLabel(s *slot) string {
	switch s.m.family {
	case FamilyRUShop:
		return ruCategory[s.p.cat]
	case FamilyForum:
		return forumBoard(s.p.cat)
	case FamilyShop:
		return shopCategory[s.p.cat]
	}
	return categoryByKey(s.p.cat).label // classic, grid, tabs, store, vault: the leaf label
}
