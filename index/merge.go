package index

import (
	"slices"
	"strings"
	"time"

	"github.com/darkwatch/darkwatch/extract"
)

// PrepareListing fills the defaults of an incoming listing: zero LastSeen becomes now,
// zero FirstSeen becomes LastSeen. Times are truncated to milliseconds, the precision at
// which every backend indexes them.
func PrepareListing(l extract.Listing, now time.Time) extract.Listing {
	if l.LastSeen.IsZero() {
		l.LastSeen = now
	}
	if l.FirstSeen.IsZero() || l.FirstSeen.After(l.LastSeen) {
		l.FirstSeen = l.LastSeen
	}
	l.LastSeen = l.LastSeen.UTC().Truncate(time.Millisecond)
	l.FirstSeen = l.FirstSeen.UTC().Truncate(time.Millisecond)
	return l
}

// MergeListing merges an incoming (prepared) listing into the stored one (nil if none).
// The content comes from the record with the later LastSeen (incoming on ties); FirstSeen
// is the earliest and LastSeen the latest. The result does not depend on the order in
// which two puts arrive, so spool replay and concurrent crawlers converge.
func MergeListing(old *extract.Listing, in extract.Listing) extract.Listing {
	if old == nil {
		return in
	}
	out := in
	if old.LastSeen.After(in.LastSeen) {
		out = *old
	}
	out.FirstSeen = minTime(old.FirstSeen, in.FirstSeen)
	out.LastSeen = maxTime(old.LastSeen, in.LastSeen)
	return out
}

// ObservationOf is the observation recorded by one put of l (prepared).
func ObservationOf(l extract.Listing) extract.Observation {
	return extract.Observation{
		ListingID: l.ID, Market: l.Market, Time: l.LastSeen,
		Price: l.Price, Status: l.Status, Capture: l.Capture,
	}
}

// ObservationKey is the deterministic id of an observation: one per listing, time and
// capture, so a replayed put does not duplicate history.
func ObservationKey(o extract.Observation) string {
	sha := ""
	if o.Capture != nil {
		sha = o.Capture.SHA256
	}
	return o.ListingID + "|" + o.Time.UTC().Format("20060102T150405.000Z") + "|" + sha
}

// PrepareVendor fills the defaults of an incoming vendor (times, own market in Markets).
func PrepareVendor(v extract.Vendor, now time.Time) extract.Vendor {
	if v.LastSeen.IsZero() {
		v.LastSeen = now
	}
	if v.FirstSeen.IsZero() || v.FirstSeen.After(v.LastSeen) {
		v.FirstSeen = v.LastSeen
	}
	v.LastSeen = v.LastSeen.UTC().Truncate(time.Millisecond)
	v.FirstSeen = v.FirstSeen.UTC().Truncate(time.Millisecond)
	if v.Market != "" {
		v.Markets = append(v.Markets, v.Market)
	}
	v.Markets = Uniq(v.Markets)
	v.Substances = Uniq(v.Substances)
	v.PGP = Uniq(v.PGP)
	v.Entities = uniqEntities(v.Entities)
	return v
}

// MergeVendor merges an incoming (prepared) vendor into the stored one (nil if none):
// set fields (markets, substances, PGP, entities) are unions; scalar fields come from the
// later LastSeen record when set there, else from the other; FirstSeen is the earliest.
func MergeVendor(old *extract.Vendor, in extract.Vendor) extract.Vendor {
	if old == nil {
		return in
	}
	newer, older := in, *old
	if old.LastSeen.After(in.LastSeen) {
		newer, older = *old, in
	}
	out := newer
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	out.Market = pick(newer.Market, older.Market)
	out.Handle = pick(newer.Handle, older.Handle)
	out.DisplayName = pick(newer.DisplayName, older.DisplayName)
	out.URL = pick(newer.URL, older.URL)
	out.Level = pick(newer.Level, older.Level)
	out.Actor = pick(newer.Actor, older.Actor)
	if out.Rating == 0 {
		out.Rating = older.Rating
	}
	if out.Sales == 0 {
		out.Sales = older.Sales
	}
	if out.Capture == nil {
		out.Capture = older.Capture
	}
	out.Markets = Uniq(append(slices.Clone(newer.Markets), older.Markets...))
	out.Substances = Uniq(append(slices.Clone(newer.Substances), older.Substances...))
	out.PGP = Uniq(append(slices.Clone(newer.PGP), older.PGP...))
	out.Entities = uniqEntities(append(slices.Clone(newer.Entities), older.Entities...))
	out.FirstSeen = minTime(old.FirstSeen, in.FirstSeen)
	out.LastSeen = maxTime(old.LastSeen, in.LastSeen)
	return out
}

// VendorsFromListings derives vendor updates from listings (prepared): for each vendor id,
// the markets and substances of its listings and the time span they were seen. They are
// merged into the stored vendors with MergeVendor, which creates a vendor document when
// none exists yet.
func VendorsFromListings(ls []extract.Listing) []extract.Vendor {
	byID := map[string]*extract.Vendor{}
	var order []string
	for _, l := range ls {
		if l.VendorID == "" {
			continue
		}
		v, ok := byID[l.VendorID]
		if !ok {
			handle := l.Vendor
			if handle == "" {
				if i := strings.LastIndexByte(l.VendorID, '/'); i >= 0 {
					handle = l.VendorID[i+1:]
				}
			}
			v = &extract.Vendor{ID: l.VendorID, Market: l.Market, Handle: handle,
				FirstSeen: l.FirstSeen, LastSeen: l.LastSeen}
			byID[l.VendorID] = v
			order = append(order, l.VendorID)
		}
		v.Markets = append(v.Markets, l.Market)
		for _, s := range l.Substances {
			v.Substances = append(v.Substances, strings.ToLower(s.Name))
		}
		v.FirstSeen = minTime(v.FirstSeen, l.FirstSeen)
		v.LastSeen = maxTime(v.LastSeen, l.LastSeen)
	}
	out := make([]extract.Vendor, 0, len(order))
	for _, id := range order {
		v := *byID[id]
		v.Markets, v.Substances = Uniq(v.Markets), Uniq(v.Substances)
		out = append(out, v)
	}
	return out
}

// MergeDerivedVendor merges a vendor derived from listings into the stored one: only the
// sets and the seen span change; the stored scalar fields stay.
func MergeDerivedVendor(old *extract.Vendor, d extract.Vendor) extract.Vendor {
	if old == nil {
		return d
	}
	out := *old
	out.Markets = Uniq(append(slices.Clone(old.Markets), d.Markets...))
	out.Substances = Uniq(append(slices.Clone(old.Substances), d.Substances...))
	out.FirstSeen = minTime(old.FirstSeen, d.FirstSeen)
	out.LastSeen = maxTime(old.LastSeen, d.LastSeen)
	if out.Handle == "" {
		out.Handle = d.Handle
	}
	if out.Market == "" {
		out.Market = d.Market
	}
	return out
}

// DedupListings keeps, for each id, the merge of all puts of it in ls (in order).
func DedupListings(ls []extract.Listing) []extract.Listing {
	idx := make(map[string]int, len(ls))
	out := make([]extract.Listing, 0, len(ls))
	for _, l := range ls {
		if i, ok := idx[l.ID]; ok {
			out[i] = MergeListing(&out[i], l)
			continue
		}
		idx[l.ID] = len(out)
		out = append(out, l)
	}
	return out
}

// DedupVendors keeps, for each id, the merge of all puts of it in vs (in order).
func DedupVendors(vs []extract.Vendor) []extract.Vendor {
	idx := make(map[string]int, len(vs))
	out := make([]extract.Vendor, 0, len(vs))
	for _, v := range vs {
		if i, ok := idx[v.ID]; ok {
			out[i] = MergeVendor(&out[i], v)
			continue
		}
		idx[v.ID] = len(out)
		out = append(out, v)
	}
	return out
}

func uniqEntities(es []extract.Entity) []extract.Entity {
	if len(es) == 0 {
		return nil
	}
	out := slices.Clone(es)
	slices.SortFunc(out, func(a, b extract.Entity) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return slices.Compact(out)
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
