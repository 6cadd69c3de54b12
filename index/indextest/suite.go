package indextest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
)

// Factory returns a new, empty Store for t and arranges its cleanup (t.Cleanup).
type Factory func(t *testing.T) index.Store

func ptr[T any](v T) *T { return &v }

func ids(ls []record.Listing) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.ID
	}
	return out
}

func load(t *testing.T, s index.Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.PutVendors(ctx, Vendors()); err != nil {
		t.Fatalf("PutVendors: %v", err)
	}
	if err := s.PutListings(ctx, Listings()); err != nil {
		t.Fatalf("PutListings: %v", err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

type searchCase struct {
	name      string
	q         index.Query
	want      []string // listing ids
	ordered   bool     // want is in result order (else compared as a set)
	total     int      // when different from len(want) (paging)
	aggs      map[string][]index.Bucket
	wantError error
}

// SearchCases are the read-only cases over the fixture.
func searchCases() []searchCase {
	all := []string{"alpha/l1", "alpha/l12", "alpha/l2", "alpha/l3", "alpha/l4", "bravo/l5", "bravo/l6",
		"bravo/l7", "charlie/l10", "charlie/l11", "charlie/l8", "charlie/l9"}
	byPrice := []string{"charlie/l9", "charlie/l8", "bravo/l7", "bravo/l5", "alpha/l3", "bravo/l6",
		"alpha/l2", "alpha/l1", "alpha/l12", "alpha/l4", "charlie/l11", "charlie/l10"}
	byPriceDesc := []string{"charlie/l10", "charlie/l11", "alpha/l4", "alpha/l1", "alpha/l12", "alpha/l2",
		"bravo/l6", "alpha/l3", "bravo/l5", "bravo/l7", "charlie/l8", "charlie/l9"}
	b := func(kv ...any) []index.Bucket {
		out := []index.Bucket{}
		for i := 0; i < len(kv); i += 2 {
			out = append(out, index.Bucket{Key: kv[i].(string), Count: kv[i+1].(int)})
		}
		return out
	}
	return []searchCase{
		{name: "match_all", q: index.Query{}, want: all},
		{name: "substance", q: index.Query{Substance: []string{"fentanyl"}}, want: []string{"alpha/l1", "bravo/l5"}},
		{name: "substance_case_insensitive", q: index.Query{Substance: []string{"Fentanyl"}}, want: []string{"alpha/l1", "bravo/l5"}},
		{name: "substance_or", q: index.Query{Substance: []string{"fentanyl", "cocaine"}}, want: []string{"alpha/l1", "bravo/l5", "charlie/l11", "alpha/l12"}},
		{name: "substance_unknown", q: index.Query{Substance: []string{"unobtainium"}}, want: nil},
		{name: "class", q: index.Query{Class: []string{"opioid"}}, want: []string{"alpha/l1", "alpha/l2", "alpha/l3", "alpha/l4", "bravo/l5"}},
		{name: "class_stimulant", q: index.Query{Class: []string{"stimulant"}}, want: []string{"bravo/l6", "bravo/l7", "charlie/l11", "alpha/l12"}},
		{name: "family", q: index.Query{Family: []string{"nitazene"}}, want: []string{"alpha/l3", "alpha/l4"}},
		{name: "family_or", q: index.Query{Family: []string{"synthetic-cathinone", "synthetic-cannabinoid"}}, want: []string{"bravo/l7", "charlie/l9"}},
		{name: "vendor_id", q: index.Query{Vendor: []string{"alpha/drhouse"}}, want: []string{"alpha/l1", "alpha/l2", "alpha/l12"}},
		{name: "vendor_handle_case", q: index.Query{Vendor: []string{"HOUSE_md"}}, want: []string{"bravo/l5"}},
		{name: "actor", q: index.Query{Actor: []string{"actor-1"}}, want: []string{"alpha/l1", "alpha/l2", "alpha/l12", "bravo/l5"}},
		{name: "actor_unknown", q: index.Query{Actor: []string{"actor-404"}}, want: nil},
		{name: "market", q: index.Query{Market: []string{"bravo"}}, want: []string{"bravo/l5", "bravo/l6", "bravo/l7"}},
		{name: "market_or", q: index.Query{Market: []string{"bravo", "charlie"}}, want: []string{"bravo/l5", "bravo/l6", "bravo/l7", "charlie/l8", "charlie/l9", "charlie/l10", "charlie/l11"}},
		{name: "ships_from", q: index.Query{ShipsFrom: []string{"us"}}, want: []string{"alpha/l1", "alpha/l2", "alpha/l12"}},
		{name: "ships_from_normalised", q: index.Query{ShipsFrom: []string{"CN"}}, want: []string{"alpha/l3", "alpha/l4"}},
		{name: "ships_to_ww", q: index.Query{ShipsTo: []string{"WW"}}, want: []string{"alpha/l2", "alpha/l3", "alpha/l4", "charlie/l10"}},
		{name: "ships_to_de", q: index.Query{ShipsTo: []string{"DE"}}, want: []string{"bravo/l6", "bravo/l7", "charlie/l8", "charlie/l9", "charlie/l11"}},
		{name: "entity_listing_and_vendor", q: index.Query{Entity: []string{"44nitroXMRaddr"}}, want: []string{"alpha/l3", "alpha/l4"}},
		{name: "entity_pgp_across_markets", q: index.Query{Entity: []string{PGPHouse}}, want: []string{"alpha/l1", "alpha/l2", "alpha/l12", "bravo/l5"}},
		{name: "entity_contact", q: index.Query{Entity: []string{"greenleaf_uk"}}, want: []string{"charlie/l8", "charlie/l9", "charlie/l11"}},
		{name: "drug_offer_false", q: index.Query{DrugOffer: ptr(false)}, want: []string{"charlie/l10"}},
		{name: "drug_offer_true_total", q: index.Query{DrugOffer: ptr(true), Size: 1, Sort: "id"}, want: []string{"alpha/l1"}, ordered: true, total: 11},
		{name: "usd_range", q: index.Query{MinUSD: ptr(100.0), MaxUSD: ptr(250.0)}, want: []string{"alpha/l1", "alpha/l12", "alpha/l2", "alpha/l3", "bravo/l6"}},
		{name: "usd_min_only", q: index.Query{MinUSD: ptr(300.0)}, want: []string{"alpha/l4", "charlie/l11", "charlie/l10"}},
		{name: "usd_max_only", q: index.Query{MaxUSD: ptr(45.0)}, want: []string{"charlie/l8", "charlie/l9"}},
		{name: "unit_usd_range", q: index.Query{MinUnitUSD: ptr(1000.0)}, want: []string{"alpha/l3", "alpha/l4"}},
		{name: "unit_usd_fraction", q: index.Query{MinUnitUSD: ptr(4.5), MaxUnitUSD: ptr(6.0)}, want: []string{"charlie/l8", "bravo/l7"}},
		{name: "seen_since", q: index.Query{SeenSince: day(4)}, want: []string{"alpha/l4", "bravo/l7", "charlie/l9", "charlie/l11"}},
		{name: "seen_until", q: index.Query{SeenUntil: day(1)}, want: []string{"alpha/l1", "bravo/l5", "alpha/l12"}},
		{name: "seen_window", q: index.Query{SeenSince: day(2), SeenUntil: day(3)}, want: []string{"alpha/l2", "alpha/l3", "bravo/l6", "charlie/l8", "charlie/l10"}},
		{name: "first_seen_since", q: index.Query{FirstSeenSince: day(5)}, want: []string{"bravo/l7", "charlie/l9"}},
		{name: "text_one_term", q: index.Query{Text: "fentanyl"}, want: []string{"alpha/l1", "bravo/l5"}},
		{name: "text_all_terms", q: index.Query{Text: "fentanyl powder"}, want: []string{"alpha/l1"}},
		{name: "text_case_and_description", q: index.Query{Text: "STEALTH Fentanyl"}, want: []string{"alpha/l1"}},
		{name: "text_across_title_and_description", q: index.Query{Text: "patches five"}, want: []string{"bravo/l5"}},
		{name: "text_no_stemming", q: index.Query{Text: "pill"}, want: nil},
		{name: "text_plural", q: index.Query{Text: "pills"}, want: []string{"alpha/l2", "charlie/l11"}},
		{name: "text_code_tokens", q: index.Query{Text: "4-MMC"}, want: []string{"bravo/l7"}},
		{name: "text_decimal_token", q: index.Query{Text: "meth 3.5G"}, want: []string{"bravo/l6"}},
		{name: "text_punctuation_around", q: index.Query{Text: "(HCl),"}, want: []string{"alpha/l1"}},
		{name: "text_hyphen_code", q: index.Query{Text: "JWH-018"}, want: []string{"charlie/l9"}},
		{name: "text_letters_digits", q: index.Query{Text: "x10"}, want: []string{"alpha/l2"}},
		{name: "text_no_match", q: index.Query{Text: "fentanyl cocaine"}, want: nil},
		{name: "text_punctuation_only", q: index.Query{Text: "?!"}, want: nil},
		// BM25 on both backends: the shorter text ranks first for one occurrence each.
		// (Bleve saturates sqrt(tf), Lucene tf: ranks may differ for repeated terms.)
		{name: "text_relevance_first", q: index.Query{Text: "pills", Size: 1}, want: []string{"alpha/l2"}, total: 2},
		{name: "combo_class_market", q: index.Query{Class: []string{"opioid"}, Market: []string{"alpha"}}, want: []string{"alpha/l1", "alpha/l2", "alpha/l3", "alpha/l4"}},
		{name: "combo_substance_or_shipsfrom", q: index.Query{Substance: []string{"fentanyl", "cocaine"}, ShipsFrom: []string{"US"}}, want: []string{"alpha/l1", "alpha/l12"}},
		{name: "combo_text_market", q: index.Query{Text: "fentanyl", Market: []string{"bravo"}}, want: []string{"bravo/l5"}},
		{name: "combo_class_price", q: index.Query{Class: []string{"stimulant"}, MaxUSD: ptr(100.0)}, want: []string{"bravo/l7"}},
		{name: "combo_family_unit", q: index.Query{Family: []string{"nitazene"}, MinUnitUSD: ptr(2000.0)}, want: []string{"alpha/l4"}},
		{name: "combo_actor_class", q: index.Query{Actor: []string{"actor-1"}, Class: []string{"stimulant"}}, want: []string{"alpha/l12"}},
		{name: "combo_entity_market", q: index.Query{Entity: []string{PGPHouse}, Market: []string{"bravo"}}, want: []string{"bravo/l5"}},
		{name: "sort_price", q: index.Query{Sort: "price"}, want: byPrice, ordered: true},
		{name: "sort_price_desc_ties_by_id", q: index.Query{Sort: "-price"}, want: byPriceDesc, ordered: true},
		{name: "sort_unit_price", q: index.Query{Sort: "unit_price", Class: []string{"opioid"}}, want: []string{"bravo/l5", "alpha/l2", "alpha/l1", "alpha/l3", "alpha/l4"}, ordered: true},
		{name: "sort_last_seen_desc_default", q: index.Query{Market: []string{"alpha"}}, want: []string{"alpha/l4", "alpha/l3", "alpha/l2", "alpha/l1", "alpha/l12"}, ordered: true},
		{name: "sort_first_seen", q: index.Query{Sort: "first_seen", Market: []string{"charlie"}}, want: []string{"charlie/l10", "charlie/l8", "charlie/l11", "charlie/l9"}, ordered: true},
		{name: "sort_id_desc", q: index.Query{Sort: "-id", Market: []string{"bravo"}}, want: []string{"bravo/l7", "bravo/l6", "bravo/l5"}, ordered: true},
		{name: "page_middle", q: index.Query{Sort: "price", From: 2, Size: 3}, want: byPrice[2:5], ordered: true, total: 12},
		{name: "page_last_partial", q: index.Query{Sort: "price", From: 10, Size: 5}, want: byPrice[10:], ordered: true, total: 12},
		{name: "page_past_end", q: index.Query{Sort: "price", From: 20, Size: 5}, want: nil, ordered: true, total: 12},
		{name: "size_zero_is_all", q: index.Query{Sort: "-price", Size: 0}, want: byPriceDesc, ordered: true},
		{name: "size_zero_from", q: index.Query{Sort: "-price", From: 9}, want: byPriceDesc[9:], ordered: true, total: 12},
		{name: "agg_substance", q: index.Query{Aggs: []string{"substance"}}, want: all, aggs: map[string][]index.Bucket{
			"substance": b("cocaine", 2, "fentanyl", 2, "cannabis", 1, "isotonitazene", 1, "jwh-018", 1, "mdma", 1,
				"mephedrone", 1, "methamphetamine", 1, "metonitazene", 1, "oxycodone", 1, "protonitazene", 1)}},
		{name: "agg_class_family", q: index.Query{Aggs: []string{"class", "family"}, Size: 1, Sort: "id"}, want: []string{"alpha/l1"}, ordered: true, total: 12,
			aggs: map[string][]index.Bucket{
				"class":  b("opioid", 5, "stimulant", 4, "cannabis", 2, "empathogen", 1),
				"family": b("fentanyl-analogue", 2, "nitazene", 2, "synthetic-cannabinoid", 1, "synthetic-cathinone", 1)}},
		{name: "agg_market_vendor_shipsfrom", q: index.Query{Aggs: []string{"market", "vendor", "ships_from"}}, want: all, aggs: map[string][]index.Bucket{
			"market":     b("alpha", 5, "charlie", 4, "bravo", 3),
			"vendor":     b("alpha/drhouse", 3, "charlie/greenleaf", 3, "alpha/nitro", 2, "bravo/speedy", 2, "bravo/house_md", 1),
			"ships_from": b("NL", 3, "US", 3, "CN", 2, "DE", 2, "CA", 1, "GB", 1)}},
		{name: "agg_filtered", q: index.Query{Market: []string{"alpha"}, Aggs: []string{"class", "ships_to"}}, want: []string{"alpha/l1", "alpha/l2", "alpha/l3", "alpha/l4", "alpha/l12"},
			aggs: map[string][]index.Bucket{"class": b("opioid", 4, "stimulant", 1), "ships_to": b("WW", 3, "US", 2, "CA", 1)}},
		{name: "agg_empty_result", q: index.Query{Market: []string{"nowhere"}, Aggs: []string{"substance"}}, want: nil,
			aggs: map[string][]index.Bucket{"substance": {}}},
		{name: "bad_sort", q: index.Query{Sort: "colour"}, wantError: index.ErrBadQuery},
		{name: "bad_agg", q: index.Query{Aggs: []string{"colour"}}, wantError: index.ErrBadQuery},
		{name: "bad_range", q: index.Query{MinUSD: ptr(10.0), MaxUSD: ptr(5.0)}, wantError: index.ErrBadQuery},
	}
}

// Run runs the conformance suite against stores made by newStore.
func Run(t *testing.T, newStore Factory) {
	t.Run("search", func(t *testing.T) {
		s := newStore(t)
		load(t, s)
		for _, tc := range searchCases() {
			t.Run(tc.name, func(t *testing.T) {
				res, err := s.Search(context.Background(), tc.q)
				if tc.wantError != nil {
					if !errors.Is(err, tc.wantError) {
						t.Fatalf("got error %v, want %v", err, tc.wantError)
					}
					return
				}
				if err != nil {
					t.Fatalf("Search: %v", err)
				}
				got, want := ids(res.Listings), slices.Clone(tc.want)
				if want == nil {
					want = []string{}
				}
				if !tc.ordered {
					slices.Sort(got)
					slices.Sort(want)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("listings (-want +got):\n%s", diff)
				}
				total := tc.total
				if total == 0 {
					total = len(tc.want)
				}
				if res.Total != total {
					t.Errorf("got total %d, want %d", res.Total, total)
				}
				if tc.aggs != nil {
					if diff := cmp.Diff(tc.aggs, res.Aggs); diff != "" {
						t.Errorf("aggs (-want +got):\n%s", diff)
					}
				}
			})
		}
		t.Run("records_round_trip", func(t *testing.T) {
			for _, want := range Listings() {
				got, err := s.GetListing(context.Background(), want.ID)
				if err != nil {
					t.Fatalf("GetListing(%s): %v", want.ID, err)
				}
				want.FirstSeen = want.LastSeen
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("GetListing(%s) (-want +got):\n%s", want.ID, diff)
				}
			}
		})
		t.Run("search_returns_full_records", func(t *testing.T) {
			res, err := s.Search(context.Background(), index.Query{Substance: []string{"metonitazene"}})
			if err != nil || len(res.Listings) != 1 {
				t.Fatalf("Search: %v, %d listings", err, len(res.Listings))
			}
			l := res.Listings[0]
			if l.Capture == nil || l.Capture.SHA256 != "sha-alpha/l3" || l.Description == "" || len(l.Entities) != 1 {
				t.Errorf("got %+v, want the full stored record", l)
			}
		})
		t.Run("get_not_found", func(t *testing.T) {
			if _, err := s.GetListing(context.Background(), "alpha/missing"); !errors.Is(err, index.ErrNotFound) {
				t.Errorf("GetListing: got %v, want ErrNotFound", err)
			}
			if _, err := s.GetVendor(context.Background(), "alpha/missing"); !errors.Is(err, index.ErrNotFound) {
				t.Errorf("GetVendor: got %v, want ErrNotFound", err)
			}
		})
		t.Run("vendor_kept_current_from_listings", func(t *testing.T) {
			v, err := s.GetVendor(context.Background(), "alpha/drhouse")
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"cocaine", "fentanyl", "oxycodone"}; !slices.Equal(v.Substances, want) {
				t.Errorf("substances: got %v, want %v", v.Substances, want)
			}
			if v.Rating != 4.8 || v.Actor != "actor-1" || !slices.Equal(v.Markets, []string{"alpha"}) {
				t.Errorf("got %+v, want the put vendor fields kept", v)
			}
		})
		t.Run("actor_documents", func(t *testing.T) {
			as, err := index.Actors(context.Background(), s, "actor-1")
			if err != nil {
				t.Fatal(err)
			}
			want := []index.Actor{{ID: "actor-1", Vendors: []string{"alpha/drhouse", "bravo/house_md"},
				Handles: []string{"DrHouse", "House_MD"}, Markets: []string{"alpha", "bravo"},
				Substances: []string{"cocaine", "fentanyl", "oxycodone"}, PGP: []string{PGPHouse},
				Entities: []string{"bc1qhousexxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}, FirstSeen: day(1), LastSeen: day(2)}}
			if diff := cmp.Diff(want, as); diff != "" {
				t.Errorf("actors (-want +got):\n%s", diff)
			}
			all, err := index.Actors(context.Background(), s)
			if err != nil || len(all) != 3 {
				t.Errorf("all actors: got %d (%v), want 3", len(all), err)
			}
		})
		vendorCases := []struct {
			name string
			q    index.VendorQuery
			want []string
		}{
			{"vendors_by_market", index.VendorQuery{Market: []string{"bravo"}}, []string{"bravo/house_md", "bravo/speedy"}},
			{"vendors_by_actor", index.VendorQuery{Actor: []string{"actor-1"}}, []string{"alpha/drhouse", "bravo/house_md"}},
			{"vendors_by_entity", index.VendorQuery{Entity: []string{PGPHouse}}, []string{"alpha/drhouse", "bravo/house_md"}},
			{"vendors_by_ids", index.VendorQuery{IDs: []string{"bravo/speedy", "zulu/none"}}, []string{"bravo/speedy"}},
			{"vendors_all", index.VendorQuery{}, []string{"alpha/drhouse", "alpha/nitro", "bravo/house_md", "bravo/speedy", "charlie/greenleaf"}},
		}
		for _, tc := range vendorCases {
			t.Run(tc.name, func(t *testing.T) {
				vs, err := s.Vendors(context.Background(), tc.q)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, v := range vs {
					got = append(got, v.ID)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("vendors (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("upsert_keeps_first_seen", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		l := Listings()[0]
		l2 := l
		l2.LastSeen = day(7)
		l2.Price.USD, l2.Price.Amount, l2.Status = 260, 260, record.StatusSoldOut
		l2.Capture = &record.Capture{SHA256: "sha-second"}
		mustPut(t, s, l)
		mustPut(t, s, l2)
		got, err := s.GetListing(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.FirstSeen.Equal(day(1)) || !got.LastSeen.Equal(day(7)) || got.Price.USD != 260 || got.Status != record.StatusSoldOut {
			t.Errorf("got first %v last %v usd %v status %s; want first %v last %v usd 260 sold_out",
				got.FirstSeen, got.LastSeen, got.Price.USD, got.Status, day(1), day(7))
		}
		// The index follows the merged record.
		res, err := s.Search(ctx, index.Query{MinUSD: ptr(255.0), FirstSeenSince: day(1), SeenSince: day(6)})
		if err != nil || !slices.Equal(ids(res.Listings), []string{l.ID}) {
			t.Errorf("search after upsert: %v %v, want [%s]", err, ids(res.Listings), l.ID)
		}
		// An older sighting arriving late (spool replay) moves first_seen back but keeps
		// the latest content.
		l0 := l
		l0.LastSeen = day(0.5)
		l0.Capture = &record.Capture{SHA256: "sha-zero"}
		mustPut(t, s, l0)
		got, _ = s.GetListing(ctx, l.ID)
		if !got.FirstSeen.Equal(day(0.5)) || !got.LastSeen.Equal(day(7)) || got.Price.USD != 260 {
			t.Errorf("after late put: got first %v last %v usd %v", got.FirstSeen, got.LastSeen, got.Price.USD)
		}
		// Observation history, oldest first, one per distinct sighting.
		mustPut(t, s, l2) // replay: no new observation
		obs, err := s.Observations(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got2 []string
		for _, o := range obs {
			got2 = append(got2, fmt.Sprintf("%s %v %s", o.Time.UTC().Format(time.RFC3339), o.Price.USD, o.Status))
		}
		want := []string{"2026-01-10T12:00:00Z 250 active", "2026-01-11T00:00:00Z 250 active", "2026-01-17T00:00:00Z 260 sold_out"}
		if diff := cmp.Diff(want, got2); diff != "" {
			t.Errorf("observations (-want +got):\n%s", diff)
		}
		if obs, _ := s.Observations(ctx, "alpha/none"); len(obs) != 0 {
			t.Errorf("observations of unknown listing: got %d, want 0", len(obs))
		}
	})

	t.Run("card_after_full_keeps_content", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		full := Listings()[0] // alpha/l1, day 1
		c := Card(full, day(3), "Pure Fentanyl powder 1g restocked", 230)
		mustPut(t, s, full)
		mustPut(t, s, c)
		mustPut(t, s, full) // replayed: an older full record changes nothing
		got, err := s.GetListing(ctx, full.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := full
		want.Title, want.Price, want.UnitPriceUSD = c.Title, c.Price, 230
		want.FirstSeen, want.LastSeen = day(1), day(3)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("listing after a card (-want +got):\n%s", diff)
		}
		// The search index follows: the description, vendor and substances still match,
		// the price and title are the card's.
		for _, q := range []index.Query{{Text: "stealth"}, {Text: "restocked"}, {Vendor: []string{"alpha/drhouse"}, MinUSD: ptr(229.0), MaxUSD: ptr(231.0)},
			{Substance: []string{"fentanyl"}, Market: []string{"alpha"}, ShipsFrom: []string{"US"}}} {
			res, err := s.Search(ctx, q)
			if err != nil || !slices.Contains(ids(res.Listings), full.ID) {
				t.Errorf("search %+v: %v %v, want %s among them", q, err, ids(res.Listings), full.ID)
			}
		}
		if res, err := s.Search(ctx, index.Query{MinUSD: ptr(249.0), MaxUSD: ptr(251.0), Market: []string{"alpha"}, Vendor: []string{"alpha/drhouse"}}); err != nil || slices.Contains(ids(res.Listings), full.ID) {
			t.Errorf("search at the old price: %v %v, want %s absent", err, ids(res.Listings), full.ID)
		}
		// A full record seen between the first page and the card (replayed late) brings
		// its content; the card stays the latest title and price. This needs the store to
		// keep when each part was seen (index.PartsSeen) with the record.
		mid := full
		mid.Description, mid.LastSeen = "High purity fentanyl HCl, new batch", day(2)
		mustPut(t, s, mid)
		got, err = s.GetListing(ctx, full.ID)
		if err != nil {
			t.Fatal(err)
		}
		want.Description = mid.Description
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("listing after a replayed page (-want +got):\n%s", diff)
		}
		if res, err := s.Search(ctx, index.Query{Text: "batch", MinUSD: ptr(229.0), MaxUSD: ptr(231.0)}); err != nil || !slices.Equal(ids(res.Listings), []string{full.ID}) {
			t.Errorf("search of the replayed page's content: %v %v, want [%s]", err, ids(res.Listings), full.ID)
		}
		// The price history holds the listing pages' sightings, not the card's (a card may
		// show a "from" price); the vendor's substances come from the pages too.
		obs, err := s.Observations(ctx, full.ID)
		if err != nil || len(obs) != 2 || obs[0].Price.USD != 250 || !obs[1].Time.Equal(day(2)) {
			t.Errorf("observations: %v %+v, want the two pages' only", err, obs)
		}
	})

	t.Run("card_substances_do_not_reach_the_vendor", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		full := Listings()[0] // alpha/l1 by alpha/drhouse
		mustPut(t, s, full)
		c := Card(full, day(3), "Fentanyl 1g (not carfentanil)", 230)
		c.VendorID, c.Vendor = full.VendorID, full.Vendor // a card that names its vendor
		c.Substances = append(c.Substances, record.Substance{Name: "carfentanil", Class: "opioid", Family: "fentanyl", Where: "title"})
		mustPut(t, s, c)
		v, err := s.GetVendor(ctx, full.VendorID)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(v.Substances, func(x string) bool { return strings.Contains(x, "carfentanil") }) {
			t.Errorf("vendor substances %v include the card's carfentanil", v.Substances)
		}
	})

	t.Run("card_only_listing_is_searchable", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		full := Listings()[2] // alpha/l3 metonitazene, day 3
		c := Card(full, day(5), "Metonitazene 100mg pure", 110)
		mustPut(t, s, c)
		got, err := s.GetListing(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !index.IsPartial(got) || got.Description != "" || got.Title != c.Title {
			t.Errorf("card-only listing: partial %v description %q title %q", index.IsPartial(got), got.Description, got.Title)
		}
		for _, q := range []index.Query{{Text: "metonitazene pure"}, {Family: []string{"nitazene"}, MaxUSD: ptr(110.0)}, {Market: []string{"alpha"}, SeenSince: day(4)}} {
			res, err := s.Search(ctx, q)
			if err != nil || !slices.Equal(ids(res.Listings), []string{c.ID}) {
				t.Errorf("search %+v: %v %v, want [%s]", q, err, ids(res.Listings), c.ID)
			}
		}
		// The listing page, fetched later but captured earlier (spool replay), fills in
		// the content; the newer card keeps its title and price.
		mustPut(t, s, full)
		got, err = s.GetListing(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := full
		want.Title, want.Price = c.Title, c.Price
		want.UnitPriceUSD = 1100 // the page's 100mg at the card's price
		want.FirstSeen, want.LastSeen = day(3), day(5)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("listing after the page (-want +got):\n%s", diff)
		}
		res, err := s.Search(ctx, index.Query{Text: "research", Vendor: []string{"nitro"}, Entity: []string{"44nitroXMRaddr"}})
		if err != nil || !slices.Equal(ids(res.Listings), []string{c.ID}) {
			t.Errorf("search of the page's content: %v %v, want [%s]", err, ids(res.Listings), c.ID)
		}
	})

	t.Run("untagged_offers", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		mustPut(t, s, UntaggedListings()...)
		for _, tc := range []struct {
			name string
			q    index.Query
			want []string
			aggs []index.Bucket // by market
		}{
			{"no_substance", index.Query{Untagged: []string{index.UntaggedNoSubstance}},
				[]string{"delta/u1", "delta/u5", "echo/u6"}, []index.Bucket{{Key: "delta", Count: 2}, {Key: "echo", Count: 1}}},
			{"class_conflict", index.Query{Untagged: []string{"CLASS_CONFLICT "}},
				[]string{"delta/u2"}, []index.Bucket{{Key: "delta", Count: 1}}},
			{"either", index.Query{Untagged: []string{index.UntaggedNoSubstance, index.UntaggedClassConflict}},
				[]string{"delta/u1", "delta/u2", "delta/u5", "echo/u6"}, []index.Bucket{{Key: "delta", Count: 3}, {Key: "echo", Count: 1}}},
			{"with_market", index.Query{Untagged: []string{index.UntaggedNoSubstance}, Market: []string{"echo"}},
				[]string{"echo/u6"}, []index.Bucket{{Key: "echo", Count: 1}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				q := tc.q
				q.Aggs = []string{index.AggMarket}
				res, err := s.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				got := ids(res.Listings)
				slices.Sort(got)
				if !slices.Equal(got, tc.want) || res.Total != len(tc.want) {
					t.Errorf("got %v (total %d), want %v", got, res.Total, tc.want)
				}
				if diff := cmp.Diff(tc.aggs, res.Aggs[index.AggMarket]); diff != "" {
					t.Errorf("counts per market (-want +got):\n%s", diff)
				}
			})
		}
		if _, err := s.Search(ctx, index.Query{Untagged: []string{"unknown"}}); !errors.Is(err, index.ErrBadQuery) {
			t.Errorf("bad untagged value: %v, want ErrBadQuery", err)
		}
	})

	t.Run("zero_times_default_to_now", func(t *testing.T) {
		s := newStore(t)
		l := Listings()[1]
		l.LastSeen = time.Time{}
		before := time.Now().Add(-time.Second)
		mustPut(t, s, l)
		got, err := s.GetListing(context.Background(), l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastSeen.Before(before) || !got.FirstSeen.Equal(got.LastSeen) {
			t.Errorf("got first %v last %v, want both now", got.FirstSeen, got.LastSeen)
		}
	})

	t.Run("duplicate_ids_in_one_batch", func(t *testing.T) {
		s := newStore(t)
		a, b := Listings()[0], Listings()[0]
		b.LastSeen, b.Title = day(3), "Pure Fentanyl powder 1g (restocked)"
		mustPut(t, s, a, b)
		res, err := s.Search(context.Background(), index.Query{Text: "restocked"})
		if err != nil || res.Total != 1 {
			t.Fatalf("got %v total %d, want 1", err, res.Total)
		}
		if got := res.Listings[0]; !got.FirstSeen.Equal(day(1)) || !got.LastSeen.Equal(day(3)) {
			t.Errorf("got first %v last %v", got.FirstSeen, got.LastSeen)
		}
	})

	t.Run("vendor_merge", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		v1 := Vendors()[0]
		v2 := record.Vendor{ID: v1.ID, Market: "alpha", Handle: "DrHouse", PGP: []string{"FFFF000000000000000000000000000000000000"},
			Markets: []string{"delta"}, Substances: []string{"heroin"}, Sales: 1300,
			Entities: []record.Entity{{Kind: "session", Value: "05abc"}}, FirstSeen: day(5), LastSeen: day(5)}
		if err := s.PutVendors(ctx, []record.Vendor{v1}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutVendors(ctx, []record.Vendor{v2}); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetVendor(ctx, v1.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := record.Vendor{ID: v1.ID, Market: "alpha", Handle: "DrHouse", Actor: "actor-1", Rating: 4.8, Sales: 1300,
			PGP:      []string{PGPHouse, "FFFF000000000000000000000000000000000000"},
			Entities: []record.Entity{{Kind: "btc", Value: "bc1qhousexxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}, {Kind: "session", Value: "05abc"}},
			Markets:  []string{"alpha", "delta"}, Substances: []string{"heroin"}, FirstSeen: day(1), LastSeen: day(5)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("merged vendor (-want +got):\n%s", diff)
		}
	})

	t.Run("vendor_created_from_listing", func(t *testing.T) {
		s := newStore(t)
		l := Listings()[6]
		l.VendorID, l.Vendor, l.Market = "delta/ghost", "Ghost", "delta"
		mustPut(t, s, l)
		got, err := s.GetVendor(context.Background(), "delta/ghost")
		if err != nil {
			t.Fatal(err)
		}
		want := record.Vendor{ID: "delta/ghost", Market: "delta", Handle: "Ghost", Markets: []string{"delta"},
			Substances: []string{"mephedrone"}, FirstSeen: day(5), LastSeen: day(5)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("vendor (-want +got):\n%s", diff)
		}
	})

	t.Run("novel_once", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		ev := index.Evidence{ListingIDs: []string{"alpha/l1"}, SHA256: "sha", Time: day(1)}
		for i, want := range []bool{true, false, false} {
			got, err := s.Novel(ctx, "new_vendor/alpha/drhouse", ev)
			if err != nil || got != want {
				t.Fatalf("call %d: got %v, %v; want %v", i, got, err, want)
			}
		}
		if got, err := s.Novel(ctx, "new_vendor/bravo/drhouse", ev); err != nil || !got {
			t.Errorf("other key: got %v, %v; want true", got, err)
		}
	})

	t.Run("novel_concurrent", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		keys := []string{"k/a", "k/b", "k/c", "k/d", "k/e"}
		wins := make(map[string]int)
		var mu sync.Mutex
		var wg sync.WaitGroup
		errs := make(chan error, 20*len(keys))
		for g := range 20 {
			wg.Go(func() {
				for i := range keys {
					k := keys[(i+g)%len(keys)]
					ok, err := s.Novel(ctx, k, index.Evidence{Note: fmt.Sprint("g", g)})
					if err != nil {
						errs <- err
						continue
					}
					if ok {
						mu.Lock()
						wins[k]++
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("Novel: %v", err)
		}
		for _, k := range keys {
			if wins[k] != 1 {
				t.Errorf("key %s: %d callers got true, want exactly 1", k, wins[k])
			}
		}
	})

	t.Run("empty_put_is_noop", func(t *testing.T) {
		s := newStore(t)
		if err := s.PutListings(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if err := s.PutVendors(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		res, err := s.Search(context.Background(), index.Query{})
		if err != nil || res.Total != 0 || len(res.Listings) != 0 {
			t.Errorf("got %v, %+v; want empty", err, res)
		}
	})
}

func mustPut(t *testing.T, s index.Store, ls ...record.Listing) {
	t.Helper()
	if err := s.PutListings(context.Background(), ls); err != nil {
		t.Fatalf("PutListings: %v", err)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}
