package embedded

import (
	"fmt"
	"math"
	"math/rand" //nolint:depguard // rand.Zipf is only in math/rand
	"strings"
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
)

// synthVersion keys the benchmark's cached indexes: bump it when the generator changes.
const synthVersion = 1

// synthT0 is the newest last_seen of the synthetic corpus (a year of crawling ends here).
var synthT0 = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

type synthSub struct{ name, class, family string }

// Substances in rough order of how often markets list them (Zipf-weighted by rank).
var scaleSubstances = []synthSub{
	{"cannabis", "cannabis", ""}, {"cocaine", "stimulant", ""}, {"mdma", "empathogen", ""},
	{"methamphetamine", "stimulant", ""}, {"amphetamine", "stimulant", ""}, {"lsd", "psychedelic", ""},
	{"ketamine", "dissociative", ""}, {"heroin", "opioid", ""}, {"alprazolam", "benzodiazepine", ""},
	{"oxycodone", "opioid", ""}, {"psilocybin", "psychedelic", ""}, {"hashish", "cannabis", ""},
	{"diazepam", "benzodiazepine", ""}, {"fentanyl", "opioid", "fentanyl-analogue"}, {"mephedrone", "stimulant", "synthetic-cathinone"},
	{"2c-b", "psychedelic", "phenethylamine"}, {"dmt", "psychedelic", "tryptamine"}, {"clonazepam", "benzodiazepine", ""},
	{"tramadol", "opioid", ""}, {"codeine", "opioid", ""}, {"morphine", "opioid", ""}, {"ghb", "depressant", ""},
	{"modafinil", "stimulant", ""}, {"methylphenidate", "stimulant", ""}, {"bromazolam", "benzodiazepine", "designer-benzodiazepine"},
	{"etizolam", "benzodiazepine", "designer-benzodiazepine"}, {"3-mmc", "stimulant", "synthetic-cathinone"},
	{"a-pvp", "stimulant", "synthetic-cathinone"}, {"jwh-018", "cannabis", "synthetic-cannabinoid"},
	{"mdmb-4en-pinaca", "cannabis", "synthetic-cannabinoid"}, {"metonitazene", "opioid", "nitazene"},
	{"protonitazene", "opioid", "nitazene"}, {"isotonitazene", "opioid", "nitazene"}, {"carfentanil", "opioid", "fentanyl-analogue"},
	{"acetylfentanyl", "opioid", "fentanyl-analogue"}, {"mescaline", "psychedelic", "phenethylamine"},
	{"4-aco-dmt", "psychedelic", "tryptamine"}, {"dck", "dissociative", "arylcyclohexylamine"},
	{"3-meo-pcp", "dissociative", "arylcyclohexylamine"}, {"flualprazolam", "benzodiazepine", "designer-benzodiazepine"},
	{"xylazine", "depressant", ""}, {"buprenorphine", "opioid", ""}, {"methadone", "opioid", ""},
	{"hydrocodone", "opioid", ""}, {"pregabalin", "depressant", ""}, {"ayahuasca", "psychedelic", "tryptamine"},
}

var scaleCountries = []string{"US", "NL", "DE", "GB", "CA", "AU", "FR", "ES", "PL", "BE", "CZ", "IT", "CN", "IN",
	"SE", "CH", "AT", "PT", "DK", "NO", "FI", "IE", "NZ", "CO", "MX", "BR", "ZA", "TH", "HK", "SG"}

var scaleForms = []string{"powder", "pills", "crystal", "tabs", "blotters", "flower", "bars", "capsules", "liquid",
	"rock", "shards", "resin", "oil", "gummies", "vials"}

var scaleAdjectives = []string{"pure", "premium", "uncut", "top", "best", "high", "quality", "lab", "tested",
	"fishscale", "pharma", "grade", "fresh", "strong", "potent", "organic", "original", "authentic", "clean",
	"colombian", "peruvian", "dutch", "german", "afghan", "moroccan", "mexican", "canadian", "cali", "swiss"}

// Description words in rough frequency order (Zipf-weighted by rank), then a long tail
// of generated strain/brand names.
var scaleWords = strings.Fields(`the and for with of to in a is our all we you ship shipping stealth fast
	escrow order orders quality product vendor days tracking free discount bulk sample price best pure
	reship policy guaranteed worldwide domestic vacuum sealed packed lab tested batch new stock available
	please read profile before contact message pgp only finalize early fe no refunds lost packages customs
	delivery within business express tracked registered mail weight scale gram grams ounce oz kilo kg
	pills pressed tablets mg dose doses effects strong potent smooth clean high euphoria energy focus
	relax sleep pain relief anxiety party night mood long lasting hours onset legit trusted reviews
	feedback rating sales since years experience customers happy repeat buyers welcome here this that
	from are not will be have can your any per each one two three five ten twenty fifty hundred half
	quarter eighth top shelf indoor outdoor grown cured dried trimmed hand picked sorted crystals rocks
	shards flakes fishscale uncut raw base hcl freebase wash washed cut pharmaceutical pharma generic
	brand original authentic genuine real fake warning beware scammers copy cat updated listing listings
	menu cheapest cheap deal deals offer limited time promo code coupon bonus extra free gift loyalty
	program tiered pricing multi drop dead custom request available soon restock sold out`)

// scaleRare are tail tokens: strain and press names a listing mentions now and then.
func scaleRare(i int) string {
	syl := []string{"ka", "zu", "mo", "ri", "te", "xo", "la", "vi", "po", "ne", "sh", "ar", "el", "on", "qu", "ba"}
	return syl[i%16] + syl[(i/16)%16] + syl[(i/256)%16] + fmt.Sprint(i%97)
}

type zipf struct{ z *rand.Zipf }

func newZipf(r *rand.Rand, s float64, n int) zipf {
	return zipf{rand.NewZipf(r, s, 1, uint64(n-1))}
}

func (z zipf) next() int { return int(z.z.Uint64()) }

// scaleCorpus is a synthetic year of thirty markets: skewed markets, vendors, substances
// and countries (Zipf by rank), titles built from adjectives, substance, quantity and form,
// descriptions from a Zipf vocabulary with a long tail of strain names, log-normal prices,
// first/last seen spread over a year with most listings seen recently.
type scaleCorpus struct {
	vendors  []record.Vendor
	listings []record.Listing
	markets  []string
}

func synthScale(n int, seed int64) scaleCorpus {
	r := rand.New(rand.NewSource(seed))
	markets := make([]string, 30)
	for i := range markets {
		markets[i] = fmt.Sprintf("market%02d", i)
	}
	mz := newZipf(r, 1.3, len(markets))
	nv := max(10, n/40)
	vendors := make([]record.Vendor, nv)
	for i := range vendors {
		m := markets[mz.next()]
		h := fmt.Sprintf("vendor%06d", i)
		v := record.Vendor{ID: m + "/" + h, Market: m, Handle: h,
			PGP:   []string{fmt.Sprintf("%040X", uint64(i)*0x9E3779B97F4A7C15+1)},
			Actor: fmt.Sprintf("actor-%d", i/2), FirstSeen: synthT0.AddDate(-1, 0, 0), LastSeen: synthT0}
		if i%7 == 0 {
			v.Entities = []record.Entity{{Kind: "wickr", Value: "wickr:" + h}}
		}
		vendors[i] = v
	}
	vz := newZipf(r, 1.05, nv)
	sz := newZipf(r, 1.15, len(scaleSubstances))
	cz := newZipf(r, 1.2, len(scaleCountries))
	wz := newZipf(r, 1.1, len(scaleWords))
	rz := newZipf(r, 1.01, 50000)
	ls := make([]record.Listing, n)
	var b strings.Builder
	for i := range ls {
		v := vendors[vz.next()]
		l := record.Listing{ID: fmt.Sprintf("%s/%08d", v.Market, i), Market: v.Market, VendorID: v.ID, Vendor: v.Handle,
			Status: record.StatusActive, DrugOffer: r.Intn(20) != 0}
		l.URL = "http://" + l.Market + ".onion/listing/" + l.ID
		var subs []synthSub
		if l.DrugOffer {
			subs = append(subs, scaleSubstances[sz.next()])
			if r.Intn(12) == 0 {
				subs = append(subs, scaleSubstances[sz.next()])
			}
		}
		qty := []float64{0.5, 1, 2, 3.5, 5, 7, 10, 14, 28, 50, 100}[r.Intn(11)]
		b.Reset()
		b.WriteString(scaleAdjectives[r.Intn(len(scaleAdjectives))])
		if r.Intn(2) == 0 {
			b.WriteString(" " + scaleAdjectives[r.Intn(len(scaleAdjectives))])
		}
		if len(subs) > 0 {
			b.WriteString(" " + strings.ToUpper(subs[0].name[:1]) + subs[0].name[1:])
		} else {
			b.WriteString(" " + []string{"digital scale", "vacuum bags", "guide", "pill press", "account"}[r.Intn(5)])
		}
		fmt.Fprintf(&b, " %vg %s", qty, scaleForms[r.Intn(len(scaleForms))])
		if r.Intn(4) == 0 {
			b.WriteString(" - " + scaleRare(rz.next()))
		}
		l.Title = b.String()
		b.Reset()
		for range 15 + r.Intn(45) {
			if r.Intn(25) == 0 {
				b.WriteString(scaleRare(rz.next()))
			} else {
				b.WriteString(scaleWords[wz.next()])
			}
			b.WriteByte(' ')
		}
		l.Description = strings.TrimSpace(b.String())
		usd := math.Round(math.Min(50000, math.Max(1, math.Exp(4.5+1.2*r.NormFloat64())))*100) / 100
		l.Price = record.Price{Amount: usd, Currency: "USD", USD: usd}
		l.Grams, l.UnitPriceUSD = qty, math.Round(usd/qty*100)/100
		l.ShipsFrom = []string{scaleCountries[cz.next()]}
		if r.Intn(3) == 0 {
			l.ShipsTo = []string{"WW"}
		} else {
			for range 1 + r.Intn(3) {
				l.ShipsTo = append(l.ShipsTo, scaleCountries[cz.next()])
			}
		}
		for _, s := range subs {
			l.Substances = append(l.Substances, record.Substance{Name: s.name, Class: s.class, Family: s.family, Where: "title"})
		}
		if r.Intn(10) == 0 {
			l.Entities = []record.Entity{{Kind: "btc", Value: fmt.Sprintf("bc1q%038x", r.Uint64())}}
		}
		// A year of crawling: first seen uniformly over the year, last seen mostly recent.
		first := synthT0.Add(-time.Duration(r.Int63n(int64(365 * 24 * time.Hour))))
		age := time.Duration(math.Abs(r.NormFloat64()) * float64(20*24*time.Hour))
		last := synthT0.Add(-age)
		if last.Before(first) {
			last = first
		}
		l.FirstSeen, l.LastSeen = first, last
		l.Capture = &record.Capture{SHA256: fmt.Sprintf("%064x", r.Uint64()), WARC: "crawl-1.warc.gz"}
		ls[i] = l
	}
	return scaleCorpus{vendors: vendors, listings: ls, markets: markets}
}

// scaleKind is one kind of query of the benchmark mix with its variants (rotated).
type scaleKind struct {
	name     string
	ui       bool // the web UI's search page or vendor page
	filter   bool // a filter kind (held to the targets)
	variants []index.Query
}

// scaleQueries is the benchmark mix over c: the UI's searches with facet counts, each
// filter kind, sorts, full text and deep pages, each with variants from frequent to rare
// values.
func scaleQueries(c scaleCorpus) []scaleKind {
	f := func(v float64) *float64 { return &v }
	allAggs := index.AggNames
	subs := []string{"cannabis", "ketamine", "fentanyl", "protonitazene", "ayahuasca"}
	mkts := []string{c.markets[0], c.markets[3], c.markets[12], c.markets[29]}
	vs := []string{c.vendors[0].ID, c.vendors[1].ID, c.vendors[50].ID, c.vendors[len(c.vendors)/2].ID}
	q := func(fn func(q *index.Query)) index.Query {
		x := index.Query{Size: 20}
		fn(&x)
		return x
	}
	var k []scaleKind
	add := func(name string, ui, filter bool, qs ...index.Query) {
		k = append(k, scaleKind{name: name, ui: ui, filter: filter, variants: qs})
	}
	var ui, uiF, uiT, sub, cm, fp, vend, ent, pr, rec, ships, drug, txt, txtF, deep, prof []index.Query
	for page := range 3 {
		ui = append(ui, q(func(q *index.Query) { q.Aggs, q.Size, q.From = allAggs, 50, page*50 }))
	}
	for _, s := range subs {
		uiF = append(uiF, q(func(q *index.Query) { q.Aggs, q.Size, q.Substance = allAggs, 50, []string{s} }))
		sub = append(sub, q(func(q *index.Query) { q.Substance = []string{s} }))
	}
	for _, m := range mkts {
		uiF = append(uiF, q(func(q *index.Query) { q.Aggs, q.Size, q.Market, q.Sort = allAggs, 50, []string{m}, "price" }))
		cm = append(cm, q(func(q *index.Query) { q.Class, q.Market = []string{"opioid"}, []string{m} }))
	}
	for _, t := range []string{"stealth", "cocaine pure", "fishscale", "kaka3"} {
		uiT = append(uiT, q(func(q *index.Query) { q.Aggs, q.Size, q.Text = allAggs, 50, t }))
	}
	for _, fam := range []string{"nitazene", "synthetic-cathinone", "tryptamine"} {
		fp = append(fp, q(func(q *index.Query) { q.Family, q.Sort = []string{fam}, "price" }))
	}
	for i, v := range vs {
		vend = append(vend, q(func(q *index.Query) { q.Vendor = []string{v} }))
		ent = append(ent, q(func(q *index.Query) { q.Entity = []string{c.vendors[[]int{0, 3, 77, 1000}[i]%len(c.vendors)].PGP[0]} }))
		prof = append(prof, q(func(q *index.Query) {
			q.Vendor, q.Size, q.Sort = []string{v}, 200, "-last_seen"
			q.Aggs = []string{index.AggSubstance, index.AggClass, index.AggMarket, index.AggShipsFrom, index.AggShipsTo}
		}))
	}
	for _, r := range [][2]float64{{100, 300}, {10, 20}, {1000, 50000}} {
		pr = append(pr, q(func(q *index.Query) { q.MinUSD, q.MaxUSD, q.Sort = f(r[0]), f(r[1]), "-price" }))
	}
	for _, d := range []int{1, 7, 30} {
		rec = append(rec, q(func(q *index.Query) { q.SeenSince = synthT0.AddDate(0, 0, -d) }))
	}
	ships = append(ships, q(func(q *index.Query) { q.ShipsFrom = []string{"NL", "DE"} }),
		q(func(q *index.Query) { q.ShipsFrom, q.ShipsTo = []string{"US"}, []string{"GB"} }),
		q(func(q *index.Query) { q.ShipsTo = []string{"NZ"}; q.Sort = "unit_price" }))
	drug = append(drug, q(func(q *index.Query) { no := false; q.DrugOffer = &no }),
		q(func(q *index.Query) { yes := true; q.DrugOffer = &yes; q.Sort = "-first_seen" }))
	for _, t := range []string{"stealth", "pure cocaine", "fast shipping escrow", "kaka3"} {
		txt = append(txt, q(func(q *index.Query) { q.Text = t }))
	}
	txtF = append(txtF, q(func(q *index.Query) { q.Text, q.ShipsFrom = "pure", []string{"NL", "DE"} }),
		q(func(q *index.Query) { q.Text, q.Substance = "stealth", []string{"mdma"} }))
	deep = append(deep, q(func(q *index.Query) { q.Sort, q.From, q.Size = "price", 10000, 50 }),
		q(func(q *index.Query) { q.Substance, q.From, q.Size = []string{"cocaine"}, 5000, 50 }))
	add("ui_search_facets", true, false, ui...)
	add("ui_filter_facets", true, true, uiF...)
	add("ui_text_facets", true, false, uiT...)
	add("ui_vendor_profile", true, true, prof...)
	add("substance", false, true, sub...)
	add("class_market", false, true, cm...)
	add("family_sort_price", false, true, fp...)
	add("vendor", false, true, vend...)
	add("entity", false, true, ent...)
	add("price_range", false, true, pr...)
	add("recent", false, true, rec...)
	add("ships", false, true, ships...)
	add("drug_offer", false, true, drug...)
	add("text", false, false, txt...)
	add("text_filter", false, false, txtF...)
	add("deep_page", false, false, deep...)
	return k
}
