package extract

// Forum threads: an offer written in prose.

import (
	"fmt"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/darkwatch/darkwatch/extract/price"
	"github.com/darkwatch/darkwatch/extract/quantity"
)

// proseOffers reads tiers from a sentence like "Prices: 1 g for $20, 5 g for $96".
func proseOffers(text string) []string {
	for line := range strings.SplitSeq(text, "\n") {
		var tiers []string
		for _, part := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ';' }) {
			part = strings.TrimSpace(strings.TrimRight(part, "."))
			if i := strings.IndexAny(part, ":"); i >= 0 && i < 20 {
				part = strings.TrimSpace(part[i+1:])
			}
			if _, ok := quantity.Parse(part); !ok {
				continue
			}
			if _, ok := price.Parse(part); ok {
				tiers = append(tiers, part)
			}
		}
		if len(tiers) >= 1 {
			return tiers
		}
	}
	return nil
}

var boardURLRe = mustQuick(`(?i)/(d|board|boards|forum|forums|f|c|category|categories|subforum)/[^/?#]+/?$|[?&](f|board|forum)=`)

// forumOut reads a forum thread: each post with a price in its prose is an offer; the
// first post (the thread's opening post) takes the thread's key.
func forumOut(pc *pageCtx) (pageOut, bool) {
	posts := pc.doc.FindMatcher(selPosts).Nodes
	var roots []*html.Node
	for _, p := range posts {
		inner := false
		for _, r := range roots {
			if within(p, []*html.Node{r}) {
				inner = true
				break
			}
		}
		if !inner {
			roots = append(roots, p)
		}
	}
	if len(roots) < 1 || (!forumURLRe.MatchString(pc.page.URL) && len(roots) < 2) {
		return pageOut{}, false
	}
	title := pageTitle(pc)
	out := pageOut{kind: KindForumThread}
	threadKey := URLKey(pc.page.URL)
	for i, p := range roots {
		if i >= 200 {
			break
		}
		ps := goquery.NewDocumentFromNode(p)
		bodyNode := ps.FindMatcher(selPostBody).First()
		full := nodeText(p)
		body := full
		if len(bodyNode.Nodes) > 0 {
			body = nodeText(bodyNode.Nodes[0])
		}
		desc := stripPGP(body)
		if _, ok := price.Parse(desc); !ok {
			continue
		}
		d := &lDraft{}
		if a := ps.FindMatcher(selAuthorLink).First(); len(a.Nodes) > 0 {
			if h := vendorFromURL(pc.abs(attr(a.Nodes[0], "href"))); h != "" {
				d.l.Vendor = h
			} else {
				d.l.Vendor = cleanHandle(nodeText(a.Nodes[0]))
			}
			d.vendorURL = pc.abs(attr(a.Nodes[0], "href"))
		} else if a := ps.FindMatcher(selAuthor).First(); len(a.Nodes) > 0 {
			d.l.Vendor = cleanHandle(nodeText(a.Nodes[0]))
		}
		for _, a := range ps.FindMatcher(selAHref).Nodes {
			if len(bodyNode.Nodes) > 0 && within(a, bodyNode.Nodes) {
				continue
			}
			if boardURLRe.MatchString(attr(a, "href")) {
				d.l.Category = oneLine(nodeText(a))
				break
			}
		}
		if h := ps.FindMatcher(selH123).First(); len(h.Nodes) > 0 {
			d.l.Title = oneLine(nodeText(h.Nodes[0]))
		} else {
			d.l.Title = title
		}
		d.l.Description = truncate(desc, maxFieldLen)
		d.offers = proseOffers(desc)
		if len(d.offers) == 0 {
			d.price = desc
		}
		if m := shipProseRe.FindStringSubmatch(desc); m != nil {
			d.l.ShipsFromRaw = strings.TrimSpace(m[1])
			d.l.ShipsToRaw = strings.TrimSpace(m[2])
		}
		if strings.Contains(full, "BEGIN PGP") {
			d.pgp = full
		}
		d.l.Status = statusOf(desc)
		d.l.URL = pc.page.URL
		if len(out.listings) == 0 {
			d.l.ID = threadKey
		} else {
			id := attr(p, "id")
			if id == "" {
				id = fmt.Sprintf("%d", i+1)
			}
			d.l.ID = threadKey + "#" + id
		}
		out.listings = append(out.listings, d)
	}
	return out, len(out.listings) > 0
}
