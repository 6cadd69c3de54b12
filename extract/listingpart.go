package extract

import (
	"net/url"
	"strings"
)

// Listing parts: the tabs of one listing served as pages of their own (shipping or
// delivery, feedback or reviews, terms or refund policy). Their URL extends the
// listing's URL: a tab word after the listing's path ("/listing/123/feedback") or a tab
// parameter added to its query ("product.php?id=5&tab=shipping"). A part is never a
// listing of its own: a page whose URL is a part is KindListingPart with the key of its
// listing (Result.ListingKey) when it holds no full listing, and a listing read from it
// takes the listing's URL and key, so the index merges it into the one record. Links to
// parts are LinkListingPart, for the crawler to fetch when a record lacks their fields.

// KindListingPart is a sub-page (tab) of one listing; Result.ListingKey names the listing.
const KindListingPart = "listing_part"

// LinkListingPart is a link to a sub-page (tab) of a listing.
const LinkListingPart = "listing_part"

var (
	// tabWords are the last path segments of listing tabs.
	tabWords = map[string]bool{
		"feedback": true, "feedbacks": true, "reviews": true, "review": true, "ratings": true,
		"shipping": true, "delivery": true, "postage": true, "terms": true, "refund": true,
		"refunds": true, "policy": true, "rules": true, "description": true, "details": true,
		"info": true, "about": true, "faq": true, "questions": true, "comments": true,
		"bewertungen": true, "versand": true, "avis": true, "livraison": true, "отзывы": true, "доставка": true,
	}
	// tabParams select a tab of the page they are added to.
	tabParams = []string{"tab", "section", "view", "show", "part", "subpage", "sub"}
)

// ListingPartBase returns the URL of the listing that page URL raw is a part (tab) of,
// and true; "" and false when raw is not a part of a listing URL.
func ListingPartBase(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || len(raw) > 4096 {
		return "", false
	}
	low := strings.ToLower(u.Path)
	// a tab word after a listing path: /listing/123/feedback
	if i := strings.LastIndexByte(strings.TrimSuffix(low, "/"), '/'); i > 0 {
		last := strings.TrimSuffix(low, "/")[i+1:]
		if tabWords[strings.TrimSuffix(last, ".php")] && genListingRe.MatchString(low[:i]+"/") && URLKey(u.Path[:i]) != "" {
			b := *u
			b.Path = u.Path[:i]
			b.RawPath = ""
			b.RawQuery = ""
			b.Fragment = ""
			return b.String(), true
		}
	}
	// a tab parameter added to a listing URL: ?id=5&tab=shipping
	q := u.Query()
	found := false
	for _, p := range tabParams {
		// the value names a tab ("shipping") or numbers one ("2"); "view=grid" is a
		// display option of a list
		if v := strings.ToLower(q.Get(p)); v != "" && (tabWords[v] || (len(v) <= 2 && strings.Trim(v, "0123456789") == "")) {
			q.Del(p)
			found = true
		}
	}
	if !found || len(q) == 0 {
		return "", false
	}
	b := *u
	b.RawQuery = q.Encode()
	b.Fragment = ""
	if !genListingRe.MatchString(strings.ToLower(b.RequestURI())) {
		return "", false
	}
	return b.String(), true
}

// markListingPart applies the listing-part rules to a page's output: a part without a
// full listing is KindListingPart with its listing's key; listings read from the page
// take the listing's URL.
func markListingPart(pc *pageCtx, prof *compiled, out *pageOut) string {
	base, ok := ListingPartBase(pc.page.URL)
	if !ok {
		return ""
	}
	for _, d := range out.listings {
		if d.l.URL == "" || d.l.URL == pc.page.URL {
			d.l.URL = base
		}
	}
	switch out.kind {
	case KindInterstitial, KindNotFound, KindListing:
	default:
		if len(out.listings) == 0 || out.kind == KindOther || out.kind == KindVendor {
			// a feedback tab reads like a vendor's page, a shipping tab like nothing:
			// both are parts of the listing
			out.kind = KindListingPart
			out.listings = nil
			out.vendors = nil
		}
	}
	return listingKey(prof, base)
}
