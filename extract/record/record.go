package record

import "time"

// Kinds of record, as printed by `darkwatch extract --json` in the "kind" field, and
// kinds of page (the extractor's Result.Kind): a page's kind tells the store whether its
// listings are full records or partial ones read from cards (index.ToStore).
const (
	KindListing      = "listing"
	KindVendor       = "vendor"
	KindInterstitial = "interstitial"
	KindNotFound     = "not_found"
	KindCategory     = "category"
	KindSearch       = "search"
	KindForumThread  = "forum_thread"
	KindOther        = "other"
	// KindPart is the kind of a listing's tab sub-page (extract.PartOf): its one record,
	// keyed like the listing, carries only what the tab shows (where it ships).
	KindPart = "part"
)

// Interstitial types.
const (
	InterstitialLogin   = "login"
	InterstitialCaptcha = "captcha"
	InterstitialQueue   = "queue"   // DDoS queue / anti-DDoS wait page
	InterstitialBlocked = "blocked" // a ban or strike notice: the market refuses this client
)

// Listing statuses.
const (
	StatusActive  = "active"
	StatusSoldOut = "sold_out"
	StatusGone    = "gone"
)

// Price is an amount in a currency, with its USD value and the rate used.
// A zero Price (Currency == "") means "no price found".
type Price struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`            // ISO 4217 or crypto ticker: USD EUR GBP AUD CAD RUB BTC XMR LTC
	USD      float64 `json:"usd"`                 // Amount converted to USD
	Rate     float64 `json:"rate,omitempty"`      // USD per 1 unit of Currency used for USD
	RateDate string  `json:"rate_date,omitempty"` // YYYY-MM-DD of the rate table
}

// Offer is one quantity tier of a listing ("10 x 80mg for $200").
type Offer struct {
	Quantity     float64 `json:"quantity"`        // as written: 10
	Unit         string  `json:"unit"`            // normalised unit: g, mg, kg, oz, lb, ml, pill, tab, blotter, unit
	Grams        float64 `json:"grams,omitempty"` // total weight in grams when the unit is a mass
	Units        float64 `json:"units,omitempty"` // total count when the unit is a count (pills, tabs, blotters)
	Price        Price   `json:"price"`
	UnitPriceUSD float64 `json:"unit_price_usd,omitempty"` // USD per gram, or per unit for counts
}

// Substance is one substance found in a listing or text.
type Substance struct {
	Name       string  `json:"name"`             // canonical name, lower case: "fentanyl", "metonitazene"
	Class      string  `json:"class"`            // DESIGN.md §10 class: opioid, stimulant, ...
	Family     string  `json:"family,omitempty"` // NPS family; empty for classic drugs
	Term       string  `json:"term,omitempty"`   // the matched text as it appears (normalised to lower case)
	Where      string  `json:"where,omitempty"`  // title, description, category
	Confidence float64 `json:"confidence,omitempty"`
}

// Entity is an identifier found in a page: a PGP fingerprint, a crypto address or a contact.
// Kinds: pgp, btc, xmr, ltc, eth, telegram, session, wickr, threema, xmpp, email.
type Entity struct {
	Kind  string `json:"kind"`
	Value string `json:"value"` // normalised: upper-case hex fingerprint, address as-is, handle lower case
}

// Capture references the raw evidence a record was extracted from.
type Capture struct {
	WARC     string    `json:"warc,omitempty"`      // WARC file name
	RecordID string    `json:"record_id,omitempty"` // WARC-Record-ID
	SHA256   string    `json:"sha256,omitempty"`    // hex SHA-256 of the HTTP response payload
	Time     time.Time `json:"time,omitempty"`
}

// Issue is a field that could not be parsed. One bad field never drops a record.
type Issue struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Listing is one offer on a market (or an offer thread on a forum).
type Listing struct {
	ID           string      `json:"id"` // market/listing-key, stable across crawls
	Market       string      `json:"market"`
	URL          string      `json:"url,omitempty"`
	Title        string      `json:"title"`
	Description  string      `json:"description,omitempty"`
	Category     string      `json:"category,omitempty"`
	Price        Price       `json:"price"`            // headline price (first / smallest tier)
	Offers       []Offer     `json:"offers,omitempty"` // quantity tiers
	Grams        float64     `json:"grams,omitempty"`  // weight of the headline offer in grams
	Units        float64     `json:"units,omitempty"`  // count of the headline offer (pills...)
	UnitPriceUSD float64     `json:"unit_price_usd,omitempty"`
	VendorID     string      `json:"vendor_id,omitempty"`  // market/handle
	Vendor       string      `json:"vendor,omitempty"`     // handle as shown
	ShipsFrom    []string    `json:"ships_from,omitempty"` // ISO 3166-1 alpha-2, or "WW" for worldwide
	ShipsFromRaw string      `json:"ships_from_raw,omitempty"`
	ShipsTo      []string    `json:"ships_to,omitempty"`
	ShipsToRaw   string      `json:"ships_to_raw,omitempty"`
	Substances   []Substance `json:"substances,omitempty"`
	DrugOffer    bool        `json:"drug_offer"`
	Entities     []Entity    `json:"entities,omitempty"`
	Status       string      `json:"status,omitempty"`
	FirstSeen    time.Time   `json:"first_seen,omitzero"`
	LastSeen     time.Time   `json:"last_seen,omitzero"`
	Capture      *Capture    `json:"capture,omitempty"`
	Issues       []Issue     `json:"issues,omitempty"`
	// Activity is what a card shows of the listing's activity (a forum thread list: reply
	// count, last post), as shown. A crawl compares it between days to tell a changed
	// thread without fetching it.
	Activity string `json:"activity,omitempty"`
}

// Vendor is a seller on one market. Actor links the same operator across markets.
type Vendor struct {
	ID          string    `json:"id"` // market/handle
	Market      string    `json:"market"`
	Handle      string    `json:"handle"`
	DisplayName string    `json:"display_name,omitempty"`
	URL         string    `json:"url,omitempty"`
	Level       string    `json:"level,omitempty"`
	Rating      float64   `json:"rating,omitempty"`
	Sales       int       `json:"sales,omitempty"`
	PGP         []string  `json:"pgp,omitempty"`      // full fingerprints, upper-case hex
	Entities    []Entity  `json:"entities,omitempty"` // contacts and crypto addresses
	Markets     []string  `json:"markets,omitempty"`
	Substances  []string  `json:"substances,omitempty"`
	Actor       string    `json:"actor,omitempty"`
	FirstSeen   time.Time `json:"first_seen,omitzero"`
	LastSeen    time.Time `json:"last_seen,omitzero"`
	Capture     *Capture  `json:"capture,omitempty"`
	Issues      []Issue   `json:"issues,omitempty"`
}

// Observation is one sighting of a listing: append-only price and availability history.
type Observation struct {
	ListingID string    `json:"listing_id"`
	Market    string    `json:"market"`
	Time      time.Time `json:"time"`
	Price     Price     `json:"price"`
	Status    string    `json:"status"`
	Capture   *Capture  `json:"capture,omitempty"`
}

// Interstitial is a page that stands between the crawler and the market: a login wall,
// a CAPTCHA, a DDoS queue or a ban/strike notice.
type Interstitial struct {
	Type   string `json:"type"`
	Market string `json:"market,omitempty"`
	URL    string `json:"url,omitempty"`
}
