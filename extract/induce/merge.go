package induce

import "github.com/darkwatch/darkwatch/extract"

// defaults are the values the generic extractor gives a field when the page shows nothing
// for it (status active: no stock text): not a confident value.
var defaults = map[string]string{"status": extract.StatusActive}

// merge completes the profile's result with the generic extractor's (mergeListing per
// record); generic records the profile did not read (cards it missed) are added.
func merge(prof, gen extract.Result, generic []string) extract.Result {
	out := prof
	out.Listings = make([]extract.Listing, 0, max(len(prof.Listings), len(gen.Listings)))
	byURL := map[string]int{}
	for i := range gen.Listings {
		byURL[gen.Listings[i].URL] = i
	}
	used := map[int]bool{}
	for _, p := range prof.Listings {
		if i, ok := byURL[p.URL]; ok && !used[i] {
			used[i] = true
			p = mergeListing(p, &gen.Listings[i], generic)
		}
		out.Listings = append(out.Listings, p)
	}
	for i, g := range gen.Listings {
		if !used[i] {
			out.Listings = append(out.Listings, g)
		}
	}
	return out
}

// mergeListing: a field in generic (not verified for the profile) comes from g; so does a
// field the profile lacks, and one where g has a confident value (not the field's default)
// the profile disagrees with: the profile only fills the generic extractor's gaps.
func mergeListing(p extract.Listing, g *extract.Listing, generic []string) extract.Listing {
	pf, gf := Fields(&p), Fields(g)
	take := map[string]bool{}
	for _, f := range generic {
		take[f] = true
	}
	for _, f := range FieldNames {
		pv, gv := pf[f], gf[f]
		if pv == gv {
			continue
		}
		if !take[f] && (gv == "" || (pv != "" && gv == defaults[f])) {
			continue
		}
		take[f] = true
		switch f {
		case "title":
			p.Title = g.Title
		case "price":
			p.Price = g.Price
		case "vendor":
			p.Vendor, p.VendorID = g.Vendor, g.VendorID
		case "ships_from":
			p.ShipsFrom, p.ShipsFromRaw = g.ShipsFrom, g.ShipsFromRaw
		case "ships_to":
			p.ShipsTo, p.ShipsToRaw = g.ShipsTo, g.ShipsToRaw
		case "category":
			p.Category = g.Category
		case "description":
			p.Description = g.Description
		case "offers":
			p.Offers, p.Grams, p.Units, p.UnitPriceUSD = g.Offers, g.Grams, g.Units, g.UnitPriceUSD
		case "status":
			p.Status = g.Status
		case "entities":
			p.Entities = g.Entities
		case "substances":
			p.Substances, p.DrugOffer = g.Substances, g.DrugOffer
		case "id":
			p.ID = g.ID
		case "url":
			p.URL = g.URL
		}
	}
	// the profile's issues for fields now read by the generic extractor no longer hold
	var issues []extract.Issue
	for _, is := range p.Issues {
		if !take[is.Field] {
			issues = append(issues, is)
		}
	}
	p.Issues = issues
	return p
}
