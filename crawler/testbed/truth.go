package testbed

import (
	"slices"

	"github.com/darkwatch/darkwatch/extract"
)

// Truth returns the ground truth for the world's day: every visible listing and vendor as a
// correct extractor would produce them, the actors, and the alerts expected against the
// previous day (day 1 is the baseline and has no alerts).
func (w *World) Truth() Truth {
	d := w.opts.Day
	t := Truth{Seed: w.opts.Seed, Day: d, Rates: Rates, RateDate: RateDate, Markets: w.Markets(),
		Listings: []extract.Listing{}, Vendors: []extract.Vendor{}, Actors: []Actor{}, Alerts: []Alert{}}
	actorVendors := map[string][]string{}
	actorLink := map[string]string{}
	var actorOrder []string
	for _, m := range w.markets {
		for _, s := range w.allSlots(m) {
			if s.visible(d) {
				t.Listings = append(t.Listings, w.record(s, d))
			}
		}
		for _, v := range m.vendors {
			if v.firstDay > d {
				continue
			}
			vr := w.vendorRecord(v)
			t.Vendors = append(t.Vendors, vr)
			if _, seen := actorVendors[v.actor.id]; !seen {
				actorOrder = append(actorOrder, v.actor.id)
			}
			actorVendors[v.actor.id] = append(actorVendors[v.actor.id], vr.ID)
			actorLink[v.actor.id] = v.actor.link
		}
	}
	for _, id := range actorOrder {
		a := Actor{ID: id, Vendors: actorVendors[id]}
		if len(a.Vendors) > 1 {
			a.Link = actorLink[id]
		}
		t.Actors = append(t.Actors, a)
	}
	if d > 1 {
		t.Alerts = w.alerts(d)
	}
	if w.opts.Traps {
		for i, m := range w.markets {
			t.Markets[i].MinRequests = w.minRequests(m)
		}
	}
	return t
}

// alerts computes the events of day d against day d-1.
func (w *World) alerts(d int) []Alert {
	var out []Alert
	for _, m := range w.markets {
		name := m.info.Name
		// vendors
		for _, v := range m.vendors {
			if v.firstDay != d {
				continue
			}
			out = append(out, Alert{Kind: AlertNewVendor, Market: name, Subject: name + "/" + v.handle})
			if v.actor.shared {
				before := false
				for _, o := range v.actor.vendors {
					if o.firstDay < d && o.m == m {
						before = true
					}
				}
				if !before {
					out = append(out, Alert{Kind: AlertVendorOnNewMarket, Market: name, Subject: v.actor.id})
				}
			}
		}
		// substances: first appearance on this market (ever seen before = listed on an earlier day)
		seen := map[string]bool{}
		var fresh []string
		for _, s := range w.allSlots(m) {
			if s.firstDay < d && s.p.drug {
				for _, n := range s.p.subs {
					seen[n] = true
				}
			}
		}
		for _, s := range w.allSlots(m) {
			if s.firstDay == d && s.visible(d) && s.p.drug {
				for _, n := range s.p.subs {
					if !seen[n] && !slices.Contains(fresh, n) {
						fresh = append(fresh, n)
					}
				}
			}
		}
		slices.Sort(fresh)
		for _, n := range fresh {
			out = append(out, Alert{Kind: AlertNewSubstance, Market: name, Subject: n})
		}
		// listings
		for _, s := range w.allSlots(m) {
			id := name + "/" + s.key
			switch {
			case s.visible(d-1) && s.gone(d):
				out = append(out, Alert{Kind: AlertListingGone, Market: name, Subject: id})
			case s.visible(d-1) && s.visible(d):
				if w.offers(s, d-1)[0].Price.Amount != w.offers(s, d)[0].Price.Amount {
					out = append(out, Alert{Kind: AlertPriceChange, Market: name, Subject: id})
				}
			}
		}
	}
	return out
}
