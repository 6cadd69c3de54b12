package extract

import (
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

const maxLinks = 2000

var (
	genListingRe = regexp.MustCompile(`(?i)/(listing|listings|product|products|item|items|offer|offers|viewproduct|goods|tovar|товар)(/|\.php|\?|$)|[?&](ls_id|lid|listing|listing_id|offer|product|product_id|pid|item|item_id|itemid)=`)
	genVendorRe  = regexp.MustCompile(`(?i)/(vendor|vendors|user|users|u|seller|sellers|profile|shop|store|member|members)(/|\.php|\?)|[?&](u_id|vendor|seller|member|username)=|contactmember`)
	genIgnoreRe  = regexp.MustCompile(`(?i)logout|log_out|signout|sign_out|/cart|addtocart|add_to_cart|delete|remove|/order|purchase|checkout|setqueue|/wallet|/withdraw|selectcurrency|report`)
	genNextText  = regexp.MustCompile(`(?i)^\s*(next|next page|older|more|›|»|>|>>|следующая|далее|вперед|→)\s*$`)
	genNavRe     = regexp.MustCompile(`(?i)[?&](page|p|pg|start|offset)=\d+|/page/\d+`)
)

// classifyLinks lists the page's same-site links with their kinds, deduplicated.
func classifyLinks(pc *pageCtx, prof *compiled) []Link {
	seen := map[string]bool{}
	var out []Link
	var nextNodes map[*html.Node]bool
	if prof != nil && prof.lNext != nil {
		nextNodes = map[*html.Node]bool{}
		for _, n := range pc.doc.FindMatcher(prof.lNext).Nodes {
			nextNodes[n] = true
		}
	}
	for _, n := range pc.doc.Find("a[href]").Nodes {
		if len(out) >= maxLinks {
			break
		}
		u := pc.abs(attr(n, "href"))
		if u == "" || seen[u] {
			continue
		}
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
			continue
		}
		if pc.base != nil && pu.Host != "" && !strings.EqualFold(pu.Host, pc.base.Host) {
			continue // other sites are not this market's links
		}
		kind := ""
		if prof != nil {
			switch {
			case prof.lIgnore != nil && prof.lIgnore.MatchString(u):
				continue
			case nextNodes[n] || (prof.lNextURL != nil && prof.lNextURL.MatchString(u)):
				kind = LinkNext
			case prof.lListing != nil && prof.lListing.MatchString(u):
				kind = LinkListing
			case prof.lVendor != nil && prof.lVendor.MatchString(u):
				kind = LinkVendor
			}
		}
		if kind == "" {
			if genIgnoreRe.MatchString(u) {
				continue
			}
			rel := strings.ToLower(attr(n, "rel"))
			txt := oneLine(nodeText(n))
			switch {
			case rel == "next" || genNextText.MatchString(txt):
				kind = LinkNext
			case genListingRe.MatchString(u):
				kind = LinkListing
			case genVendorRe.MatchString(u):
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
