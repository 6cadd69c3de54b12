package extract_test

import (
	"flag"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/extract"
)

var showMismatches = flag.Int("testbed.show", 2, "mismatches to print per family and field in TestTestbedF1")

// fieldScore counts field-level outcomes: tp (value equal to the truth), fp (a value the
// truth does not have, or a wrong value), fn (a truth value missing or wrong).
type fieldScore struct{ tp, fp, fn int }

func (s *fieldScore) add(truth, got string) {
	switch {
	case truth == "" && got == "":
	case truth == got:
		s.tp++
	case truth == "":
		s.fp++
	case got == "":
		s.fn++
	default:
		s.fp++
		s.fn++
	}
}

func f1(s fieldScore) float64 {
	if s.tp == 0 {
		if s.fp == 0 && s.fn == 0 {
			return 1
		}
		return 0
	}
	p := float64(s.tp) / float64(s.tp+s.fp)
	r := float64(s.tp) / float64(s.tp+s.fn)
	return 2 * p * r / (p + r)
}

func num(f float64) string {
	if f == 0 {
		return ""
	}
	return fmt.Sprintf("%.6g", math.Round(f*1e6)/1e6)
}

func set(l []string) string {
	l = slices.Clone(l)
	sort.Strings(l)
	return strings.Join(slices.Compact(l), ",")
}

func entities(l []extract.Entity) string {
	var s []string
	for _, e := range l {
		s = append(s, e.Kind+":"+e.Value)
	}
	return set(s)
}

func substances(l []extract.Substance) string {
	var s []string
	for _, e := range l {
		s = append(s, e.Name+"/"+e.Class+"/"+e.Family)
	}
	return set(s)
}

func offers(l []extract.Offer) string {
	var s []string
	for _, o := range l {
		s = append(s, fmt.Sprintf("%s%s=%s%s(%s)[%s]", num(o.Quantity), o.Unit, num(o.Price.Amount), o.Price.Currency, num(o.Price.USD), num(o.UnitPriceUSD)))
	}
	return strings.Join(s, ";")
}

// listingFields are the compared fields of a listing, as strings.
func listingFields(l extract.Listing) map[string]string {
	bool2 := func(b bool) string {
		if b {
			return "true"
		}
		return "false"
	}
	return map[string]string{
		"id": l.ID, "url": l.URL, "title": l.Title, "description": l.Description, "category": l.Category,
		"price": num(l.Price.Amount) + " " + l.Price.Currency, "price_usd": num(l.Price.USD),
		"offers": offers(l.Offers), "grams": num(l.Grams), "units": num(l.Units), "unit_price_usd": num(l.UnitPriceUSD),
		"vendor": l.Vendor, "vendor_id": l.VendorID, "ships_from": set(l.ShipsFrom), "ships_to": set(l.ShipsTo),
		"ships_from_raw": l.ShipsFromRaw, "ships_to_raw": l.ShipsToRaw, "substances": substances(l.Substances),
		"drug_offer": bool2(l.DrugOffer), "entities": entities(l.Entities), "status": l.Status,
	}
}

func vendorFields(v extract.Vendor) map[string]string {
	return map[string]string{
		"v.id": v.ID, "v.handle": v.Handle, "v.url": v.URL, "v.level": v.Level, "v.rating": num(v.Rating),
		"v.sales": num(float64(v.Sales)), "v.pgp": set(v.PGP), "v.entities": entities(v.Entities),
	}
}

// taggerFields come from extract/substance (the tagger), not from page extraction. The target
// applies to all fields of a family together, and to each tagger field on its own (a family
// has ~20x more extraction values than substance values: a substance regression must not hide
// in the total).
var taggerFields = map[string]bool{"substances": true, "drug_offer": true}

// TestTestbedF1 extracts every listing and vendor page of the four testbed families and
// computes field-level F1 against the testbed's truth, per family (target >= 0.99 on all
// fields, substances and drug_offer included).
func TestTestbedF1(t *testing.T) { testbedF1(t, "auto", 0.99) }

// TestTestbedGenericF1 runs the same pages through the generic extractor, as if the four
// families were markets seen for the first time, and reports its F1 (target: useful
// records, >= 0.90 on all fields).
func TestTestbedGenericF1(t *testing.T) { testbedF1(t, "generic", 0.90) }

func testbedF1(t *testing.T, profile string, target float64) {
	x, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	worlds := []testbed.Options{{Seed: 1, Listings: 60}, {Seed: 7, Listings: 60, Day: 3}}
	type key struct{ family, field string }
	scores := map[key]*fieldScore{}
	families := map[string]*fieldScore{}    // extraction fields
	familiesAll := map[string]*fieldScore{} // plus the tagger's fields
	shown := map[key]int{}
	for _, opts := range worlds {
		w, err := testbed.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		tr := w.Truth()
		fam := map[string]testbed.MarketInfo{}
		for _, m := range tr.Markets {
			fam[m.Name] = m
		}
		get := func(market, u string) extract.Result {
			m := fam[market]
			path := strings.TrimPrefix(u, strings.TrimSuffix(m.URL, "/"))
			st, ct, body, err := w.Page(market, path)
			if err != nil {
				t.Fatal(err)
			}
			body, err = extract.DecodeBody(body, ct)
			if err != nil {
				t.Fatal(err)
			}
			res, err := x.Extract(extract.Page{URL: u, Market: market, Body: body, ContentType: ct, Status: st}, profile)
			if err != nil {
				t.Fatalf("%s: %v", u, err)
			}
			return res
		}
		score := func(family string, truth, got map[string]string, id string) {
			for f, tv := range truth {
				k := key{family, f}
				if scores[k] == nil {
					scores[k] = &fieldScore{}
				}
				if families[family] == nil {
					families[family] = &fieldScore{}
					familiesAll[family] = &fieldScore{}
				}
				scores[k].add(tv, got[f])
				familiesAll[family].add(tv, got[f])
				if !taggerFields[f] {
					families[family].add(tv, got[f])
				}
				if tv != got[f] && shown[k] < *showMismatches {
					shown[k]++
					t.Logf("%s %s %s:\n   truth %q\n   got   %q", family, id, f, truncate(tv), truncate(got[f]))
				}
			}
		}
		for _, l := range tr.Listings {
			family := fam[l.Market].Family
			res := get(l.Market, l.URL)
			var got extract.Listing
			if len(res.Listings) > 0 {
				got = res.Listings[0]
			}
			score(family, listingFields(l), listingFields(got), l.ID)
		}
		for _, v := range tr.Vendors {
			family := fam[v.Market].Family
			res := get(v.Market, v.URL)
			var got extract.Vendor
			if len(res.Vendors) > 0 {
				got = res.Vendors[0]
			}
			score(family, vendorFields(v), vendorFields(got), v.ID)
		}
	}
	var ks []key
	for k := range scores {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].family != ks[j].family {
			return ks[i].family < ks[j].family
		}
		return ks[i].field < ks[j].field
	})
	for _, k := range ks {
		s := scores[k]
		if f1(*s) < 1 {
			t.Logf("%-8s %-15s F1 %.3f (tp %d fp %d fn %d)", k.family, k.field, f1(*s), s.tp, s.fp, s.fn)
		}
		if taggerFields[k.field] && f1(*s) < target {
			t.Errorf("family %s field %s: F1 %.4f < %.2f", k.family, k.field, f1(*s), target)
		}
	}
	var names []string
	for f := range families {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		s, a := families[f], familiesAll[f]
		t.Logf("family %-8s field-level F1 %.4f extraction fields (tp %d fp %d fn %d); %.4f with the tagger's substances/drug_offer", f, f1(*s), s.tp, s.fp, s.fn, f1(*a))
		if f1(*s) < target {
			t.Errorf("family %s: extraction-field F1 %.4f < %.2f", f, f1(*s), target)
		}
		if f1(*a) < target {
			t.Errorf("family %s: all-field F1 %.4f < %.2f", f, f1(*a), target)
		}
	}
}

func truncate(s string) string {
	if len(s) > 160 {
		return s[:160] + "..."
	}
	return s
}
