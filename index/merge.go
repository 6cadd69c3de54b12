package index

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
)

// PrepareListing fills the defaults of an incoming listing: zero LastSeen becomes now,
// zero FirstSeen becomes LastSeen. Times are truncated to milliseconds, the precision at
// which every backend indexes them.
func PrepareListing(l record.Listing, now time.Time) record.Listing {
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

// PartialIssue marks a partial listing: one read from a card on a category, search or
// vendor page (title, price, link, sometimes vendor and places) rather than from the
// listing's own page. record.Listing has no field for where a record was read, so the
// mark travels in Issues: it survives the spool and is shown to users, whom it tells why
// the description, offers or vendor are missing. The merge keeps it only while no full
// record of the listing has been seen.
var PartialIssue = record.Issue{Field: "source", Reason: "partial: read from a card on a category, search or vendor page"}

// PartIssue marks a part record: the places read from one of a listing's tab sub-pages
// (record.KindPart, e.g. its shipping tab), keyed like the listing. A part record is also
// partial (it is no listing-page sighting: no price history, no derived vendor). The merge
// takes only its places, and only where the listing's record has none; it is stored on its
// own only until a record of the listing arrives.
var PartIssue = record.Issue{Field: "source", Reason: "part: places read from a tab sub-page of the listing"}

// IsPart reports whether l carries the PartIssue mark.
func IsPart(l record.Listing) bool { return slices.Contains(l.Issues, PartIssue) }

// MarkPartial returns l marked as partial (see PartialIssue).
func MarkPartial(l record.Listing) record.Listing {
	if IsPartial(l) {
		return l
	}
	l.Issues = append(slices.Clip(l.Issues), PartialIssue)
	return l
}

// FullOnly returns the listings of ls that are not partial. The price history
// (observations) and the vendor records derived from listings (markets, substances sold)
// are built from full records only: a card's price may be a "from" price that differs from
// the listing page's, which would make the history alternate, and its substances come from
// its title alone, without the description's negation and not-an-offer rules.
func FullOnly(ls []record.Listing) []record.Listing {
	out := make([]record.Listing, 0, len(ls))
	for _, l := range ls {
		if !IsPartial(l) {
			out = append(out, l)
		}
	}
	return out
}

// IsPartial reports whether l carries the PartialIssue mark.
func IsPartial(l record.Listing) bool {
	return slices.Contains(l.Issues, PartialIssue)
}

// CardPage reports whether the listings of a page of kind are read from cards (any page
// but a listing or forum-thread page): partial records.
func CardPage(kind string) bool {
	return kind != record.KindListing && kind != record.KindForumThread
}

// ToStore returns the listings of a page of kind (fetched at pageURL) that a store should
// keep. From a forum thread: all, as read (each post is its own offer). From a listing
// page: the page's own listing as read; others it shows (related or recommended listings,
// a profile's extra cards) as partial records, so they never clear those listings' own
// content. The page's own listing is the only one, or the one whose URL (or listing key)
// is the page's. From any other page (category, search, vendor: cards): those whose id
// comes from their link, marked partial. From a listing's tab sub-page (record.KindPart):
// its part record, marked partial and part (see PartIssue). A card whose link has no listing key gets an id
// made from its title (reported as an issue on the id), which the listing page's record
// would not share, so it is not stored.
func ToStore(kind, pageURL string, ls []record.Listing) []record.Listing {
	switch {
	case kind == record.KindForumThread, kind == record.KindListing && len(ls) <= 1:
		return ls
	case kind == record.KindPart:
		out := make([]record.Listing, 0, len(ls))
		for _, l := range ls {
			if l.ID != "" && (len(l.ShipsFrom) > 0 || len(l.ShipsTo) > 0) {
				l = MarkPartial(l)
				l.Issues = append(slices.Clip(l.Issues), PartIssue)
				out = append(out, l)
			}
		}
		return out
	case kind == record.KindListing:
		own := record.URLKey(pageURL)
		out := make([]record.Listing, len(ls))
		for i, l := range ls {
			if l.URL == pageURL || (own != "" && l.URL != "" && record.URLKey(l.URL) == own) {
				out[i] = l
			} else {
				out[i] = MarkPartial(l)
			}
		}
		return out
	}
	out := make([]record.Listing, 0, len(ls))
	for _, l := range ls {
		if l.ID == "" || slices.ContainsFunc(l.Issues, func(is record.Issue) bool { return is.Field == "id" }) {
			continue
		}
		out = append(out, MarkPartial(l))
	}
	return out
}

// ListingState is a listing as a backend stores it: the merged record and when each of
// its parts was seen, which the merge needs for its result not to depend on the order
// of the puts (a newer card may have updated the price of an older full record).
type ListingState struct {
	Listing record.Listing
	Seen    PartsSeen
}

// PartsSeen holds when each part of a merged listing was seen, where that is not the
// record's LastSeen. A zero time means LastSeen when the record carries the part (a full
// record carries every part; a partial one its non-empty title, price and status and
// whatever content its card showed), else that no sighting carried it.
//
// Parts: Title; Price (the headline price); Status; Content (everything else:
// description, category, vendor, offers and quantities, places, substances, entities,
// URL, capture and issues).
type PartsSeen struct {
	Content time.Time `json:"content,omitzero"`
	Title   time.Time `json:"title,omitzero"`
	Price   time.Time `json:"price,omitzero"`
	Status  time.Time `json:"status,omitzero"`
	// Places: when the places were read from a part record (a tab sub-page); zero when they
	// are the content's own. A record without places keeps these.
	Places time.Time `json:"places,omitzero"`
}

// StateOf is the state of one incoming (prepared) listing.
func StateOf(l record.Listing) ListingState { return ListingState{Listing: l} }

// part is one sighting of a part: its rank (0 not carried, 1 from a partial record, 2
// from a full record) and time. Only Content uses rank 1: a full record's content beats
// a partial's whatever their times.
type part struct {
	rank int
	at   time.Time
}

// beats reports whether a wins over b: a higher rank, else a later time. On a tie b
// wins; callers pass the incoming side as b.
func (a part) beats(b part) bool {
	if a.rank != b.rank {
		return a.rank > b.rank
	}
	return a.at.After(b.at)
}

func (s ListingState) partOf(explicit time.Time, carried bool) part {
	full := !IsPartial(s.Listing)
	if !full && !carried {
		return part{}
	}
	at := explicit
	if at.IsZero() {
		at = s.Listing.LastSeen
	}
	return part{rank: 2, at: at}
}

// statusPart is the Status part. A card's "active" ranks below any full record's status:
// the extractor reads "active" wherever a page shows no availability, which cards rarely
// do, so a card must not revert a sold-out listing page; a card that shows another status
// (sold out) counts by its time like the rest.
func (s ListingState) statusPart() part {
	p := s.partOf(s.Seen.Status, s.Listing.Status != "")
	if p.rank == 2 && IsPartial(s.Listing) && s.Listing.Status == record.StatusActive {
		p.rank = 1
	}
	return p
}

func (s ListingState) content() part {
	if IsPartial(s.Listing) {
		return part{rank: 1, at: s.Listing.LastSeen}
	}
	return s.partOf(s.Seen.Content, true)
}

// MergeListing merges an incoming (prepared) listing state into the stored one (nil if
// none), part by part; see PartsSeen for the parts.
//
//   - Content comes from the full record seen last (Seen.Content); a partial record's
//     content is used only while no full record was seen, the newest partial's, with its
//     empty fields filled from the older one's. So a card never clears the description,
//     vendor, offers, substances, places or entities of a full record, and a full record
//     arriving after a newer card (spool replay) still fills them in.
//   - Title, Price and Status each come from the latest record carrying them: a full
//     record carries them all, a partial one only when set (and a partial's "active"
//     only while no full record was seen, see statusPart). When the price comes from
//     another record than the content, UnitPriceUSD follows it (from the content's
//     quantity, else scaled by the price change).
//   - FirstSeen is the earliest, LastSeen the latest.
//
// On equal times the incoming state wins. For full records the result does not depend
// on the order of the puts, so spool replay and concurrent crawlers converge; among
// partial records only, the filling of empty content fields can depend on it.
//
// A part record (IsPart) adds only its places, to a record that has none; a part stored on
// its own gives way to the first record of the listing, which keeps the part's places when
// it has none (Seen.Places), and so does every later record without places.
func MergeListing(old *ListingState, in ListingState) ListingState {
	if old == nil {
		return in
	}
	if IsPart(old.Listing) || IsPart(in.Listing) {
		return mergePart(*old, in)
	}
	out := mergeRecords(*old, in)
	if !old.Seen.Places.IsZero() && (fillPlaces(&out.Listing, old.Listing) || samePlaces(out.Listing, old.Listing)) {
		out.Seen.Places = old.Seen.Places
	}
	return out
}

// mergePart merges states of which at least one is a part record.
func mergePart(a, b ListingState) ListingState {
	switch {
	case IsPart(a.Listing) && IsPart(b.Listing):
		if a.Listing.LastSeen.After(b.Listing.LastSeen) {
			return a
		}
		return b
	case IsPart(b.Listing):
		out := a
		if fillPlaces(&out.Listing, b.Listing) {
			out.Seen.Places = b.Listing.LastSeen
		}
		return out
	}
	out := b
	if fillPlaces(&out.Listing, a.Listing) {
		out.Seen.Places = a.Listing.LastSeen
	}
	return out
}

// fillPlaces gives l the origin and the destination of p that l lacks; it reports whether
// it filled any (record.MergePart does the same for one page's record).
func fillPlaces(l *record.Listing, p record.Listing) bool {
	m := record.MergePart(*l, p)
	changed := !samePlaces(m, *l)
	*l = m
	return changed
}

// samePlaces reports whether l and p have the same origin and destination.
func samePlaces(l, p record.Listing) bool {
	return slices.Equal(l.ShipsFrom, p.ShipsFrom) && slices.Equal(l.ShipsTo, p.ShipsTo) &&
		l.ShipsFromRaw == p.ShipsFromRaw && l.ShipsToRaw == p.ShipsToRaw
}

// mergeRecords merges two listing states, neither a part record.
func mergeRecords(a, b ListingState) ListingState { // a: stored, b: incoming
	oc, ic := a.content(), b.content()
	src, other := b, a
	if oc.beats(ic) {
		src, other = a, b
	}
	out := src.Listing
	contentAt := src.content()
	if contentAt.rank == 1 && other.content().rank == 1 {
		fillContent(&out, other.Listing)
	}
	type pick struct {
		o, i part
	}
	title := pick{a.partOf(a.Seen.Title, a.Listing.Title != ""), b.partOf(b.Seen.Title, b.Listing.Title != "")}
	price := pick{a.partOf(a.Seen.Price, a.Listing.Price.Currency != ""), b.partOf(b.Seen.Price, b.Listing.Price.Currency != "")}
	status := pick{a.statusPart(), b.statusPart()}
	fromOld := func(p pick) bool { return p.o.beats(p.i) }
	winner := func(p pick) (record.Listing, part) {
		if fromOld(p) {
			return a.Listing, p.o
		}
		return b.Listing, p.i
	}
	tl, tp := winner(title)
	pl, pp := winner(price)
	sl, sp := winner(status)
	if tp.rank > 0 {
		out.Title = tl.Title
	}
	if pp.rank > 0 && !sameMoney(pl.Price, out.Price) {
		out.UnitPriceUSD = unitPrice(out, pl.Price)
		out.Price = pl.Price
	}
	if sp.rank > 0 {
		out.Status = sl.Status
	}
	out.FirstSeen = minTime(a.Listing.FirstSeen, b.Listing.FirstSeen)
	out.LastSeen = maxTime(a.Listing.LastSeen, b.Listing.LastSeen)
	norm := func(p part) time.Time {
		if p.rank == 0 || p.at.Equal(out.LastSeen) {
			return time.Time{}
		}
		return p.at
	}
	seen := PartsSeen{Title: norm(tp), Price: norm(pp), Status: norm(sp)}
	if contentAt.rank == 2 {
		seen.Content = norm(contentAt)
	}
	return ListingState{Listing: out, Seen: seen}
}

// fillContent fills the empty content fields of the partial record l from the older
// partial record o.
func fillContent(l *record.Listing, o record.Listing) {
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&l.URL, o.URL)
	fill(&l.Description, o.Description)
	fill(&l.Category, o.Category)
	if l.VendorID == "" {
		l.VendorID, l.Vendor = o.VendorID, o.Vendor
	}
	if len(l.ShipsFrom) == 0 && l.ShipsFromRaw == "" {
		l.ShipsFrom, l.ShipsFromRaw = o.ShipsFrom, o.ShipsFromRaw
	}
	if len(l.ShipsTo) == 0 && l.ShipsToRaw == "" {
		l.ShipsTo, l.ShipsToRaw = o.ShipsTo, o.ShipsToRaw
	}
	if len(l.Substances) == 0 {
		l.Substances, l.DrugOffer = o.Substances, l.DrugOffer || o.DrugOffer
	}
	if len(l.Offers) == 0 {
		l.Offers = o.Offers
	}
	if l.Grams == 0 && l.Units == 0 {
		l.Grams, l.Units, l.UnitPriceUSD = o.Grams, o.Units, o.UnitPriceUSD
	}
	if len(l.Entities) == 0 {
		l.Entities = o.Entities
	}
}

// sameMoney reports whether two prices are the same amount in the same currency.
func sameMoney(a, b record.Price) bool {
	return a.Currency == b.Currency && a.Amount == b.Amount && a.USD == b.USD
}

// unitPrice is the USD price per gram (or per unit for counts) of the content record l
// at the headline price p, rounded to cents as extract computes it: from l's quantity,
// else l's unit price scaled by the price change; 0 without a USD price.
func unitPrice(l record.Listing, p record.Price) float64 {
	cents := func(f float64) float64 { return math.Round(f*100) / 100 }
	switch {
	case !(p.USD > 0):
		return 0
	case l.Grams > 0:
		return cents(p.USD / l.Grams)
	case l.Units > 0:
		return cents(p.USD / l.Units)
	case l.UnitPriceUSD > 0 && l.Price.USD > 0:
		return cents(l.UnitPriceUSD * p.USD / l.Price.USD)
	}
	return 0
}

// ObservationOf is the observation recorded by one put of l (prepared).
func ObservationOf(l record.Listing) record.Observation {
	return record.Observation{
		ListingID: l.ID, Market: l.Market, Time: l.LastSeen,
		Price: l.Price, Status: l.Status, Capture: l.Capture,
	}
}

// ObservationKey is the deterministic id of an observation: one per listing, time and
// capture, so a replayed put does not duplicate history.
func ObservationKey(o record.Observation) string {
	sha := ""
	if o.Capture != nil {
		sha = o.Capture.SHA256
	}
	return o.ListingID + "|" + o.Time.UTC().Format("20060102T150405.000Z") + "|" + sha
}

// PrepareVendor fills the defaults of an incoming vendor (times, own market in Markets).
func PrepareVendor(v record.Vendor, now time.Time) record.Vendor {
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
func MergeVendor(old *record.Vendor, in record.Vendor) record.Vendor {
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
func VendorsFromListings(ls []record.Listing) []record.Vendor {
	byID := map[string]*record.Vendor{}
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
			v = &record.Vendor{ID: l.VendorID, Market: l.Market, Handle: handle,
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
	out := make([]record.Vendor, 0, len(order))
	for _, id := range order {
		v := *byID[id]
		v.Markets, v.Substances = Uniq(v.Markets), Uniq(v.Substances)
		out = append(out, v)
	}
	return out
}

// MergeDerivedVendor merges a vendor derived from listings into the stored one: only the
// sets and the seen span change; the stored scalar fields stay.
func MergeDerivedVendor(old *record.Vendor, d record.Vendor) record.Vendor {
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
func DedupListings(ls []record.Listing) []ListingState {
	idx := make(map[string]int, len(ls))
	out := make([]ListingState, 0, len(ls))
	for _, l := range ls {
		if i, ok := idx[l.ID]; ok {
			out[i] = MergeListing(&out[i], StateOf(l))
			continue
		}
		idx[l.ID] = len(out)
		out = append(out, StateOf(l))
	}
	return out
}

// DedupVendors keeps, for each id, the merge of all puts of it in vs (in order).
func DedupVendors(vs []record.Vendor) []record.Vendor {
	idx := make(map[string]int, len(vs))
	out := make([]record.Vendor, 0, len(vs))
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

func uniqEntities(es []record.Entity) []record.Entity {
	if len(es) == 0 {
		return nil
	}
	out := slices.Clone(es)
	slices.SortFunc(out, func(a, b record.Entity) int {
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
