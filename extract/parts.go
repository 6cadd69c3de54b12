package extract

import (
	"net/url"
	"strings"

	"github.com/darkwatch/darkwatch/extract/record"
)

// Parts: a listing spread over several pages. Many markets show a listing's shipping,
// feedback, terms or refund policy on tab sub-pages whose URL extends the listing's by one
// segment (/item/123/shipping) or names the tab in a query parameter (?tab=shipping).
// Such a page is a part of its listing, never a listing of its own: Extract gives it
// KindPart and at most one record, keyed like the parent listing and carrying only what a
// part adds (where the listing ships from and to). A crawler fetches a part when the
// listing's record lacks those fields (NeededLinks) and merges it in (MergePart).

// KindPart is the kind of a listing's tab sub-page (see PartOf).
const KindPart = record.KindPart

// LinkPart is the kind of a link to a listing's part sub-page.
const LinkPart = "part"

// Part kinds returned by PartOf.
const (
	PartShipping = "shipping" // shipping, delivery, postage
	PartFeedback = "feedback" // feedback, reviews, ratings
	PartTerms    = "terms"    // terms, rules, refund and return policies
	PartOther    = "other"    // a numbered tab (?tab=2): what it carries is unknown
)

// partWords maps a tab's URL segment (lower case) to its part kind, in the languages
// the generic extractor reads (English, German, Spanish, French, Italian, Dutch, Polish,
// Russian).
var partWords = map[string]string{
	"shipping": PartShipping, "shipping-info": PartShipping, "shipping_info": PartShipping, "delivery": PartShipping,
	"postage": PartShipping, "versand": PartShipping, "lieferung": PartShipping, "envio": PartShipping, "envío": PartShipping,
	"livraison": PartShipping, "spedizione": PartShipping, "verzending": PartShipping, "wysylka": PartShipping,
	"wysyłka": PartShipping, "dostawa": PartShipping, "доставка": PartShipping,
	"feedback": PartFeedback, "feedbacks": PartFeedback, "reviews": PartFeedback, "review": PartFeedback, "ratings": PartFeedback,
	"bewertungen": PartFeedback, "opiniones": PartFeedback, "resenas": PartFeedback, "reseñas": PartFeedback, "avis": PartFeedback,
	"recensioni": PartFeedback, "beoordelingen": PartFeedback, "opinie": PartFeedback, "отзывы": PartFeedback,
	"comments": PartFeedback,
	"terms":    PartTerms, "rules": PartTerms, "refund": PartTerms, "refunds": PartTerms, "refund-policy": PartTerms,
	"refund_policy": PartTerms, "returns": PartTerms, "policy": PartTerms, "agb": PartTerms, "condiciones": PartTerms,
	"conditions": PartTerms, "regulamin": PartTerms, "правила": PartTerms,
}

// partParams name a tab in a listing URL's query (?tab=shipping); numberParams may also
// number one (?tab=2; "view=2" or "section=2" may be a list's display option).
var (
	partParams   = []string{"tab", "section", "view", "show", "part", "subpage", "sub"}
	numberParams = map[string]bool{"tab": true, "part": true, "subpage": true, "sub": true}
)

// PartOf reports whether rawURL is a part sub-page of a listing: a URL that extends a
// listing URL by one path segment naming a tab (/item/123/shipping), or a listing URL with
// a tab query parameter naming or numbering one (?tab=shipping, &tab=2). It returns the
// parent listing's URL and the part kind (PartShipping, PartFeedback, PartTerms,
// PartOther).
func PartOf(rawURL string) (parent, kind string, ok bool) {
	if len(rawURL) > 4096 {
		return "", "", false
	}
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return "", "", false
	}
	q := u.Query()
	for _, p := range partParams {
		v := strings.ToLower(q.Get(p))
		k, found := partWords[v]
		if !found && numberParams[p] && len(v) > 0 && len(v) <= 2 && strings.Trim(v, "0123456789") == "" {
			k, found = PartOther, true
		}
		if found {
			q.Del(p)
			if len(q) == 0 {
				return "", "", false // nothing names the listing
			}
			pu := *u
			pu.RawQuery, pu.Fragment = q.Encode(), ""
			if genListingRe.MatchString(strings.ToLower(pu.RequestURI())) {
				return pu.String(), k, true
			}
		}
	}
	p := strings.TrimSuffix(u.Path, "/")
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "", "", false
	}
	k, found := partWords[strings.ToLower(p[i+1:])]
	if !found {
		return "", "", false
	}
	pu := *u
	pu.Path, pu.RawPath, pu.Fragment = p[:i], "", ""
	// The parent is a listing URL: a listing path, or a key segment after one.
	if !genListingRe.MatchString(strings.ToLower(pu.RequestURI())) || URLKey(pu.String()) == "" {
		return "", "", false
	}
	return pu.String(), k, true
}

// asPart turns the result of a part page into a part result: no listing of its own, at
// most one record keyed like the parent listing with the places the part shows.
func asPart(res Result, pageURL, parent, market string, prof *compiled) Result {
	res.Kind = KindPart
	var src *Listing
	for i := range res.Listings {
		if src == nil || res.Listings[i].URL == pageURL {
			src = &res.Listings[i]
		}
	}
	res.Listings, res.Vendors = nil, nil
	key := listingKey(prof, parent)
	if key != "" {
		res.ListingKey = market + "/" + key
	}
	if key == "" || src == nil || (len(src.ShipsFrom) == 0 && len(src.ShipsTo) == 0) {
		return res
	}
	res.Listings = []Listing{{
		ID: market + "/" + key, Market: market, URL: parent,
		ShipsFrom: src.ShipsFrom, ShipsFromRaw: src.ShipsFromRaw, ShipsTo: src.ShipsTo, ShipsToRaw: src.ShipsToRaw,
		Capture: src.Capture, FirstSeen: src.FirstSeen, LastSeen: src.LastSeen,
	}}
	return res
}

// NeedsPart reports whether the listing l lacks fields that the part at partURL carries:
// a shipping part is needed while l has no origin or no destination.
func NeedsPart(l Listing, partURL string) bool {
	_, kind, ok := PartOf(partURL)
	return ok && kind == PartShipping && (len(l.ShipsFrom) == 0 || len(l.ShipsTo) == 0)
}

// NeededLinks returns res.Links without the part links a crawler need not fetch: a part
// is fetched only from its own listing's page (pageURL), and only when that listing's
// record lacks what the part carries (NeedsPart).
func NeededLinks(res Result, pageURL string) []Link {
	var own *Listing
	if res.Kind == KindListing {
		for i := range res.Listings {
			if res.Listings[i].URL == pageURL || (len(res.Listings) == 1 && URLKey(res.Listings[i].URL) == URLKey(pageURL)) {
				own = &res.Listings[i]
			}
		}
	}
	out := make([]Link, 0, len(res.Links))
	for _, ln := range res.Links {
		if ln.Kind == LinkPart {
			parent, _, _ := PartOf(ln.URL)
			if own == nil || parent != own.URL || !NeedsPart(*own, ln.URL) {
				continue
			}
		}
		out = append(out, ln)
	}
	return out
}
