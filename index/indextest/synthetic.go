package indextest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
)

var synthSubstances = []sub{
	{"fentanyl", "opioid", "fentanyl-analogue"}, {"carfentanil", "opioid", "fentanyl-analogue"},
	{"heroin", "opioid", ""}, {"oxycodone", "opioid", ""}, {"metonitazene", "opioid", "nitazene"},
	{"protonitazene", "opioid", "nitazene"}, {"cocaine", "stimulant", ""}, {"methamphetamine", "stimulant", ""},
	{"mephedrone", "stimulant", "synthetic-cathinone"}, {"mdma", "empathogen", ""}, {"lsd", "psychedelic", ""},
	{"ketamine", "dissociative", ""}, {"cannabis", "cannabis", ""}, {"jwh-018", "cannabis", "synthetic-cannabinoid"},
	{"alprazolam", "benzodiazepine", ""}, {"bromazolam", "benzodiazepine", "designer-benzodiazepine"},
}

var synthWords = []string{"pure", "uncut", "premium", "stealth", "fast", "shipping", "tested", "lab", "grade",
	"crystal", "powder", "pills", "pressed", "bulk", "sample", "discount", "escrow", "vendor", "quality", "new"}

var synthCountries = []string{"US", "CA", "GB", "DE", "NL", "FR", "ES", "CN", "IN", "AU"}

// Synthetic returns n deterministic listings from 5 markets and their vendors, for
// benchmarks.
func Synthetic(n int, seed uint64) ([]record.Vendor, []record.Listing) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	markets := []string{"alpha", "bravo", "charlie", "delta", "echo"}
	nv := max(1, n/50)
	vendors := make([]record.Vendor, nv)
	for i := range vendors {
		m := markets[i%len(markets)]
		vendors[i] = record.Vendor{ID: fmt.Sprintf("%s/v%05d", m, i), Market: m, Handle: fmt.Sprintf("v%05d", i),
			PGP: []string{fmt.Sprintf("%040X", uint64(i)*7919+1)}, Actor: fmt.Sprintf("actor-%d", i/3),
			FirstSeen: T0, LastSeen: T0}
	}
	ls := make([]record.Listing, n)
	for i := range ls {
		v := vendors[r.IntN(nv)]
		s := synthSubstances[r.IntN(len(synthSubstances))]
		title := fmt.Sprintf("%s %s %dg", synthWords[r.IntN(len(synthWords))], s.name, 1+r.IntN(50))
		desc := ""
		for range 12 {
			desc += synthWords[r.IntN(len(synthWords))] + " "
		}
		usd := float64(10+r.IntN(2000)) + float64(r.IntN(100))/100
		l := lst(fmt.Sprintf("%s/l%07d", v.Market, i), v.Market, v.ID, v.Handle, title, desc, []sub{s},
			usd, usd/float64(1+r.IntN(10)), []string{synthCountries[r.IntN(len(synthCountries))]},
			[]string{synthCountries[r.IntN(len(synthCountries))], "WW"}, r.IntN(20) != 0, 0)
		l.LastSeen = T0.Add(time.Duration(r.IntN(30*24)) * time.Hour)
		ls[i] = l
	}
	return vendors, ls
}

// BenchQueries is a representative query mix for latency benchmarks.
func BenchQueries() []QueryCase {
	f := func(v float64) *float64 { return &v }
	return []QueryCase{
		{"substance", queryOf(func(q *Q) { q.Substance = []string{"fentanyl"} })},
		{"class_market", queryOf(func(q *Q) { q.Class = []string{"opioid"}; q.Market = []string{"alpha"} })},
		{"family_sorted_price", queryOf(func(q *Q) { q.Family = []string{"nitazene"}; q.Sort = "price" })},
		{"text", queryOf(func(q *Q) { q.Text = "stealth cocaine" })},
		{"text_filter", queryOf(func(q *Q) { q.Text = "pure"; q.ShipsFrom = []string{"NL", "DE"} })},
		{"price_range", queryOf(func(q *Q) { q.MinUSD, q.MaxUSD = f(100), f(300); q.Sort = "-price" })},
		{"vendor", queryOf(func(q *Q) { q.Vendor = []string{"alpha/v00005"} })},
		{"entity", queryOf(func(q *Q) { q.Entity = []string{fmt.Sprintf("%040X", uint64(10)*7919+1)} })},
		{"aggs_all", queryOf(func(q *Q) { q.Aggs = []string{"substance", "class", "market", "vendor", "ships_from"}; q.Size = 1 })},
		{"recent", queryOf(func(q *Q) { q.SeenSince = T0.Add(25 * 24 * time.Hour) })},
	}
}

// Q is index.Query, aliased for the query builders above.
type Q = index.Query

// QueryCase is a named query.
type QueryCase struct {
	Name  string
	Query index.Query
}

func queryOf(f func(*Q)) index.Query {
	q := index.Query{Size: 20}
	f(&q)
	return q
}
