package embedded

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
)

// memQueries are queries without free text over a synthScale corpus: every filter, sort
// and aggregation, alone and combined, pages from the start, deep and to the end.
func memQueries(c scaleCorpus) []index.Query {
	f := func(v float64) *float64 { return &v }
	yes, no := true, false
	base := []index.Query{
		{},
		{Substance: []string{"cannabis", "Fentanyl"}},
		{Class: []string{"opioid"}, Market: []string{c.markets[0], c.markets[2]}},
		{Family: []string{"nitazene"}},
		{Vendor: []string{c.vendors[0].ID, c.vendors[3].Handle}},
		{Actor: []string{c.vendors[4].Actor}},
		{Actor: []string{"nobody"}},
		{Entity: []string{c.vendors[1].PGP[0], listingEntity(c)}},
		{ShipsFrom: []string{"nl", "DE"}, ShipsTo: []string{"WW"}},
		{DrugOffer: &no},
		{DrugOffer: &yes, MinUSD: f(20), MaxUSD: f(80.5)},
		{MinUnitUSD: f(3)},
		{MaxUSD: f(15)},
		{SeenSince: synthT0.AddDate(0, 0, -10), SeenUntil: synthT0.AddDate(0, 0, -2)},
		{FirstSeenSince: synthT0.AddDate(0, -2, 0)},
		{Market: []string{"nowhere"}},
	}
	// Relevance without text is left out: every score is equal and Bleve's order of equal
	// scores is not defined (the index orders them by id).
	sorts := []string{"", "price", "-price", "unit_price", "-unit_price", "first_seen", "-first_seen", "last_seen", "-last_seen", "id", "-id"}
	var out []index.Query
	for i, q := range base {
		for j := range 3 {
			q.Sort = sorts[(i*3+j)%len(sorts)]
			q.Aggs = index.AggNames
			switch (i + j) % 4 {
			case 0:
				q.From, q.Size = 0, 10
			case 1:
				q.From, q.Size = 37, 25
			case 2:
				q.From, q.Size = 0, 0
			case 3:
				q.From, q.Size = 5, 0
			}
			out = append(out, q)
		}
	}
	// Unfiltered pages inside the order (read directly, see pageAll), descending too.
	for _, sort := range []string{"price", "-price", "-unit_price", "-first_seen", "-last_seen", "-id"} {
		out = append(out, index.Query{Sort: sort, From: 37, Size: 25}, index.Query{Sort: sort, From: 590, Size: 0})
	}
	return out
}

// textQueries are queries with free text (frequent, rare, absent and empty terms), with
// and without filters, in every sort, pages from the start and deep.
func textQueries(c scaleCorpus) []index.Query {
	f := func(v float64) *float64 { return &v }
	filters := []index.Query{
		{},
		{ShipsFrom: []string{"NL", "DE"}},
		{Substance: []string{"cannabis"}, MinUSD: f(20)},
		{Market: []string{c.markets[0]}, SeenSince: synthT0.AddDate(0, 0, -10)},
	}
	sorts := []string{"", "relevance", "price", "-unit_price", "first_seen", "-last_seen", "id", "-id"}
	var out []index.Query
	for i, text := range []string{"stealth", "pure cocaine", "Fast shipping, escrow!", "kaka3", "nowordlikethis", "--"} {
		for j, q := range filters {
			q.Text, q.Aggs = text, index.AggNames
			q.Sort = sorts[(i*len(filters)+j)%len(sorts)]
			q.From, q.Size = []int{0, 7, 0}[(i+j)%3], []int{10, 25, 0}[(i+j)%3]
			out = append(out, q)
		}
	}
	return out
}

// listingEntity is the first entity value of a listing of c.
func listingEntity(c scaleCorpus) string {
	for _, l := range c.listings {
		if len(l.Entities) > 0 {
			return l.Entities[0].Value
		}
	}
	return "none"
}

// TestMemIndexMatchesBleve checks the in-memory index against Bleve (the oracle): the
// same totals, pages (order included) and aggregations for every query without text and
// for free text (the text's set from Bleve's postings, textset.go),
// after a bulk load, after updates that change every indexed field, and after a restart
// from the snapshot.
func TestMemIndexMatchesBleve(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, dir)
	s.mem.rowMin = 1 // every filter value has a facet row (facetrows.go)
	c := synthScale(600, 5)
	if err := s.PutVendors(ctx, c.vendors); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(c.listings); i += 500 {
		if err := s.PutListings(ctx, c.listings[i:min(i+500, len(c.listings))]); err != nil {
			t.Fatal(err)
		}
	}
	check := func(stage string) {
		t.Helper()
		// Without text the in-memory index answers alone; with free text the matching set
		// comes from Bleve's postings and the rest from the in-memory index (relevance
		// pages from Bleve).
		for _, q := range append(memQueries(c), textQueries(c)...) {
			p, err := index.MakePlan(ctx, q, s)
			if err != nil {
				t.Fatal(err)
			}
			var got index.Result
			if q.Text == "" {
				got, err = s.searchMem(p)
			} else {
				got, err = s.searchText(ctx, p)
			}
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.searchBleve(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != want.Total || !slices.Equal(ids(got.Listings), ids(want.Listings)) {
				t.Errorf("%s: %+v: got %d %v, want %d %v", stage, q, got.Total, head(ids(got.Listings)), want.Total, head(ids(want.Listings)))
			}
			if diff := cmp.Diff(want.Aggs, got.Aggs); diff != "" {
				t.Errorf("%s: %+v: aggs (-bleve +mem):\n%s", stage, q, diff)
			}
		}
	}
	check("load")
	// Updates: move listings between substances, prices, countries, vendors and times.
	r := rand.New(rand.NewPCG(9, 9))
	var upd []record.Listing
	for range 200 {
		l := c.listings[r.IntN(len(c.listings))]
		l.Substances = []record.Substance{{Name: scaleSubstances[r.IntN(len(scaleSubstances))].name, Class: "opioid", Family: "nitazene"}}
		l.Price.USD = float64(r.IntN(300))
		l.UnitPriceUSD = l.Price.USD / 3
		l.ShipsFrom, l.ShipsTo = []string{"NL"}, []string{"US", "WW"}
		l.DrugOffer = r.IntN(2) == 0
		l.LastSeen = synthT0.Add(time.Duration(r.IntN(48)) * time.Hour)
		l.FirstSeen = l.LastSeen.AddDate(0, 0, -r.IntN(400))
		v := c.vendors[r.IntN(len(c.vendors))]
		l.VendorID, l.Vendor = v.ID, v.Handle
		if r.IntN(2) == 0 { // the old text must no longer match
			l.Title, l.Description = "relabelled "+l.Title, "stealth kaka3 only"
		}
		upd = append(upd, l)
	}
	for i := 0; i < len(upd); i += 100 {
		if err := s.PutListings(ctx, upd[i:i+100]); err != nil {
			t.Fatal(err)
		}
	}
	check("update")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, snapshotFile)); err != nil {
		t.Fatalf("no snapshot after Close: %v", err)
	}
	s = mustOpen(t, dir)
	defer s.Close()
	if !s.memSaved {
		t.Error("Open did not load the snapshot")
	}
	s.mem.rowMin = 1
	check("reopen")
}

// TestMemIndexSnapshotDamaged: a snapshot that is cut, overwritten or of another version
// is rebuilt from the records.
func TestMemIndexSnapshotDamaged(t *testing.T) {
	ctx := context.Background()
	c := synthScale(300, 3)
	for _, tc := range []struct {
		name   string
		damage func(raw []byte) []byte
	}{
		{"truncated", func(raw []byte) []byte { return raw[:len(raw)/2] }},
		{"garbage", func(raw []byte) []byte { return []byte("not a snapshot at all") }},
		{"version", func(raw []byte) []byte { raw[4] = 99; return raw }},
		{"unknown_doc", func(raw []byte) []byte { raw[8] = 1; raw[9], raw[10], raw[11] = 0, 0, 0; return raw }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := mustOpen(t, dir)
			if err := s.PutListings(ctx, c.listings); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, snapshotFile)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tc.damage(raw), 0o600); err != nil {
				t.Fatal(err)
			}
			s = mustOpen(t, dir)
			defer s.Close()
			res, err := s.Search(ctx, index.Query{Size: 1, Aggs: []string{index.AggMarket}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != len(c.listings) || len(res.Aggs[index.AggMarket]) == 0 {
				t.Errorf("after a damaged snapshot: total %d (want %d), aggs %v", res.Total, len(c.listings), res.Aggs)
			}
		})
	}
}

func ids(ls []record.Listing) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.ID
	}
	return out
}

func head(v []string) string {
	if len(v) > 5 {
		return fmt.Sprint(v[:5], "...")
	}
	return fmt.Sprint(v)
}

// TestFacetRowsMatchRecount checks the facet rows (facetrows.go) and the aggregation
// columns (aggcols.go) against a count of the written listings in the filter's set: after
// a bulk load, after batches of writes that add listings and move
// others between every filter and aggregation value (emptying some values), and after a
// restart from the snapshot (rows built again).
func TestFacetRowsMatchRecount(t *testing.T) {
	ctx := context.Background()
	c := synthScale(3000, 11)
	s := &Store{mem: newMemIndex(), vendors: map[string]record.Vendor{}, vendorsBy: map[string][]string{}}
	s.mem.rowMin = 40
	for _, v := range c.vendors {
		s.cacheVendor(v)
	}
	cur := map[string]record.Listing{}
	for _, l := range c.listings[:2500] {
		s.mem.load(l)
		cur[l.ID] = l
	}
	s.mem.sortAll()
	yes := true
	var qs []index.Query
	for _, sub := range []string{"cannabis", "cocaine", "mdma", "fentanyl"} {
		qs = append(qs, index.Query{Substance: []string{sub}})
	}
	for _, m := range c.markets[:4] {
		qs = append(qs, index.Query{Market: []string{m}})
	}
	for _, v := range c.vendors[:3] {
		qs = append(qs, index.Query{Vendor: []string{v.ID}})
	}
	qs = append(qs, index.Query{Class: []string{"stimulant"}}, index.Query{ShipsFrom: []string{"US"}},
		index.Query{ShipsTo: []string{"WW"}}, index.Query{DrugOffer: &yes},
		index.Query{Untagged: []string{index.UntaggedNoSubstance}},
		index.Query{Substance: []string{"cannabis"}, ShipsTo: []string{"WW"}}) // no row: the columns count
	check := func(stage string, wantRows bool) {
		t.Helper()
		rows := 0
		for _, q := range qs {
			q.Aggs = index.AggNames
			p, err := index.MakePlan(ctx, q, s)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := s.mem.search(p, nil, false)
			s.mem.mu.RLock()
			set := s.mem.filter(p)
			cols := s.mem.aggs(set, p.Aggs)
			// The recount: the listings of the filter's set, as written.
			counts := map[string]map[string]int{}
			for it := set.Iterator(); it.HasNext(); {
				vals := kwValues(cur[s.mem.ids[it.Next()]])
				for _, a := range p.Aggs {
					if counts[a] == nil {
						counts[a] = map[string]int{}
					}
					for _, v := range vals[aggKW(a)] {
						counts[a][v]++
					}
				}
			}
			f, v, _ := singleTerm(p)
			if s.mem.rows[f][v] != nil {
				rows++
			}
			s.mem.mu.RUnlock()
			want := map[string][]index.Bucket{}
			for _, a := range p.Aggs {
				bs := []index.Bucket{}
				for v, n := range counts[a] {
					bs = append(bs, index.Bucket{Key: v, Count: n})
				}
				want[a] = sortCut(bs)
			}
			if diff := cmp.Diff(want, got.Aggs); diff != "" {
				t.Errorf("%s: %+v: aggs (-recount +rows):\n%s", stage, q, diff)
			}
			if diff := cmp.Diff(want, cols); diff != "" {
				t.Errorf("%s: %+v: aggs (-recount +columns):\n%s", stage, q, diff)
			}
		}
		if wantRows && rows < len(qs)/2 {
			t.Errorf("%s: %d of %d queries have a row: the test does not exercise rows", stage, rows, len(qs))
		}
	}
	check("load", true)
	r := rand.New(rand.NewPCG(3, 4))
	for batch := range 6 {
		var olds []*record.Listing
		var ls []record.Listing
		for i := range 120 {
			var l record.Listing
			if i%4 == 0 { // a new listing
				l = c.listings[2500+batch*80+i/4]
			} else { // an update of every indexed field
				l = c.listings[r.IntN(2500)]
				l = cur[l.ID]
				sub := scaleSubstances[r.IntN(8)]
				l.Substances = []record.Substance{{Name: sub.name, Class: sub.class, Family: sub.family, Where: "title"}}
				if batch == 3 {
					l.Substances = nil // empties some values
				}
				v := c.vendors[r.IntN(5)]
				l.VendorID, l.Vendor, l.Market = v.ID, v.Handle, v.Market
				l.ShipsFrom = []string{scaleCountries[r.IntN(4)]}
				l.ShipsTo = []string{"WW", scaleCountries[r.IntN(6)], scaleCountries[6+r.IntN(6)]}[:1+r.IntN(3)]
				l.DrugOffer = r.IntN(5) != 0
			}
			if old, ok := cur[l.ID]; ok {
				olds = append(olds, &old)
			} else {
				olds = append(olds, nil)
			}
			cur[l.ID] = l
			ls = append(ls, l)
		}
		// One write per listing id within a batch, as PutListings merges them.
		seen := map[string]bool{}
		var bo []*record.Listing
		var bl []record.Listing
		for i := len(ls) - 1; i >= 0; i-- {
			if !seen[ls[i].ID] {
				seen[ls[i].ID] = true
				bo, bl = append(bo, olds[i]), append(bl, cur[ls[i].ID])
			}
		}
		for i, o := range bo { // the record before this batch
			if o != nil {
				for j := range ls {
					if ls[j].ID == bl[i].ID {
						bo[i] = olds[j]
						break
					}
				}
			}
		}
		s.mem.apply(bo, bl)
		check(fmt.Sprintf("batch %d", batch), true)
	}
	path := filepath.Join(t.TempDir(), snapshotFile)
	if err := s.mem.save(path); err != nil {
		t.Fatal(err)
	}
	m, err := loadMemIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	m.rowMin = 40
	s.mem = m
	check("reopen", true)
}
