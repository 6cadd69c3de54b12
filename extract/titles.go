package extract

// Titles: the page's main heading without the market's name, badges or notices.

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// pageTitle is the main heading, og:title or <title>. A heading that is the market's
// name (in the page header, a logo/brand/site class, or a link to the home page) is not
// the page's title; without another h1/h2 an element classed as a product/listing/item
// title or name, then an h3/h4, stands in for the main heading.
func pageTitle(pc *pageCtx) string {
	if n := pc.mainHeading(); n != nil {
		return headingText(n)
	}
	if t, ok := pc.doc.FindMatcher(selOGTitle).Attr("content"); ok && strings.TrimSpace(t) != "" {
		return oneLine(t)
	}
	for n := range pc.all(tagH34) {
		if t := oneLine(nodeText(n)); t != "" && len(t) < 300 && !brandHeading(pc, n) {
			return t
		}
	}
	return stripSiteName(pc.title())
}

var (
	titleSepRe  = regexp.MustCompile(`\s+(?:-|\||::|—|–|»|·)\s+`)
	siteWordRe  = regexp.MustCompile(`(?i)\b(?:market|marketplace|markt|marché|mercado|shop|store|bazaar|emporium|forum)\b|маркет|магазин`)
	siteWordMax = 4 // words in a site-name segment
)

// stripSiteName drops the market's name from a <title>: "Item - Apollon Market" -> "Item",
// "Kestrel Market :: Item" -> "Item". A first or last segment of at most four words that
// holds a market word (market, shop, store, bazaar, forum...) is the site's name.
func stripSiteName(t string) string {
	locs := titleSepRe.FindAllStringIndex(t, -1)
	if len(locs) == 0 {
		return t
	}
	site := func(seg string) bool {
		return len(strings.Fields(seg)) <= siteWordMax && siteWordRe.MatchString(seg)
	}
	if last := locs[len(locs)-1]; site(t[last[1]:]) && strings.TrimSpace(t[:last[0]]) != "" {
		return strings.TrimSpace(t[:last[0]])
	}
	if first := locs[0]; site(t[:first[0]]) && strings.TrimSpace(t[first[1]:]) != "" {
		return strings.TrimSpace(t[first[1]:])
	}
	return t
}

// headingText is a heading's text without its badges (`<span class="badge">Featured</span>`,
// label/tag/pill/chip classes) when other text remains.
func headingText(n *html.Node) string {
	var badges []*html.Node
	stack := []*html.Node{n}
	for i := 0; len(stack) > 0 && i < 200; i++ {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for c := e.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if badgeClass(attr(c, "class")) {
				badges = append(badges, c)
				continue
			}
			stack = append(stack, c)
		}
	}
	full := oneLine(nodeText(n))
	if len(badges) == 0 {
		return full
	}
	t := full
	for _, b := range badges {
		if bt := oneLine(nodeText(b)); bt != "" {
			t = strings.Replace(t, bt, "", 1)
		}
	}
	if t = collapseSpaces(t); t == "" {
		return full
	}
	return t
}

func badgeClass(c string) bool {
	for _, f := range strings.Fields(strings.ToLower(c)) {
		switch f {
		case "badge", "label", "tag", "pill", "chip", "ribbon", "sticker":
			return true
		}
		if strings.HasPrefix(f, "badge-") || strings.HasPrefix(f, "label-") || strings.HasPrefix(f, "tag-") {
			return true
		}
	}
	return false
}

// brandHeading reports whether heading n names the market rather than the page: it sits
// in the page header or navigation, carries a logo/brand/site class, or links home.
func brandHeading(pc *pageCtx, n *html.Node) bool {
	if inHeader(n) {
		return true
	}
	if t := strings.TrimSpace(nodeText(n)); strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：") {
		return true // a section label ("User Profile :"), not a title
	}
	for e, i := n, 0; e != nil && e.Type == html.ElementNode && i < 3; e, i = e.Parent, i+1 {
		for _, c := range strings.Fields(strings.ToLower(attr(e, "class") + " " + attr(e, "id"))) {
			if strings.Contains(c, "logo") || strings.Contains(c, "brand") || c == "site" || strings.HasPrefix(c, "site-") || strings.HasPrefix(c, "site_") || strings.HasPrefix(c, "sitename") {
				return true
			}
			// a notice above the page: "⚠ Maintenance on Sunday"
			switch c {
			case "alert", "notice", "announcement", "announcements", "banner", "flash", "news", "marquee":
				return true
			}
		}
	}
	if a := firstLink(n); a != nil && oneLine(nodeText(a)) == oneLine(nodeText(n)) {
		if h := strings.TrimSpace(attr(a, "href")); h == "/" || h == "./" || h == "index.php" || h == "/index.php" || (pc.base != nil && strings.TrimSuffix(pc.abs(h), "/") == pc.base.Scheme+"://"+pc.base.Host) {
			return true
		}
	}
	return false
}
