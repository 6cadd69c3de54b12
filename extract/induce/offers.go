package induce

import (
	"strings"

	"golang.org/x/net/html"

	"github.com/darkwatch/darkwatch/extract"
)

// maxOfferTrials bounds the row selectors tried for offers.
const maxOfferTrials = 6

// offers finds the selector of quantity-tier rows on listing pages. Tiers are parsed by the
// extractor (quantity, unit, price), so a candidate is tried end to end: the profile with
// it reads the pages, and the one whose offers equal the generic extractor's on most pages
// wins.
func (b *builder) offers(py profileYAML, pt *pageTypeYAML, scopes []*scope, listings []*extract.Listing) {
	cands := newTally[string]()
	with := 0
	for i, sc := range scopes {
		k := len(listings[i].Offers)
		if k == 0 {
			continue
		}
		with++
		seen := map[string]bool{}
		for _, n := range sc.elems {
			rows := rowGroup(sc.d, n, k)
			if rows == nil {
				continue
			}
			for _, s := range rowSelectors(n, rows[0]) {
				if !seen[s] {
					seen[s] = true
					cands.add(s)
				}
			}
		}
	}
	if with < b.opts.MinPages {
		return
	}
	order := cands.top(maxOfferTrials, strLen)
	bestSel, bestAgree := "", -1
	for _, sel := range order {
		fields := map[string]fieldYAML{}
		for k, v := range pt.Fields {
			fields[k] = v
		}
		fields["offers"] = fieldYAML{Selector: sel}
		trial := *pt
		trial.Fields = fields
		tp := py
		tp.PageTypes = []pageTypeYAML{trial}
		agree := b.trial(tp, "offers", scopes, listings)
		if agree > bestAgree || (agree == bestAgree && len(sel) < len(bestSel)) {
			bestSel, bestAgree = sel, agree
		}
	}
	if bestSel != "" && float64(bestAgree) >= b.opts.MinAgreement*float64(with) {
		pt.Fields["offers"] = fieldYAML{Selector: bestSel}
	}
}

// rowGroup is the children of n sharing one tag (k to k+2 of them) that have a short text
// with a digit, when there are k or k+1 such rows (tiers); nil otherwise.
func rowGroup(d *doc, n *html.Node, k int) []*html.Node {
	byTag := map[string][]*html.Node{}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			byTag[c.Data] = append(byTag[c.Data], c)
		}
	}
	for tag, rows := range byTag {
		if !rowTags[tag] || len(rows) < k || len(rows) > k+2 {
			continue
		}
		var tiers []*html.Node // rows with a number: a header row has none
		for _, r := range rows {
			if t := d.textOf(r); len(t) <= 200 && strings.ContainsAny(t, "0123456789") {
				tiers = append(tiers, r)
			}
		}
		if len(tiers) >= k && len(tiers) <= k+1 {
			return tiers
		}
	}
	return nil
}

var rowTags = map[string]bool{"tr": true, "li": true, "option": true, "label": true, "div": true, "p": true}

// rowSelectors name every row of a group (no position).
func rowSelectors(parent, row *html.Node) []string {
	var out []string
	for _, s := range steps(row) {
		out = append(out, s)
		for _, p := range steps(parent) {
			out = append(out, p+" > "+s)
		}
	}
	return out
}

// trial applies a profile to the scopes' pages and counts the records whose field equals
// the generic one.
func (b *builder) trial(py profileYAML, field string, scopes []*scope, listings []*extract.Listing) int {
	y, err := marshalProfile(py)
	if err != nil {
		return -1
	}
	prof, err := extract.LoadProfile(strings.NewReader(string(y)))
	if err != nil {
		return -1
	}
	x, err := withProfile(prof)
	if err != nil {
		return -1
	}
	agree := 0
	for i, sc := range scopes {
		want := Fields(listings[i])[field]
		if want == "" {
			continue
		}
		p := b.pageOf(sc)
		res, err := x.Extract(extract.Page{URL: p.s.URL, Market: listings[i].Market, Body: p.s.Body}, prof.Name)
		if err != nil || len(res.Listings) == 0 {
			continue
		}
		if Fields(&res.Listings[0])[field] == want {
			agree++
		}
	}
	return agree
}

func (b *builder) pageOf(sc *scope) *page {
	for _, p := range b.pages {
		if p.d == sc.d {
			return p
		}
	}
	return nil
}
