package index_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
)

// noPlaces is the full record of a listing whose page does not say where it ships (the
// shipping is on a tab sub-page).
func noPlaces(d int) record.Listing {
	l := full(d, "desc", 10)
	l.ShipsFrom, l.ShipsFromRaw, l.ShipsTo, l.ShipsToRaw = nil, "", nil, ""
	return l
}

// part is what the listing's shipping tab yields on day d, as ToStore keeps it.
func part(d int, from, to string) record.Listing {
	l := record.Listing{ID: "alpha/l1", Market: "alpha", URL: "http://alpha.onion/listing/l1",
		ShipsFrom: []string{from}, ShipsFromRaw: from, ShipsTo: []string{to}, ShipsToRaw: to,
		FirstSeen: mday(d), LastSeen: mday(d), Capture: &record.Capture{SHA256: fmt.Sprintf("sha-part-%d", d)}}
	return index.ToStore(record.KindPart, "http://alpha.onion/listing/l1/shipping", []record.Listing{l})[0]
}

func TestMergePart(t *testing.T) {
	places := func(l record.Listing) string {
		return fmt.Sprint(l.ShipsFrom, l.ShipsFromRaw, l.ShipsTo, l.ShipsToRaw)
	}
	withPlaces := func(l record.Listing, from, to string) record.Listing {
		l.ShipsFrom, l.ShipsFromRaw, l.ShipsTo, l.ShipsToRaw = []string{from}, from, []string{to}, to
		return l
	}
	for _, tc := range []struct {
		name string
		in   []record.Listing
		want record.Listing
	}{
		{"record then part", []record.Listing{noPlaces(1), part(1, "DE", "WW")}, withPlaces(noPlaces(1), "DE", "WW")},
		{"part then record", []record.Listing{part(1, "DE", "WW"), noPlaces(1)}, withPlaces(noPlaces(1), "DE", "WW")},
		{"part kept by a later record without places", []record.Listing{noPlaces(1), part(1, "DE", "WW"), noPlaces(2)}, withPlaces(noPlaces(2), "DE", "WW")},
		{"part kept through a card", []record.Listing{part(1, "DE", "WW"), card(2, "Fentanyl 1g", 12, record.StatusActive), noPlaces(3)}, withPlaces(noPlaces(3), "DE", "WW")},
		{"the record's own places win", []record.Listing{full(1, "desc", 10), part(2, "DE", "US")}, full(1, "desc", 10)},
		{"newer part replaces an older one", []record.Listing{part(1, "DE", "WW"), part(2, "NL", "NL"), noPlaces(3)}, withPlaces(noPlaces(3), "NL", "NL")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mergeAll(tc.in...).Listing
			if places(got) != places(tc.want) {
				t.Errorf("places %s, want %s", places(got), places(tc.want))
			}
			if index.IsPart(got) && len(tc.in) > 1 && !index.IsPart(tc.in[len(tc.in)-1]) {
				t.Error("merged record is still marked part")
			}
			if got.Title != tc.want.Title || got.Description != tc.want.Description || got.Price != tc.want.Price {
				t.Errorf("title %q description %q price %v, want %q %q %v (a part changes places only)", got.Title, got.Description, got.Price, tc.want.Title, tc.want.Description, tc.want.Price)
			}
		})
	}
}

func TestToStorePart(t *testing.T) {
	ls := []record.Listing{
		{ID: "alpha/l1", ShipsFrom: []string{"DE"}},
		{ID: "alpha/l2"}, // a part with no places adds nothing
		{ShipsFrom: []string{"DE"}},
	}
	got := index.ToStore(record.KindPart, "http://alpha.onion/listing/l1/shipping", ls)
	if len(got) != 1 || got[0].ID != "alpha/l1" || !index.IsPart(got[0]) || !index.IsPartial(got[0]) {
		t.Fatalf("ToStore(part) = %+v, want the one record with places, marked part and partial", got)
	}
	if slices.ContainsFunc(index.FullOnly(got), func(l record.Listing) bool { return l.ID == "alpha/l1" }) {
		t.Error("a part record counts as a full record (price history, derived vendors)")
	}
}
