package induce

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/darkwatch/darkwatch/extract"
)

// FieldReport is how one field of one page type of an induced profile compares with the
// generic extractor on the sample pages (per record: a listing page, or a card).
type FieldReport struct {
	PageType string `json:"page_type"`
	Field    string `json:"field"`
	Generic  int    `json:"generic"` // records where the generic extractor has a value
	Agree    int    `json:"agree"`   // ... and the profile gives the same
	Wrong    int    `json:"wrong"`   // ... and the profile gives another value
	Missed   int    `json:"missed"`  // ... and the profile gives none
	Filled   int    `json:"filled"`  // records where only the profile has a value (a gap filled)
}

// verified reports whether the profile's reading of the field may be used: it reproduces
// at least MinAgreement of the generic values, on at least MinPages records, and never
// reads another value where the generic extractor has one (a selector that picked a
// related card's vendor on one sample page of twenty would do it again on the pages read
// without the generic extractor). A field the generic extractor never read on the samples
// stays with the profile (its values fill the generic extractor's gaps).
func (f FieldReport) verified(opts VerifyOptions) bool {
	return f.Generic == 0 || (f.Agreement() >= opts.MinAgreement && f.Agree >= opts.MinPages && f.Wrong == 0)
}

// Agreement is Agree / Generic (1 when the generic extractor never had the field).
func (f FieldReport) Agreement() float64 {
	if f.Generic == 0 {
		return 1
	}
	return float64(f.Agree) / float64(f.Generic)
}

// Report is the verification of an induced profile on the pages it was learned from.
type Report struct {
	Pages     int            `json:"pages"`     // content pages compared
	Unmatched int            `json:"unmatched"` // content pages of a kind the profile reads that no page type read
	Records   map[string]int `json:"records"`   // records compared per page type
	Fields    []FieldReport  `json:"fields"`
	// Generic lists, per page type, the fields not verified (FieldReport.verified): a
	// crawl takes them from the generic extractor (the profile's values for the rest).
	Generic map[string][]string `json:"generic"`
}

// Covers reports whether page type pt has a title and a price the profile reproduces.
func (r *Report) Covers(pt string) bool {
	return !slices.Contains(r.Generic[pt], "title") && r.Records[pt] > 0
}

// String is the agreement table, one line per page type and field.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d content pages, %d read by no page type\n", r.Pages, r.Unmatched)
	for _, f := range r.Fields {
		fmt.Fprintf(&b, "%-9s %-15s agreement %5.1f%% (generic %d, agree %d, wrong %d, missed %d, filled %d)\n",
			f.PageType, f.Field, 100*f.Agreement(), f.Generic, f.Agree, f.Wrong, f.Missed, f.Filled)
	}
	return b.String()
}

// VerifyOptions configure Verify.
type VerifyOptions struct {
	MinAgreement float64 // [0.95]
	MinPages     int     // fewest records a field's selector must reproduce [3]
}

// contentKind is a page kind an induced profile reads.
func contentKind(k string) bool {
	return k == extract.KindListing || k == extract.KindCategory || k == extract.KindSearch
}

// Verify applies prof to the samples and compares each record field with the samples'
// generic results.
func Verify(prof extract.Profile, samples []Sample, opts VerifyOptions) (Report, error) {
	if opts.MinAgreement <= 0 {
		opts.MinAgreement = 0.95
	}
	if opts.MinPages <= 0 {
		opts.MinPages = 3
	}
	x, err := withProfile(prof)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Records: map[string]int{}, Generic: map[string][]string{}}
	acc := map[[2]string]*FieldReport{}
	kinds := map[string]bool{}
	for _, pt := range prof.PageTypes {
		kinds[pt.Kind] = true
	}
	for _, s := range samples {
		if !contentKind(s.Result.Kind) || len(s.Result.Listings) == 0 {
			continue
		}
		rep.Pages++
		got, err := x.Extract(extract.Page{URL: s.URL, Market: marketOf(s), Body: s.Body}, prof.Name)
		if err != nil {
			return Report{}, fmt.Errorf("induce: verify %s: %w", s.URL, err)
		}
		if got.PageType == "" {
			if kinds[s.Result.Kind] {
				rep.Unmatched++
			}
			continue
		}
		pt := got.PageType
		byURL := map[string]*extract.Listing{}
		for i := range got.Listings {
			byURL[got.Listings[i].URL] = &got.Listings[i]
		}
		for i := range s.Result.Listings {
			g := &s.Result.Listings[i]
			p := byURL[g.URL]
			if p == nil {
				p = &extract.Listing{}
			}
			rep.Records[pt]++
			gf, pf := Fields(g), Fields(p)
			for _, name := range FieldNames {
				k := [2]string{pt, name}
				fr := acc[k]
				if fr == nil {
					fr = &FieldReport{PageType: pt, Field: name}
					acc[k] = fr
				}
				gv, pv := gf[name], pf[name]
				switch {
				case gv == "" && pv != "":
					fr.Filled++
				case gv == "":
				case gv == pv:
					fr.Generic++
					fr.Agree++
				case pv == "":
					fr.Generic++
					fr.Missed++
				default:
					fr.Generic++
					fr.Wrong++
				}
			}
		}
	}
	for _, fr := range acc {
		rep.Fields = append(rep.Fields, *fr)
		if !fr.verified(opts) {
			rep.Generic[fr.PageType] = append(rep.Generic[fr.PageType], fr.Field)
		}
	}
	for pt := range rep.Records {
		if rep.Generic[pt] == nil {
			rep.Generic[pt] = []string{}
		}
		sort.Strings(rep.Generic[pt])
	}
	sort.Slice(rep.Fields, func(i, j int) bool {
		a, b := rep.Fields[i], rep.Fields[j]
		if a.PageType != b.PageType {
			return a.PageType < b.PageType
		}
		return slices.Index(FieldNames, a.Field) < slices.Index(FieldNames, b.Field)
	})
	return rep, nil
}

func marketOf(s Sample) string {
	for _, l := range s.Result.Listings {
		if l.Market != "" {
			return l.Market
		}
	}
	return ""
}

// withProfile is an extractor that knows prof besides the embedded profiles.
func withProfile(prof extract.Profile) (*extract.Extractor, error) {
	x, err := extract.New(extract.Options{Profiles: []extract.Profile{prof}})
	if err != nil {
		return nil, fmt.Errorf("induce: profile %s: %w", prof.Name, err)
	}
	return x, nil
}

// FieldNames are the listing fields compared (and merged) by name.
var FieldNames = []string{"title", "price", "vendor", "ships_from", "ships_to", "category", "description",
	"offers", "status", "entities", "substances", "id", "url"}

// Fields renders the compared fields of a listing as strings.
func Fields(l *extract.Listing) map[string]string {
	price := ""
	if l.Price.Currency != "" {
		price = num(l.Price.Amount) + " " + l.Price.Currency
	}
	var offers []string
	for _, o := range l.Offers {
		offers = append(offers, fmt.Sprintf("%s%s=%s%s", num(o.Quantity), o.Unit, num(o.Price.Amount), o.Price.Currency))
	}
	var ents []string
	for _, e := range l.Entities {
		ents = append(ents, e.Kind+":"+e.Value)
	}
	sort.Strings(ents)
	var subs []string
	for _, s := range l.Substances {
		subs = append(subs, s.Name)
	}
	sort.Strings(subs)
	return map[string]string{
		"title": l.Title, "price": price, "vendor": l.Vendor,
		"ships_from": places(l.ShipsFrom, l.ShipsFromRaw), "ships_to": places(l.ShipsTo, l.ShipsToRaw),
		"category": l.Category, "description": l.Description, "offers": strings.Join(offers, ";"),
		"status": l.Status, "entities": strings.Join(ents, ","), "substances": strings.Join(subs, ","),
		"id": l.ID, "url": l.URL,
	}
}

func places(codes []string, raw string) string {
	if len(codes) == 0 && raw == "" {
		return ""
	}
	c := slices.Clone(codes)
	sort.Strings(c)
	return strings.Join(c, ",") + "|" + raw
}

func num(f float64) string {
	return fmt.Sprintf("%.6g", math.Round(f*1e6)/1e6)
}
