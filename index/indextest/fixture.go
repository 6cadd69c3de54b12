package indextest

import (
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
)

// T0 is the reference time of the fixture.
var T0 = time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)

func day(n float64) time.Time { return T0.Add(time.Duration(n * 24 * float64(time.Hour))) }

// PGPHouse is the fingerprint shared by alpha/drhouse and bravo/house_md (actor-1).
const PGPHouse = "0123456789ABCDEF0123456789ABCDEF01234567"

// Fixture vendors.
func Vendors() []record.Vendor {
	return []record.Vendor{
		{ID: "alpha/drhouse", Market: "alpha", Handle: "DrHouse", PGP: []string{PGPHouse},
			Entities: []record.Entity{{Kind: "btc", Value: "bc1qhousexxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}},
			Actor:    "actor-1", Rating: 4.8, Sales: 1200, FirstSeen: day(1), LastSeen: day(1)},
		{ID: "bravo/house_md", Market: "bravo", Handle: "House_MD", PGP: []string{PGPHouse},
			Actor: "actor-1", FirstSeen: day(1), LastSeen: day(1)},
		{ID: "alpha/nitro", Market: "alpha", Handle: "nitro",
			Entities: []record.Entity{{Kind: "xmr", Value: "44nitroXMRaddr"}},
			Actor:    "actor-2", FirstSeen: day(3), LastSeen: day(3)},
		{ID: "charlie/greenleaf", Market: "charlie", Handle: "greenleaf",
			Entities:  []record.Entity{{Kind: "telegram", Value: "greenleaf_uk"}},
			FirstSeen: day(3), LastSeen: day(3)},
		{ID: "bravo/speedy", Market: "bravo", Handle: "Speedy", Actor: "actor-3",
			FirstSeen: day(2), LastSeen: day(2)},
	}
}

type sub struct{ name, class, family string }

func lst(id, market, vendorID, handle, title, desc string, subs []sub, usd, unit float64,
	from, to []string, drug bool, seen float64, ents ...record.Entity) record.Listing {
	l := record.Listing{
		ID: id, Market: market, VendorID: vendorID, Vendor: handle, Title: title,
		Description: desc, Price: record.Price{Amount: usd, Currency: "USD", USD: usd},
		UnitPriceUSD: unit, ShipsFrom: from, ShipsTo: to, DrugOffer: drug,
		Entities: ents, Status: record.StatusActive, LastSeen: day(seen),
		URL:     "http://" + market + ".onion/listing/" + id,
		Capture: &record.Capture{SHA256: "sha-" + id, WARC: "crawl-1.warc.gz"},
	}
	for _, s := range subs {
		l.Substances = append(l.Substances, record.Substance{Name: s.name, Class: s.class, Family: s.family, Where: "title"})
	}
	return l
}

// Listings returns the 12 fixture listings (FirstSeen zero: the store sets it to LastSeen).
func Listings() []record.Listing {
	fent := sub{"fentanyl", "opioid", "fentanyl-analogue"}
	coke := sub{"cocaine", "stimulant", ""}
	ww := []string{"WW"}
	return []record.Listing{
		lst("alpha/l1", "alpha", "alpha/drhouse", "DrHouse", "Pure Fentanyl powder 1g",
			"High purity fentanyl HCl, stealth shipping", []sub{fent}, 250, 250, []string{"US"}, []string{"US", "CA"}, true, 1),
		lst("alpha/l2", "alpha", "alpha/drhouse", "DrHouse", "Oxycodone 80mg pills x10",
			"Pharma grade", []sub{{"oxycodone", "opioid", ""}}, 200, 20, []string{"US"}, ww, true, 2),
		lst("alpha/l3", "alpha", "alpha/nitro", "nitro", "Metonitazene 100mg",
			"Research chemical, pay with XMR", []sub{{"metonitazene", "opioid", "nitazene"}}, 120, 1200, []string{"CN"}, ww, true, 3,
			record.Entity{Kind: "xmr", Value: "44nitroXMRaddr"}),
		lst("alpha/l4", "alpha", "alpha/nitro", "nitro", "Protonitazene and isotonitazene sample pack",
			"Two research opioids", []sub{{"protonitazene", "opioid", "nitazene"}, {"isotonitazene", "opioid", "nitazene"}},
			300, 3000, []string{"cn"}, ww, true, 4),
		lst("bravo/l5", "bravo", "bravo/house_md", "House_MD", "Fentanyl patches 100mcg",
			"Five patches", []sub{fent}, 90, 18, []string{"CA"}, []string{"US", "CA"}, true, 1),
		lst("bravo/l6", "bravo", "bravo/speedy", "Speedy", "Crystal meth 3.5g",
			"Shards", []sub{{"methamphetamine", "stimulant", ""}}, 140, 40, []string{"NL"}, []string{"DE", "FR"}, true, 2),
		lst("bravo/l7", "bravo", "bravo/speedy", "Speedy", "4-MMC mephedrone crystals",
			"", []sub{{"mephedrone", "stimulant", "synthetic-cathinone"}}, 60, 6, []string{"NL"}, []string{"DE"}, true, 5),
		lst("charlie/l8", "charlie", "charlie/greenleaf", "greenleaf", "Organic cannabis buds OG Kush",
			"Contact on telegram greenleaf_uk", []sub{{"cannabis", "cannabis", ""}}, 45, 4.5, []string{"DE"}, []string{"DE"}, true, 3,
			record.Entity{Kind: "telegram", Value: "greenleaf_uk"}),
		lst("charlie/l9", "charlie", "charlie/greenleaf", "greenleaf", "JWH-018 spice blend",
			"Herbal incense", []sub{{"jwh-018", "cannabis", "synthetic-cannabinoid"}}, 30, 3, []string{"DE"}, []string{"DE", "FR"}, true, 6),
		lst("charlie/l10", "charlie", "", "", "Fake passports and documents",
			"Not drugs", nil, 500, 0, []string{"GB"}, ww, false, 2),
		lst("charlie/l11", "charlie", "charlie/greenleaf", "greenleaf", "MDMA pills 200mg x50 and cocaine",
			"Party pack", []sub{{"mdma", "empathogen", ""}, coke}, 400, 8, []string{"NL"}, []string{"DE", "FR"}, true, 4),
		lst("alpha/l12", "alpha", "alpha/drhouse", "DrHouse", "Cocaine 1g fishscale",
			"Peruvian", []sub{coke, coke}, 250, 250, []string{"US"}, []string{"US"}, true, 1),
	}
}

// Card is l as read from a card on a category page at time at: its id, market, link, the
// given title and USD price, the substances of its title; no description, vendor,
// places, offers or entities. It is marked partial (index.MarkPartial).
func Card(l record.Listing, at time.Time, title string, usd float64) record.Listing {
	c := record.Listing{ID: l.ID, Market: l.Market, URL: l.URL, Title: title,
		Price:  record.Price{Amount: usd, Currency: "USD", USD: usd},
		Status: record.StatusActive, DrugOffer: l.DrugOffer, FirstSeen: at, LastSeen: at,
		Capture: &record.Capture{SHA256: "sha-card-" + l.ID, WARC: "crawl-2.warc.gz"}}
	for _, s := range l.Substances {
		s.Where = "title"
		c.Substances = append(c.Substances, s)
	}
	return index.MarkPartial(c)
}

// UntaggedListings are the listings of the untagged-offers case: drug offers whose substance
// the tagger could not name (u1: the category gives the class; u5: nothing at all; u6: only
// the dose form), one whose category and substance disagree (u2), and ones that are neither
// (u3 tagged, u4 no drug offer, u7 named in the description under a category of no class).
func UntaggedListings() []record.Listing {
	mk := func(id, market, title, category string, drug bool, subs ...record.Substance) record.Listing {
		return record.Listing{ID: id, Market: market, Title: title, Category: category, DrugOffer: drug,
			Substances: subs, Status: record.StatusActive, LastSeen: day(2),
			URL: "http://" + market + ".onion/listing/" + id}
	}
	return []record.Listing{
		mk("delta/u1", "delta", "Hydromorph 12mg x10", "Drugs > Opioids > Other", true,
			record.Substance{Name: "opioid", Class: "opioid", Term: "opioids", Where: "category", Confidence: 0.5}),
		mk("delta/u2", "delta", "4-MMC mephedrone 10g", "Drugs > Ecstasy > MDMA", true,
			record.Substance{Name: "mephedrone", Class: "stimulant", Family: "synthetic-cathinone", Term: "4-mmc", Where: "title", Confidence: 1}),
		mk("delta/u3", "delta", "Cocaine 1g", "Drugs > Stimulants > Cocaine", true,
			record.Substance{Name: "cocaine", Class: "stimulant", Term: "cocaine", Where: "title", Confidence: 1}),
		mk("delta/u4", "delta", "Digital scale 0.01g", "Drugs > Paraphernalia", false),
		mk("delta/u5", "delta", "Mystery pack 10g", "", true),
		mk("echo/u6", "echo", "10 x Tomorrowland 240mg", "Drugs", true,
			record.Substance{Name: "empathogen", Class: "empathogen", Term: "240mg", Where: "context", Confidence: 0.35}),
		mk("echo/u7", "echo", "Party pack", "Drugs > Other", true,
			record.Substance{Name: "ketamine", Class: "dissociative", Term: "ketamine", Where: "description", Confidence: 0.9}),
	}
}
