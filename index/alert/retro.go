package alert

import (
	"context"
	"fmt"
	"slices"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
)

// Retro runs a watch rule over the stored history (a retro-hunt): every stored listing
// that matches r, as an Alert that is not stored or delivered. The listings are selected
// by the index (Search) and checked with WatchMatches, so a retro-hunt and the live rule
// agree.
func Retro(ctx context.Context, store index.Store, r Rule) ([]Alert, error) {
	if r.Kind == "" {
		r.Kind = KindWatch
	}
	if err := r.validate(r.Notify); err != nil {
		return nil, err
	}
	if r.Kind != KindWatch {
		return nil, fmt.Errorf("%w: rule %q: retro-hunt runs watch rules only", ErrBadRule, r.Name)
	}
	q := index.Query{Text: r.Query, Substance: r.Substances, Class: r.Classes, Family: r.Families,
		Vendor: r.Vendors, Market: r.Markets, Entity: r.Entities, Sort: index.SortFirstSeen}
	var ls []record.Listing
	if len(r.Countries) == 0 {
		res, err := store.Search(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("retro %s: %w", r.Name, err)
		}
		ls = res.Listings
	} else {
		// countries match ships_from or ships_to: two searches, merged by id
		seen := map[string]bool{}
		for _, dir := range []int{0, 1} {
			qq := q
			if dir == 0 {
				qq.ShipsFrom = r.Countries
			} else {
				qq.ShipsTo = r.Countries
			}
			res, err := store.Search(ctx, qq)
			if err != nil {
				return nil, fmt.Errorf("retro %s: %w", r.Name, err)
			}
			for _, l := range res.Listings {
				if !seen[l.ID] {
					seen[l.ID] = true
					ls = append(ls, l)
				}
			}
		}
	}
	var out []Alert
	for _, l := range ls {
		if len(r.Entities) == 0 && !WatchMatches(r, l, nil) {
			continue
		}
		a := watchAlert(r, l, l.Capture, l.FirstSeen)
		a.Rule, a.Severity, a.Raised = r.Name, r.Severity, l.FirstSeen
		a.Key = "watch/" + r.Name + "/" + l.ID + "#" + r.Name
		a.ID = alertID(a.Key)
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(a, b Alert) int { return a.FirstSeen.Compare(b.FirstSeen) })
	return out, nil
}
