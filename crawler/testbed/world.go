package testbed

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/darkwatch/darkwatch/extract"
)

// Market families.
const (
	FamilyClassic = "classic" // Dream/Empire style market
	FamilyRUShop  = "rushop"  // Hydra style Russian shop market
	FamilyForum   = "forum"   // Dread style forum
	FamilyShop    = "shop"    // single-vendor shop
	FamilyGrid    = "grid"    // Bohemia/WeTheNorth style: bootstrap card grid, dt/dd details, related items
	FamilyTabs    = "tabs"    // ASAP/Berlusconi style: listing details spread over tab sub-pages
	FamilyStore   = "store"   // multi-vendor stores: "@handle" store links, shipping in sentences
	FamilyVault   = "vault"   // Monero-only escrow markets (Kingdom/Archetype style): listing tables, XMR prices, trust levels; written blind (held out)
)

// Families in the order markets cycle through them. The first four have embedded extraction
// profiles; grid, tabs, store and vault have none (they exercise profile-free extraction;
// vault was written without reading the extraction rules, a held-out measurement).
var Families = []string{FamilyClassic, FamilyRUShop, FamilyForum, FamilyShop, FamilyGrid, FamilyTabs, FamilyStore, FamilyVault}

// Fault modes.
const (
	FaultsNone    = "none"
	FaultsOnion   = "onion"
	FaultsHostile = "hostile"
)

// Rates is the fixed USD rate table (USD per 1 unit of currency) used for every price in the
// truth. RateDate is its date.
var Rates = map[string]float64{
	"USD": 1, "EUR": 1.08, "GBP": 1.27, "AUD": 0.66, "CAD": 0.74, "RUB": 0.011,
	"BTC": 60000, "XMR": 150, "LTC": 80,
}

// RateDate is the date of Rates.
const RateDate = "2026-01-01"

// MaxDay is the last simulated day.
const MaxDay = 60

// Options configure a World. Zero values mean defaults.
type Options struct {
	Seed      int64
	Day       int     // 1, 2, 3...; 0 means 1
	Markets   int     // number of markets; 0 means 4 (classic, rushop, forum, shop); 8 gives one per family; more cycle the families
	Listings  int     // listings per market on day 1; 0 means 200
	Faults    string  // none (default), onion, hostile
	TimeScale float64 // multiplies every simulated delay; 0 means 1
	// HostileConcurrency is k: with hostile faults, a host answers 429 above k concurrent
	// requests. 0 means 4.
	HostileConcurrency int
	// Traps adds what real markets do that costs a crawler requests (traps.go): links that
	// redirect to the login page, message forms behind a CAPTCHA, a vendor search answering
	// 500, action links; the truth then states each market's min_requests.
	Traps  bool
	Logger *slog.Logger
}

// MarketInfo describes one simulated market.
type MarketInfo struct {
	Name     string   `json:"name"`
	Family   string   `json:"family"`
	Host     string   `json:"host"`             // <56 chars>.onion
	URL      string   `json:"url"`              // http://<host>/
	Cookie   string   `json:"cookie,omitempty"` // "name=value" session cookie required with hostile faults
	Currency string   `json:"currency"`         // currency of headline prices
	Listings int      `json:"listings"`         // listings (active or sold out) on this day
	Traps    []string `json:"traps,omitempty"`  // trap URLs linked from the front page (hostile faults)
	// Unreachable: with onion or hostile faults every CONNECT to this market fails with 0xF0
	// (one market in ten: index 9, 19, ...).
	Unreachable bool `json:"unreachable,omitempty"`
	// MinRequests (with Options.Traps) is the number of requests that sees every listing
	// and vendor page of the market today (see minRequests in traps.go).
	MinRequests int `json:"min_requests,omitempty"`
}

// Actor is one operator behind one or more vendor accounts.
type Actor struct {
	ID      string   `json:"id"`
	Vendors []string `json:"vendors"`        // vendor ids (market/handle)
	Link    string   `json:"link,omitempty"` // what links the accounts: pgp, btc, contact
}

// Alert kinds.
const (
	AlertNewVendor         = "new_vendor"
	AlertNewSubstance      = "new_substance"
	AlertVendorOnNewMarket = "vendor_on_new_market"
	AlertPriceChange       = "price_change"
	AlertListingGone       = "listing_gone"
)

// Alert is an event expected on this day against the previous day.
type Alert struct {
	Kind    string `json:"kind"`
	Market  string `json:"market"`
	Subject string `json:"subject"` // vendor id, substance name, actor id or listing id
}

// Truth is the ground truth of one day.
type Truth struct {
	Seed     int64              `json:"seed"`
	Day      int                `json:"day"`
	Rates    map[string]float64 `json:"rates"`
	RateDate string             `json:"rate_date"`
	Markets  []MarketInfo       `json:"markets"`
	Listings []extract.Listing  `json:"listings"`
	Vendors  []extract.Vendor   `json:"vendors"`
	Actors   []Actor            `json:"actors"`
	Alerts   []Alert            `json:"alerts"`
}

// World is the simulated set of markets for one seed and day. Safe for concurrent use.
type World struct {
	opts    Options
	markets []*market
	byHost  map[string]*market
	actors  []*actor
	log     *slog.Logger

	statsOnce sync.Once
	stats     *stats
	faults    faultState
	reqs      reqCounter // renders per path: the markup variant of grid, tabs, store and vault pages
	guard     reqCounter // requests per path through the vault family's DDoS filter
	trapsMu   sync.Mutex
	trapIdx   map[string]*trapIndex
}

type market struct {
	idx      int
	info     MarketInfo
	key      onionKey
	family   string
	n        int // base listings
	add      int // listings added per day from day 2
	vendors  []*vendor
	novel    int // catalog index of the product first appearing on novelDay
	novelDay int
	currency string
	cookie   string

	slotsOnce sync.Once
	slots     []*slot
}

type actor struct {
	id      string
	idx     int
	handle  string
	link    string
	shared  bool
	vendors []*vendor
}

type vendor struct {
	m        *market
	idx      int
	handle   string
	actor    *actor
	firstDay int
	level    string
	rating   float64
	sales    int
	keyLabel string // pgp key label
	keyName  string // user id of the pgp key
	btc      string
	xmr      string
	contacts []extract.Entity
	terms    string
}

var marketNames = map[string][]string{
	FamilyClassic: {"nightbazaar", "empyrean", "oldsilk", "helix", "zocalo"},
	FamilyRUShop:  {"gidra", "solaris", "kraken", "omgshop", "blacksprut"},
	FamilyForum:   {"dreadnought", "thehub", "rutor", "pitch", "envoy"},
	FamilyShop:    {"bluepharm", "dutchcandy", "nordicplug", "chemlab", "ukdirect"},
	FamilyGrid:    {"cobaltgrid", "tessera", "mosaico", "quadrant", "lattice"},
	FamilyTabs:    {"tabula", "asterion", "versus", "ikarion", "nemeton"},
	FamilyStore:   {"freeport", "kiosko", "stallion", "arcadia", "bazaarly"},
	FamilyVault:   {"ironvault", "monarca", "kestrel", "tollhouse", "greyhaven"},
}

var marketCurrency = map[string]string{FamilyClassic: "USD", FamilyRUShop: "RUB", FamilyForum: "USD", FamilyShop: "EUR",
	FamilyGrid: "USD", FamilyTabs: "USD", FamilyStore: "EUR", FamilyVault: "XMR"}

// h64 hashes labels to a uint64.
func h64(labels ...any) uint64 {
	h := sha256.New()
	fmt.Fprint(h, labels...)
	var s [32]byte
	return binary.LittleEndian.Uint64(h.Sum(s[:0]))
}

// rng returns a deterministic generator for the labels.
func rng(labels ...any) *rand.Rand {
	h := sha256.New()
	fmt.Fprint(h, labels...)
	var s [32]byte
	sum := h.Sum(s[:0])
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum), binary.LittleEndian.Uint64(sum[8:])))
}

// New builds the world. It does no I/O; listing pages are generated on demand.
func New(opts Options) (*World, error) {
	if opts.Day <= 0 {
		opts.Day = 1
	}
	if opts.Markets <= 0 {
		opts.Markets = 4
	}
	if opts.Listings <= 0 {
		opts.Listings = 200
	}
	if opts.Faults == "" {
		opts.Faults = FaultsNone
	}
	switch opts.Faults {
	case FaultsNone, FaultsOnion, FaultsHostile:
	default:
		return nil, fmt.Errorf("testbed: unknown faults mode %q (want none, onion or hostile)", opts.Faults)
	}
	if opts.TimeScale <= 0 {
		opts.TimeScale = 1
	}
	if opts.HostileConcurrency <= 0 {
		opts.HostileConcurrency = 4
	}
	if opts.Day > MaxDay {
		return nil, fmt.Errorf("testbed: day %d out of range 1..%d", opts.Day, MaxDay)
	}
	if opts.Markets > 1000 || opts.Listings > 1000000 {
		return nil, fmt.Errorf("testbed: too large (markets %d, listings %d)", opts.Markets, opts.Listings)
	}
	w := &World{opts: opts, byHost: map[string]*market{}, log: opts.Logger}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	seed := opts.Seed
	// Shared actors: operators present on several markets.
	const nShared = 6
	for k := 0; k < nShared; k++ {
		r := rng(seed, "actor", k)
		a := &actor{id: fmt.Sprintf("actor-%d", k), idx: k, shared: true,
			handle: handleA[r.IntN(len(handleA))] + handleB[r.IntN(len(handleB))],
			link:   []string{"pgp", "btc", "contact"}[k%3]}
		w.actors = append(w.actors, a)
	}
	for i := 0; i < opts.Markets; i++ {
		fam := Families[i%len(Families)]
		names := marketNames[fam]
		name := names[(i/len(Families))%len(names)]
		if round := i / (len(Families) * len(names)); round > 0 {
			name = fmt.Sprintf("%s%d", name, round+1)
		}
		m := &market{idx: i, family: fam, key: newOnionKey(seed, name), currency: marketCurrency[fam]}
		m.n = opts.Listings
		m.add = max(1, m.n/50)
		host := m.key.addr + ".onion"
		m.cookie = fmt.Sprintf("dwsess=%x", seedBytes(12, seed, "cookie", name))
		m.info = MarketInfo{Name: name, Family: fam, Host: host, URL: "http://" + host + "/", Currency: m.currency}
		m.info.Unreachable = opts.Faults != FaultsNone && i%10 == 9
		if opts.Faults == FaultsHostile {
			m.info.Cookie = m.cookie
			for _, t := range Traps {
				m.info.Traps = append(m.info.Traps, "http://"+host+t)
			}
		}
		w.markets = append(w.markets, m)
		w.byHost[host] = m
	}
	for _, m := range w.markets {
		w.buildVendors(m)
		w.pickNovel(m)
	}
	for _, m := range w.markets {
		m.info.Listings = len(w.visible(m, nil))
	}
	return w, nil
}

func (w *World) buildVendors(m *market) {
	seed := w.opts.Seed
	maxDay := MaxDay // vendors for days up to this are precomputed (small)
	addVendor := func(a *actor, firstDay int) {
		v := &vendor{m: m, idx: len(m.vendors), actor: a, firstDay: firstDay}
		r := rng(seed, "vendor", m.info.Name, v.idx)
		switch {
		case a.shared && (a.idx+m.idx)%2 == 0 && firstDay == 1:
			v.handle = a.handle
		case a.shared:
			v.handle = handleA[r.IntN(len(handleA))] + "_" + handleB[r.IntN(len(handleB))] + fmt.Sprint(r.IntN(90)+10)
		case m.family == FamilyRUShop:
			v.handle = ruHandles[r.IntN(len(ruHandles))] + fmt.Sprint(r.IntN(900)+100)
		default:
			v.handle = handleA[r.IntN(len(handleA))] + handleB[r.IntN(len(handleB))] + fmt.Sprint(r.IntN(900)+100)
		}
		for _, o := range m.vendors { // unique per market
			if strings.EqualFold(o.handle, v.handle) {
				v.handle += "x"
			}
		}
		v.level = levels[r.IntN(len(levels))]
		v.rating = math.Round((4+r.Float64())*100) / 100
		if v.rating > 5 {
			v.rating = 5
		}
		v.sales = r.IntN(3000) + 5
		own := fmt.Sprint(m.info.Name, "/", v.handle)
		v.keyLabel, v.keyName = own, v.handle
		v.btc = btcAddress(seed, own)
		v.xmr = xmrAddress(seed, own)
		v.contacts = contactsFor(seed, own, v.handle)
		if a.shared {
			switch a.link {
			case "pgp":
				v.keyLabel, v.keyName = a.id, a.handle
			case "btc":
				v.btc = btcAddress(seed, a.id)
			case "contact":
				v.contacts = contactsFor(seed, a.id, a.handle)
			}
		}
		v.terms = []string{"No refunds without unboxing video.", "Reship 50% after 14 days (EU) / 21 days (WW).", "FE for trusted buyers only. Escrow otherwise.", "Orders before 14:00 ship same day."}[r.IntN(4)]
		a.vendors = append(a.vendors, v)
		m.vendors = append(m.vendors, v)
	}
	local := func(j int) *actor {
		a := &actor{id: fmt.Sprintf("actor-%s-%d", m.info.Name, j), idx: -1}
		w.actors = append(w.actors, a)
		return a
	}
	if m.family == FamilyShop {
		addVendor(w.actors[(m.idx/4)%len(w.sharedActors())], 1)
		return
	}
	nv := max(4, m.n/25)
	for _, a := range w.sharedActors() {
		if len(m.vendors) >= nv/2 {
			break
		}
		if (a.idx+m.idx)%3 != 0 && !onlyBTC(m, a) {
			addVendor(a, 1)
		}
	}
	for j := 0; len(m.vendors) < nv; j++ {
		addVendor(local(j), 1)
	}
	// one new vendor per day from day 2: on alternate days a known actor from elsewhere
	// under a new handle, otherwise a fresh operator.
	for d := 2; d <= maxDay; d++ {
		var a *actor
		if (d+m.idx)%2 == 0 {
			for _, s := range w.sharedActors() {
				present := onlyBTC(m, s)
				for _, v := range m.vendors {
					if v.actor == s {
						present = true
					}
				}
				if !present {
					a = s
					break
				}
			}
		}
		if a == nil {
			a = local(1000 + d)
		}
		addVendor(a, d)
	}
}

// onlyBTC reports whether actor a is linked by a BTC address alone and m accepts no
// BTC (the vault family): such an account could not be linked, so a does not trade there.
func onlyBTC(m *market, a *actor) bool { return m.family == FamilyVault && a.link == "btc" }

func (w *World) sharedActors() []*actor {
	var out []*actor
	for _, a := range w.actors {
		if a.shared {
			out = append(out, a)
		}
	}
	return out
}

func contactsFor(seed int64, label, handle string) []extract.Entity {
	r := rng(seed, "contacts", label)
	h := strings.ToLower(strings.Map(func(c rune) rune {
		if c < 128 && (c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return c
		}
		return -1
	}, handle))
	// Telegram usernames start with a letter (handles in Cyrillic leave only digits and '_').
	h = strings.TrimLeft(h, "_0123456789")
	if len(h) < 3 {
		h = "shop" + h
	}
	var out []extract.Entity
	out = append(out, extract.Entity{Kind: "telegram", Value: fmt.Sprintf("%s_%d", h, r.IntN(90)+10)})
	switch r.IntN(4) {
	case 0:
		out = append(out, extract.Entity{Kind: "session", Value: fmt.Sprintf("05%x", seedBytes(32, seed, "session", label))})
	case 1:
		out = append(out, extract.Entity{Kind: "wickr", Value: h + "wickr"})
	case 2:
		const idc = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
		b := make([]byte, 8)
		for i := range b {
			b[i] = idc[r.IntN(len(idc))]
		}
		out = append(out, extract.Entity{Kind: "threema", Value: strings.ToLower(string(b))})
	default:
		out = append(out, extract.Entity{Kind: "xmpp", Value: h + "@jabber.calyxinstitute.org"})
	}
	return out
}

// pickNovel chooses the product that first appears on this market on day 2 or 3.
func (w *World) pickNovel(m *market) {
	var cands []int
	for i, p := range catalog {
		if p.novelish && w.familySells(m, i) {
			cands = append(cands, i)
		}
	}
	r := rng(w.opts.Seed, "novel", m.info.Name)
	m.novel = cands[r.IntN(len(cands))]
	m.novelDay = 2 + m.idx%2
}

func (w *World) familySells(m *market, pi int) bool {
	p := catalog[pi]
	if m.family == FamilyRUShop {
		return p.ruTitle != ""
	}
	return true
}

// Markets returns the markets of the world.
func (w *World) Markets() []MarketInfo {
	out := make([]MarketInfo, len(w.markets))
	for i, m := range w.markets {
		out[i] = m.info
	}
	return out
}

// Options returns the options in effect (defaults filled in).
func (w *World) Options() Options { return w.opts }
