package extract

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

const maxLinks = 2000

var (
	// These run on lower-cased URLs (see lowerURL).
	genListingRe = mustQuick(`(?:^|/)(listing|listings|product|products|item|items|offer|offers|viewproduct|goods|tovar|товар)(/|\.php|\?|$)|[?&](ls_id|lid|listing|listing_id|offer|product|product_id|pid|item|item_id|itemid)=`)
	genVendorRe  = mustQuick(`(?:^|/)(vendor|vendors|user|users|u|seller|sellers|profile|shop|store|member|members|vendeur|vendedor|verkaeufer|verkäufer|venditore|verkoper|(user|vendor|seller|member|view|show|public)[-_]?(profile|info|page|shop|store))(/|\.php|\?)|[?&](u_id|vendor|seller|member|username)=|contactmember`)
	genIgnoreRe  = newWordSet("logout", "log_out", "signout", "sign_out", "/cart", "addtocart", "add_to_cart", "delete", "remove", "/order", "purchase", "checkout", "setqueue", "/wallet", "/withdraw", "/balance", "/deposit", "selectcurrency", "report")
	genNextText  = mustQuick(`(?i)^\s*(next|next page|older|more|›|»|>|>>|следующая|далее|вперед|→)\s*$`)
)

// classifyLinks lists the page's same-site links with their kinds, deduplicated.
func classifyLinks(pc *pageCtx, prof *compiled) []Link {
	seen := make(map[string]bool, len(pc.anchors()))
	var out []Link
	// isNext: the anchor matches the profile's next-page selector. Matching each anchor is
	// the same as collecting the selector's matches in the document, without walking it.
	var nextSel cascadia.Selector
	if prof != nil && prof.lNext != nil && pc.mayMatch(prof.lNextNeed) {
		nextSel = prof.lNext
	}
	isNext := func(n *html.Node) bool { return nextSel != nil && nextSel.Match(n) }
	anchors := pc.anchors()
	seenRaw := make(map[string]bool, len(anchors))
	for _, n := range anchors {
		if len(out) >= maxLinks {
			break
		}
		raw := attr(n, "href")
		if seenRaw[raw] && !isNext(n) {
			continue
		}
		seenRaw[raw] = true
		pu := pc.absURL(raw)
		if pu == nil || (pu.Scheme != "http" && pu.Scheme != "https") {
			continue
		}
		if pc.base != nil && pu.Host != "" && !strings.EqualFold(pu.Host, pc.base.Host) {
			continue // other sites are not this market's links
		}
		u := pu.String()
		if seen[u] {
			continue
		}
		kind := ""
		if prof != nil {
			// profile link regexes match the path and query (the host is the market's)
			pq := pu.RequestURI()
			switch {
			case prof.lIgnore != nil && prof.lIgnore.MatchString(pq):
				continue
			case isNext(n) || (prof.lNextURL != nil && prof.lNextURL.MatchString(pq)):
				kind = LinkNext
			case prof.lListing != nil && prof.lListing.MatchString(pq):
				kind = LinkListing
			case prof.lVendor != nil && prof.lVendor.MatchString(pq):
				kind = LinkVendor
			}
		}
		if kind == "" {
			lu := strings.ToLower(pu.RequestURI())
			if genIgnoreRe.MatchString(lu) || reorderedPage(pc, pu) {
				continue
			}
			rel := strings.ToLower(attr(n, "rel"))
			_, _, part := PartOf(u)
			switch {
			case part:
				kind = LinkPart // a listing's tab sub-page (parts.go)
			case rel == "next" || isNextText(n):
				kind = LinkNext
			case genListingRe.MatchString(lu):
				kind = LinkListing
			case genVendorRe.MatchString(lu):
				kind = LinkVendor
			default:
				kind = LinkNav
			}
		}
		seen[u] = true
		out = append(out, Link{URL: u, Kind: kind})
	}
	return out
}

// orderParams are the query keys that only reorder or re-lay a listing page.
var orderParams = []string{"sort", "sortby", "sort_by", "sortorder", "sort_order", "order", "orderby", "order_by", "dir", "direction"}

// reorderedPage reports whether u is the page itself in another order: the same path and
// query once the order keys (?sort=price_asc) and the page number are set aside, u having
// an order key. Such a link shows the listings the page's own pagination reaches (a
// category with four sort orders would be crawled four times).
func reorderedPage(pc *pageCtx, u *url.URL) bool {
	if pc.base == nil || u.RawQuery == "" || u.Path != pc.base.Path {
		return false
	}
	q := u.Query()
	found := false
	for _, k := range orderParams {
		if q.Has(k) {
			found = true
			q.Del(k)
		}
	}
	if !found {
		return false
	}
	own := pc.base.Query()
	for _, k := range orderParams {
		own.Del(k)
	}
	q.Del("page")
	own.Del("page")
	return q.Encode() == own.Encode()
}

// isNextText reports whether an anchor's short text says "next page".
func isNextText(n *html.Node) bool {
	c := n.FirstChild
	if c == nil {
		return false
	}
	if c.NextSibling == nil && c.Type == html.TextNode && len(c.Data) <= 40 && n.DataAtom == atom.A && utf8.ValidString(c.Data) {
		// <a>text</a>: oneLine(nodeText(n)) is the text with its spaces collapsed
		return genNextText.MatchString(collapseSpaces(c.Data))
	}
	t := nodeText(n)
	if (c.NextSibling != nil || c.Type != html.TextNode || len(c.Data) > 40) && len(t) > 40 {
		return false
	}
	return genNextText.MatchString(oneLine(t))
}

// wordSet matches when a lower-cased string contains any of its words (faster than an
// unanchored regexp alternation).
type wordSet struct{ m litMatcher }

func newWordSet(words ...string) wordSet { return wordSet{newLitMatcher(words)} }

func (w wordSet) MatchString(s string) bool { return w.m.in(s) }
