package index_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
)

func mday(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }

func usd(v float64) record.Price { return record.Price{Amount: v, Currency: "USD", USD: v, Rate: 1} }

var fenta = []record.Substance{{Name: "fentanyl", Class: "opioid", Where: "description"}}

// full is a listing read from its own page on day d.
func full(d int, desc string, price float64) record.Listing {
	return record.Listing{ID: "alpha/l1", Market: "alpha", URL: "http://alpha.onion/listing/l1",
		Title: "Fentanyl 1g", Description: desc, Category: "Opioids",
		Price: usd(price), Offers: []record.Offer{{Quantity: 1, Unit: "g", Grams: 1, Price: usd(price), UnitPriceUSD: price}},
		Grams: 1, UnitPriceUSD: price, VendorID: "alpha/drhouse", Vendor: "DrHouse",
		ShipsFrom: []string{"NL"}, ShipsFromRaw: "Netherlands", ShipsTo: []string{"WW"}, ShipsToRaw: "Worldwide",
		Substances: fenta, DrugOffer: true, Entities: []record.Entity{{Kind: "btc", Value: "bc1qfull"}},
		Status: record.StatusActive, FirstSeen: mday(d), LastSeen: mday(d),
		Capture: &record.Capture{SHA256: fmt.Sprintf("sha-full-%d", d)}}
}

// card is the same listing read from a category-page card on day d (title, price, link;
// quantity and substance from the title).
func card(d int, title string, price float64, status string) record.Listing {
	l := record.Listing{ID: "alpha/l1", Market: "alpha", URL: "http://alpha.onion/listing/l1",
		Title: title, Status: status, Grams: 1, FirstSeen: mday(d), LastSeen: mday(d),
		Substances: []record.Substance{{Name: "fentanyl", Class: "opioid", Where: "title"}}, DrugOffer: true,
		Capture: &record.Capture{SHA256: fmt.Sprintf("sha-card-%d", d)}}
	if price > 0 {
		l.Price, l.UnitPriceUSD = usd(price), price
	}
	return index.MarkPartial(l)
}

func mergeAll(ls ...record.Listing) index.ListingState {
	var st *index.ListingState
	for _, l := range ls {
		m := index.MergeListing(st, index.StateOf(l))
		st = &m
	}
	return *st
}

// withObs is the full record of day d with the title, price and status of a later card.
func withObs(l record.Listing, title string, price float64, status string, first, last int) record.Listing {
	if title != "" {
		l.Title = title
	}
	if price > 0 {
		l.Price, l.UnitPriceUSD = usd(price), price
	}
	if status != "" {
		l.Status = status
	}
	l.FirstSeen, l.LastSeen = mday(first), mday(last)
	return l
}

func TestMergeListing(t *testing.T) {
	f1, f3 := full(1, "Pure fentanyl, stealth shipping", 100), full(3, "Pure fentanyl, new batch", 80)
	p2 := card(2, "Fentanyl 1g RESTOCK", 90, record.StatusActive)
	p4 := card(4, "", 0, record.StatusSoldOut) // a card with no title or price read
	p4.Vendor, p4.VendorID = "DrHouse", "alpha/drhouse"
	p5 := card(5, "Fentanyl 1g", 120, record.StatusActive)
	p5.Substances = nil
	p5.Grams = 0
	soldOut1 := f1
	soldOut1.Status = record.StatusSoldOut
	onlyCards := card(4, "Fentanyl 1g RESTOCK", 90, record.StatusSoldOut) // p2's content, p4's status
	onlyCards.Vendor, onlyCards.VendorID = "DrHouse", "alpha/drhouse"
	onlyCards.FirstSeen, onlyCards.Capture = mday(2), p4.Capture
	tests := []struct {
		name string
		puts []record.Listing
		want record.Listing
		seen index.PartsSeen
	}{
		{name: "full only", puts: []record.Listing{f1}, want: f1},
		{name: "newer full replaces", puts: []record.Listing{f1, f3}, want: withObs(f3, "", 0, "", 1, 3)},
		{name: "partial after full keeps content and status, takes title and price",
			puts: []record.Listing{f1, p2}, want: withObs(f1, "Fentanyl 1g RESTOCK", 90, "", 1, 2),
			seen: index.PartsSeen{Content: mday(1), Status: mday(1)}},
		{name: "older full after newer partial fills the content",
			puts: []record.Listing{p2, f1}, want: withObs(f1, "Fentanyl 1g RESTOCK", 90, "", 1, 2),
			seen: index.PartsSeen{Content: mday(1), Status: mday(1)}},
		{name: "partial without title or price updates only the status",
			puts: []record.Listing{f1, p4}, want: withObs(f1, "", 0, record.StatusSoldOut, 1, 4),
			seen: index.PartsSeen{Content: mday(1), Title: mday(1), Price: mday(1)}},
		{name: "newer full after partial replaces everything",
			puts: []record.Listing{f1, p2, f3}, want: withObs(f3, "", 0, "", 1, 3)},
		{name: "partial after partial: newest carried fields, content filled from the older",
			puts: []record.Listing{p2, p4}, want: onlyCards, seen: index.PartsSeen{Title: mday(2), Price: mday(2)}},
		{name: "partial after partial, replayed backwards",
			puts: []record.Listing{p4, p2}, want: onlyCards, seen: index.PartsSeen{Title: mday(2), Price: mday(2)}},
		{name: "replay out of order: price of the newest card, content of the newest full, status of the sold-out card",
			puts: []record.Listing{p5, f3, p4, p2, f1},
			want: withObs(f3, "Fentanyl 1g", 120, record.StatusSoldOut, 1, 5), seen: index.PartsSeen{Content: mday(3), Status: mday(4)}},
		{name: "a card's active does not revert a sold-out listing page",
			puts: []record.Listing{soldOut1, p2}, want: withObs(soldOut1, "Fentanyl 1g RESTOCK", 90, "", 1, 2),
			seen: index.PartsSeen{Content: mday(1), Status: mday(1)}},
		{name: "a card's active counts while only active cards were seen",
			puts: []record.Listing{card(1, "Fentanyl 1g", 90, record.StatusActive), p2}, want: withStatus(p2, record.StatusActive, 1)},
		{name: "a card's active does not revert a card that showed sold out",
			puts: []record.Listing{card(1, "Fentanyl 1g", 90, record.StatusSoldOut), p2}, want: withStatus(p2, record.StatusSoldOut, 1),
			seen: index.PartsSeen{Status: mday(1)}},
		{name: "replayed puts change nothing",
			puts: []record.Listing{f1, p2, f1, p2}, want: withObs(f1, "Fentanyl 1g RESTOCK", 90, "", 1, 2),
			seen: index.PartsSeen{Content: mday(1), Status: mday(1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mergeAll(tc.puts...)
			if diff := cmp.Diff(tc.want, got.Listing); diff != "" {
				t.Errorf("listing (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.seen, got.Seen); diff != "" {
				t.Errorf("seen (-want +got):\n%s", diff)
			}
			if wantPartial := index.IsPartial(tc.want); index.IsPartial(got.Listing) != wantPartial {
				t.Errorf("IsPartial = %v, want %v", !wantPartial, wantPartial)
			}
		})
	}
}

// TestMergeListingOrderIndependent merges every order of a set of full and partial
// sightings (each card carrying a price): the results must all be equal.
func TestMergeListingOrderIndependent(t *testing.T) {
	p4 := card(4, "Fentanyl 1g", 70, record.StatusSoldOut)
	p4.Vendor, p4.VendorID = "Other", "alpha/other"
	set := []record.Listing{
		full(1, "first", 100), card(2, "Fentanyl 1g RESTOCK", 90, record.StatusActive),
		full(3, "second", 80), p4, card(5, "Fentanyl 1g last", 120, record.StatusActive),
	}
	var first *index.ListingState
	n := 0
	permute(len(set), func(order []int) {
		n++
		puts := make([]record.Listing, len(order))
		for i, j := range order {
			puts[i] = set[j]
		}
		got := mergeAll(puts...)
		if first == nil {
			first = &got
			return
		}
		if diff := cmp.Diff(*first, got); diff != "" {
			t.Fatalf("order %v differs from the first order (-first +got):\n%s", order, diff)
		}
	})
	if n != 120 {
		t.Fatalf("tried %d orders, want 120", n)
	}
	want := withObs(full(3, "second", 80), "Fentanyl 1g last", 120, record.StatusSoldOut, 1, 5) // p4 showed sold out
	if diff := cmp.Diff(want, first.Listing); diff != "" {
		t.Errorf("merged (-want +got):\n%s", diff)
	}
}

// permute calls f with every permutation of 0..n-1 (Heap's algorithm).
func permute(n int, f func([]int)) {
	a := make([]int, n)
	for i := range a {
		a[i] = i
	}
	var gen func(k int)
	gen = func(k int) {
		if k == 1 {
			f(a)
			return
		}
		for i := 0; i < k; i++ {
			gen(k - 1)
			if k%2 == 0 {
				a[i], a[k-1] = a[k-1], a[i]
			} else {
				a[0], a[k-1] = a[k-1], a[0]
			}
		}
	}
	gen(n)
}

func TestMarkPartial(t *testing.T) {
	l := record.Listing{ID: "a/1", Issues: []record.Issue{{Field: "price", Reason: "not found"}}}
	if index.IsPartial(l) {
		t.Fatal("unmarked listing is partial")
	}
	m := index.MarkPartial(index.MarkPartial(l))
	if !index.IsPartial(m) || len(m.Issues) != 2 {
		t.Errorf("marked twice: %+v, want one mark after the existing issue", m.Issues)
	}
	if len(l.Issues) != 1 {
		t.Errorf("MarkPartial changed its argument: %+v", l.Issues)
	}
}

// TestDedupListings: puts of one id in a batch merge with the same rule as across puts.
func TestDedupListings(t *testing.T) {
	f1, p2 := full(1, "desc", 100), card(2, "Fentanyl 1g RESTOCK", 90, record.StatusActive)
	other := full(1, "other", 10)
	other.ID = "alpha/l2"
	got := index.DedupListings([]record.Listing{p2, other, f1})
	if len(got) != 2 || got[0].Listing.ID != "alpha/l1" || got[1].Listing.ID != "alpha/l2" {
		t.Fatalf("got %d states, want alpha/l1, alpha/l2 in first-put order", len(got))
	}
	if diff := cmp.Diff(mergeAll(p2, f1), got[0]); diff != "" {
		t.Errorf("dedup (-merge +dedup):\n%s", diff)
	}
}

// withStatus is l with status st, first seen on day first.
func withStatus(l record.Listing, st string, first int) record.Listing {
	l.Status, l.FirstSeen = st, mday(first)
	return l
}

func TestToStore(t *testing.T) {
	page := "http://alpha.onion/listing/l1"
	l := record.Listing{ID: "alpha/l1", URL: page, Title: "Fentanyl 1g"}
	related := record.Listing{ID: "alpha/l7", URL: "http://alpha.onion/listing/l7", Title: "Heroin 1g"}
	sameKey := record.Listing{ID: "alpha/l1", URL: "http://alpha.onion/listing/l1?ref=cat", Title: "Fentanyl 1g"}
	titleID := record.Listing{ID: "alpha/t-3f2a", Title: "Fentanyl 1g", Issues: []record.Issue{{Field: "id", Reason: "no listing key in the link: id from the title"}}}
	noID := record.Listing{Title: "Fentanyl 1g"}
	tests := []struct {
		name, kind string
		in         []record.Listing
		want       []string // ids, "~" prefix = partial
	}{
		{"listing page", record.KindListing, []record.Listing{l}, []string{"alpha/l1"}},
		{"listing page, URL unknown", record.KindListing, []record.Listing{related}, []string{"alpha/l7"}},
		{"listing page with a related listing", record.KindListing, []record.Listing{l, related}, []string{"alpha/l1", "~alpha/l7"}},
		{"listing page, own listing by key", record.KindListing, []record.Listing{related, sameKey}, []string{"~alpha/l7", "alpha/l1"}},
		{"forum thread", record.KindForumThread, []record.Listing{l, related}, []string{"alpha/l1", "alpha/l7"}},
		{"category", record.KindCategory, []record.Listing{l, titleID, noID}, []string{"~alpha/l1"}},
		{"vendor", record.KindVendor, []record.Listing{titleID}, nil},
		{"search", record.KindSearch, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := index.ToStore(tc.kind, page, tc.in)
			var ids []string
			for _, g := range got {
				id := g.ID
				if index.IsPartial(g) {
					id = "~" + id
				}
				ids = append(ids, id)
			}
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			for _, in := range tc.in {
				if index.IsPartial(in) {
					t.Error("ToStore marked its input")
				}
			}
		})
	}
}
