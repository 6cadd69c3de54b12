package extract

import (
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/darkwatch/darkwatch/extract/country"
	"github.com/darkwatch/darkwatch/extract/entity"
	"github.com/darkwatch/darkwatch/extract/price"
	"github.com/darkwatch/darkwatch/extract/quantity"
	"github.com/darkwatch/darkwatch/extract/substance"
)

// finishListing applies the post-processing common to all sources.
func (x *Extractor) finishListing(pc *pageCtx, prof *compiled, d *lDraft) Listing {
	l := d.l
	l.Market = pc.market
	if l.URL == "" {
		l.URL = pc.page.URL
	}
	// ID: market/key; key from the profile regex, else from the URL.
	key := l.ID
	if key == "" {
		key = listingKey(prof, l.URL)
	}
	if key == "" {
		l.Issues = append(l.Issues, Issue{Field: "id", Reason: "no listing key in URL"})
		key = shortHash(l.Title)
	}
	l.ID = l.Market + "/" + key

	// Vendor.
	if l.Vendor == "" && d.vendorURL != "" {
		l.Vendor = vendorKey(prof, d.vendorURL)
	}
	if l.Vendor != "" {
		l.VendorID = l.Market + "/" + l.Vendor
	}

	// Price: headline from the price text, else from the first offer.
	if d.price != "" {
		if m, ok := parsePrice(d.price, d.currency); ok {
			l.Price = toPrice(m)
			if l.Price.USD == 0 && l.Price.Amount > 0 {
				l.Issues = append(l.Issues, Issue{Field: "price", Reason: "no USD rate for " + m.Currency})
			}
		} else {
			l.Issues = append(l.Issues, Issue{Field: "price", Reason: "unparsed: " + truncate(d.price, 80)})
		}
	}
	// Offers (tiers).
	for _, o := range d.offers {
		off, ok := parseOffer(o, d.currency)
		if !ok {
			l.Issues = append(l.Issues, Issue{Field: "offers", Reason: "unparsed: " + truncate(o, 80)})
			continue
		}
		l.Offers = append(l.Offers, off)
	}
	if l.Price.Currency == "" && len(l.Offers) > 0 {
		l.Price = l.Offers[0].Price
	}
	// Headline quantity: the first tier when there are tiers (the headline price is the
	// first tier), else the quantity field, else the title.
	if len(l.Offers) > 0 && (l.Offers[0].Grams > 0 || l.Offers[0].Units > 0) && sameMoney(l.Offers[0].Price, l.Price) {
		o := l.Offers[0]
		l.Grams, l.Units, l.UnitPriceUSD = o.Grams, o.Units, o.UnitPriceUSD
	} else {
		qtext := d.quantity
		if qtext == "" {
			qtext = l.Title
		}
		if q, ok := quantity.Parse(qtext); ok {
			l.Grams, l.Units = q.Grams, q.Units
			if l.Price.USD > 0 {
				l.UnitPriceUSD = round2(quantity.UnitPrice(l.Price.USD, q))
			}
		}
	}

	// A count tier in generic units ("10 шт") takes the kind of unit the title names
	// ("ЛСД марки" -> blotter).
	if hint := countUnitHint(l.Title); hint != "" {
		for i := range l.Offers {
			if l.Offers[i].Unit == "unit" {
				l.Offers[i].Unit = hint
			}
		}
	}

	// Countries.
	l.ShipsFromRaw, l.ShipsToRaw = placeText(l.ShipsFromRaw), placeText(l.ShipsToRaw)
	if l.ShipsFromRaw != "" {
		l.ShipsFrom = country.Parse(l.ShipsFromRaw)
		if len(l.ShipsFrom) == 0 {
			l.Issues = append(l.Issues, Issue{Field: "ships_from", Reason: "no country in: " + truncate(l.ShipsFromRaw, 80)})
		}
	}
	if l.ShipsToRaw != "" {
		l.ShipsTo = country.Parse(l.ShipsToRaw)
		if len(l.ShipsTo) == 0 {
			l.Issues = append(l.Issues, Issue{Field: "ships_to", Reason: "no country in: " + truncate(l.ShipsToRaw, 80)})
		}
	}

	// Entities: contacts and addresses from the listing's own texts; PGP from key blocks.
	l.Entities = findEntities(l.Title + "\n" + l.Description + "\n" + d.contacts)
	if d.pgp != "" || strings.Contains(l.Description, "BEGIN PGP") {
		fps, err := entity.PGPFingerprints(d.pgp + "\n" + l.Description)
		if err != nil {
			l.Issues = append(l.Issues, Issue{Field: "pgp", Reason: truncate(err.Error(), 120)})
		}
		for _, fp := range fps {
			l.Entities = appendEntity(l.Entities, Entity{Kind: "pgp", Value: fp})
		}
	}

	// Substances.
	if x.tagger != nil {
		r := x.tagger.TagFields(substance.Fields{Title: l.Title, Description: l.Description, Category: l.Category})
		l.DrugOffer = r.DrugOffer
		// Policy (docs/extraction.md): a listing's substances are what it offers. A listing that
		// offers no drug (test kit, guide, scale, fraud item) has none, whatever drugs its text
		// names; those mentions stay findable through free-text search of title and description.
		if r.DrugOffer {
			for _, m := range r.Substances {
				l.Substances = append(l.Substances, Substance{Name: m.Name, Class: m.Class, Family: m.Family,
					Term: m.Term, Where: m.Where, Confidence: m.Confidence})
			}
		}
	}
	if l.Status == "" {
		l.Status = StatusActive
	}
	if !pc.page.FetchedAt.IsZero() {
		l.FirstSeen, l.LastSeen = pc.page.FetchedAt, pc.page.FetchedAt
	}
	l.Capture = pc.page.Capture
	return l
}

func (x *Extractor) finishVendor(pc *pageCtx, prof *compiled, d *vDraft) Vendor {
	v := d.v
	v.Market = pc.market
	if v.Handle == "" && v.URL != "" {
		v.Handle = vendorKey(prof, v.URL)
	}
	if v.Handle == "" {
		v.Issues = append(v.Issues, Issue{Field: "handle", Reason: "not found"})
	}
	v.ID = v.Market + "/" + v.Handle
	v.Markets = []string{v.Market}
	if d.rating != "" {
		if f, ok := firstNumber(d.rating); ok {
			v.Rating = f
		} else {
			v.Issues = append(v.Issues, Issue{Field: "rating", Reason: "unparsed: " + truncate(d.rating, 60)})
		}
	}
	if d.sales != "" {
		if f, ok := firstNumber(d.sales); ok {
			v.Sales = int(f)
		} else {
			v.Issues = append(v.Issues, Issue{Field: "sales", Reason: "unparsed: " + truncate(d.sales, 60)})
		}
	}
	if d.pgp != "" {
		fps, err := entity.PGPFingerprints(d.pgp)
		if err != nil {
			v.Issues = append(v.Issues, Issue{Field: "pgp", Reason: truncate(err.Error(), 120)})
		}
		v.PGP = fps
		if len(fps) == 0 && err == nil && strings.Contains(d.pgp, "BEGIN PGP") {
			v.Issues = append(v.Issues, Issue{Field: "pgp", Reason: "key block without fingerprint"})
		}
	}
	for _, e := range findEntities(d.contacts) {
		if e.Kind == "pgp" {
			continue
		}
		v.Entities = appendEntity(v.Entities, e)
	}
	if !pc.page.FetchedAt.IsZero() {
		v.FirstSeen, v.LastSeen = pc.page.FetchedAt, pc.page.FetchedAt
	}
	v.Capture = pc.page.Capture
	return v
}

// maxEntityText caps the text scanned for contacts and addresses per record.
const maxEntityText = 32 << 10

func findEntities(text string) []Entity {
	var out []Entity
	for _, e := range entity.Find(truncate(text, maxEntityText)) {
		out = appendEntity(out, Entity{Kind: e.Kind, Value: e.Value})
	}
	return out
}

func appendEntity(l []Entity, e Entity) []Entity {
	for _, x := range l {
		if x == e {
			return l
		}
	}
	return append(l, e)
}

var bareAmount = regexp.MustCompile(`(\d+(?:[.,]\d+)?)`)

// parsePrice parses a price text; a bare amount takes the default currency.
func parsePrice(s, def string) (price.Money, bool) {
	s = strings.ReplaceAll(s, "฿", " BTC ")
	if m, ok := price.Parse(s); ok {
		return m, true
	}
	if def != "" {
		if m := bareAmount.FindString(s); m != "" {
			f, err := strconv.ParseFloat(strings.ReplaceAll(m, ",", "."), 64)
			if err == nil {
				return price.Money{Amount: f, Currency: def}, true
			}
		}
	}
	return price.Money{}, false
}

func toPrice(m price.Money) Price {
	p := Price{Amount: m.Amount, Currency: m.Currency}
	if usd, r, ok := price.ToUSD(m); ok {
		p.USD, p.Rate, p.RateDate = usd, r.USD, r.Date
	}
	return p
}

// parseOffer reads one tier: "10 x 80mg ... $200" or "5 Each or more: 2.76 USD/Each".
func parseOffer(s, def string) (Offer, bool) {
	m, ok := parsePrice(s, def)
	if !ok {
		return Offer{}, false
	}
	o := Offer{Price: toPrice(m)}
	if q, ok := quantity.Parse(s); ok {
		o.Quantity = q.Count * q.Amount
		if q.Count > 1 && q.Amount > 0 {
			o.Quantity = q.Count
		}
		o.Unit, o.Grams, o.Units = q.Unit, q.Grams, q.Units
		if o.Price.USD > 0 {
			o.UnitPriceUSD = round2(quantity.UnitPrice(o.Price.USD, q))
		}
	}
	return o, true
}

// round2 rounds to cents (unit prices are USD).
func round2(f float64) float64 {
	return math.Round(f*100) / 100
}

func sameMoney(a, b Price) bool { return a.Currency == b.Currency && a.Amount == b.Amount }

var numberRe = regexp.MustCompile(`\d+(?:[.,]\d+)?`)

func firstNumber(s string) (float64, bool) {
	m := numberRe.FindString(s)
	if m == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(m, ",", "."), 64)
	return f, err == nil
}

// listingKey is the stable key of a listing URL: the profile's key regex, else URLKey.
func listingKey(prof *compiled, u string) string {
	if prof != nil && prof.key != nil {
		if m := prof.key.FindStringSubmatch(u); m != nil {
			return m[len(m)-1]
		}
	}
	return URLKey(u)
}

func vendorKey(prof *compiled, u string) string {
	if prof != nil && prof.vendorKey != nil {
		if m := prof.vendorKey.FindStringSubmatch(u); m != nil {
			if s, err := url.QueryUnescape(m[len(m)-1]); err == nil {
				return s
			}
			return m[len(m)-1]
		}
	}
	return vendorFromURL(u)
}

var vendorPathRe = regexp.MustCompile(`(?i)/(?:vendor|vendors|user|users|u|seller|sellers|profile|shop|store|member|members)/([^/?#]+)`)
var vendorParamRe = regexp.MustCompile(`(?i)[?&](?:u_id|user|vendor|seller|member|username|uid|shop)=([^&#]+)`)

// profileIDRe is a profile page named by an id parameter: "profile.php?id=60Agent",
// "/user?id=fred".
var profileIDRe = regexp.MustCompile(`(?i)/(?:vendor|user|seller|profile|shop|store|member)s?(?:\.php|\.html?|\.aspx?)?\?(?:[^#]*&)?(?:id|name)=([^&#]+)`)

// profileHandle is the handle a profile page's URL names: vendorFromURL's, else a
// non-numeric id of a profile page ("profile.php?id=60Agent"; a number is a row id, not
// a handle).
func profileHandle(u string) string {
	if h := vendorFromURL(u); h != "" {
		return h
	}
	m := profileIDRe.FindStringSubmatch(u)
	if m == nil {
		return ""
	}
	h, err := url.QueryUnescape(m[1])
	if err != nil {
		h = m[1]
	}
	if _, err := strconv.Atoi(h); err == nil {
		return ""
	}
	return h
}

// vendorFromURL extracts a handle from a vendor URL ("" if it does not look like one).
func vendorFromURL(u string) string {
	if m := vendorParamRe.FindStringSubmatch(u); m != nil {
		if s, err := url.QueryUnescape(m[1]); err == nil {
			return s
		}
		return m[1]
	}
	if m := vendorPathRe.FindStringSubmatch(u); m != nil {
		if s, err := url.PathUnescape(m[1]); err == nil {
			return s
		}
		return m[1]
	}
	return ""
}

func shortHash(s string) string {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return "h" + strconv.FormatUint(h, 36)
}

var countUnitRe = mustQuick(`(?i)(?:^|[\s(\[,;:/-])(blotters?|марк[аиу]?)(?:\s|$|[.,;:!)\]])`)

// countUnitHint is the count unit a title names for tiers counted in generic pieces:
// "ЛСД марки" or "LSD blotters" -> blotter ("" if none).
func countUnitHint(title string) string {
	low := strings.ToLower(title)
	if !strings.Contains(low, "blotter") && !strings.Contains(low, "марк") {
		return ""
	}
	if countUnitRe.MatchString(title) {
		return "blotter"
	}
	return ""
}
