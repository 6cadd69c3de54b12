package extract

// Categories: label, breadcrumb trail, selected menu entry or a run of category links.

import (
	"regexp"
	"slices"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

var catURLRe = mustQuick(`(?i)categor|/c/\d|[?&](c|cat|cid|csid|ssid|cat_id|category)=`)

// categoryTrail reads a trail of category links ("Drugs > Stimulants > Cocaine"): the
// largest container that holds 2 to 6 category links and little other text.
func categoryTrail(pc *pageCtx) string {
	for _, a := range pc.anchors() {
		if !catURLRe.MatchString(attr(a, "href")) {
			continue
		}
		var best []string
		for e, i := a.Parent, 0; e != nil && e.Type == html.ElementNode && i < 4; e, i = e.Parent, i+1 {
			links, ok := pc.anchorsIn(e)
			if !ok {
				links = goquery.NewDocumentFromNode(e).FindMatcher(selAHref).Nodes
			}
			if len(links) > 6 {
				break
			}
			var names []string
			linkLen := 0
			for _, l := range links {
				if !catURLRe.MatchString(attr(l, "href")) {
					continue
				}
				t := pc.lineText(l)
				names = append(names, t)
				linkLen += len(t)
			}
			text := pc.lineText(e)
			if len(names) >= 2 && float64(linkLen) >= 0.7*float64(len(text)) {
				best = names
			}
		}
		if len(best) > 0 {
			return strings.Join(best, " > ")
		}
	}
	return ""
}

var (
	depthRe    = regexp.MustCompile(`(?i)(?:^|[\s_-])(?:depth|level|lvl|indent)-?(\d)\b`)
	selectedRe = regexp.MustCompile(`(?i)(?:^|\s)(?:selected|active|current|open)(?:\s|$)`)
)

// selectedTreePath reads the category path from a category menu that marks the page's
// category as selected/active/current: in a flat list with depth classes ("category
// depth2 selected" after "depth0 Drugs", "depth1 Stimulants") the nearest preceding item
// of each lower depth is an ancestor; in nested lists the enclosing items are.
func selectedTreePath(pc *pageCtx) string {
	for _, a := range pc.anchors() {
		if !catURLRe.MatchString(attr(a, "href")) || inHeader(a) {
			continue
		}
		item := a
		if !selectedRe.MatchString(attr(a, "class")) {
			item = a.Parent
			if item == nil || item.Type != html.ElementNode || !selectedRe.MatchString(attr(item, "class")) {
				continue
			}
		}
		if m := depthRe.FindStringSubmatch(attr(item, "class")); m != nil {
			return flatTreePath(item, int(m[1][0]-'0'))
		}
		return nestedTreePath(item)
	}
	return ""
}

// treeLabel is a menu item's own link text without its count ("Speed 1712" -> "Speed").
func treeLabel(n *html.Node) string {
	a := n
	if n.DataAtom != atom.A {
		if a = firstLink(n); a == nil {
			return ""
		}
	}
	if t := ownText(a); t != "" {
		return strings.TrimSpace(strings.TrimRight(t, " 0123456789()[]"))
	}
	return strings.TrimSpace(strings.TrimRight(oneLine(nodeText(a)), " 0123456789()[]"))
}

func flatTreePath(item *html.Node, depth int) string {
	path := []string{treeLabel(item)}
	want := depth - 1
	for s, i := item.PrevSibling, 0; s != nil && want >= 0 && i < 2000; s, i = s.PrevSibling, i+1 {
		if s.Type != html.ElementNode {
			continue
		}
		m := depthRe.FindStringSubmatch(attr(s, "class"))
		if m == nil {
			continue
		}
		if d := int(m[1][0] - '0'); d == want {
			path = append([]string{treeLabel(s)}, path...)
			want--
		}
	}
	return strings.Join(slices.DeleteFunc(path, func(s string) bool { return s == "" }), " > ")
}

func nestedTreePath(item *html.Node) string {
	path := []string{treeLabel(item)}
	for p, i := item.Parent, 0; p != nil && i < 12; p, i = p.Parent, i+1 {
		if p.Type != html.ElementNode || p.DataAtom != atom.Li {
			continue
		}
		// the enclosing item's own link (a direct child), not a link of a nested item
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.DataAtom == atom.A && c != item && !within(item, []*html.Node{c}) {
				if t := treeLabel(c); t != "" {
					path = append([]string{t}, path...)
				}
				break
			}
		}
	}
	return strings.Join(slices.DeleteFunc(path, func(s string) bool { return s == "" }), " > ")
}

// breadcrumbPath reads the page's breadcrumb trail ("Home > Drugs > Opioids > Fentanyl")
// as a category path: the home item is dropped, so are items that are neither links nor
// the trail's last item (a section label without a page), and a last item that repeats
// the page's title (the listing itself). "Home > Drugs > <a>Ecstasy</a>" -> "Ecstasy";
// "<li><a>Home</a><li><a>Drugs</a><li><a>Opioids</a><li>Patches x5" on the page of
// "Patches x5" -> "Drugs > Opioids".
//
// A trail that ends with the page's title as text ends with the listing itself even when
// the title holds a separator ("A-PVP 1g/5g/10g", "5cl / MDMB-4en-PINACA"): the items the
// title's text was split into are dropped with it.
func breadcrumbPath(pc *pageCtx, title string) string {
	var root *html.Node
	if n := crumbsElement(pc); n != nil {
		root = n
	} else if root = unclassedTrail(pc, title); root == nil {
		return ""
	}
	items := dropTitleTail(pc, root, crumbItems(root), title)
	var out []string
	for i, it := range items {
		if len(it.text) > 80 || (i == 0 && homeCrumb(it)) {
			continue
		}
		last := i == len(items)-1
		if last && title != "" && strings.EqualFold(it.text, oneLine(title)) {
			continue
		}
		if !it.link && !last {
			continue
		}
		out = append(out, it.text)
	}
	if len(out) > 6 {
		out = out[len(out)-6:]
	}
	return strings.Join(out, " > ")
}

// crumbsElement is the first element selCrumbs matches: any element only when some class
// says breadcrumb or crumbs, else a <nav> labelled breadcrumb.
func crumbsElement(pc *pageCtx) *html.Node {
	if pc.classHas("breadcrumb", "crumbs") {
		if n := pc.doc.FindMatcher(selCrumbs).First(); len(n.Nodes) > 0 {
			return n.Nodes[0]
		}
		return nil
	}
	return pc.first(tagCrumbsNav)
}

// unclassedTrail finds a breadcrumb trail without a breadcrumb class: a short element that
// starts with a link home and ends with the page's title, its items between separators
// ("Home / Weapons / Explosives / Cobra 11"). nil when the page has none or no title.
func unclassedTrail(pc *pageCtx, title string) *html.Node {
	title = oneLine(title)
	if title == "" {
		return nil
	}
	for _, a := range pc.anchors() {
		if !homeCrumb(crumb{text: pc.lineText(a), href: attr(a, "href")}) || inHeader(a) {
			continue
		}
		h := pc.mainHeading()
		for e, i := a.Parent, 0; e != nil && e.Type == html.ElementNode && i < 2; e, i = e.Parent, i+1 {
			if !pc.textWithin(e, 400) || (h != nil && pc.within(h, []*html.Node{e})) {
				break // the trail holds the title's text, not the heading itself
			}
			items := dropTitleTail(pc, e, crumbItems(e), title)
			if len(items) < 2 || len(items) > 7 || !endsWithFold(pc.lineText(e), title) || !strings.EqualFold(items[0].text, pc.lineText(a)) {
				continue
			}
			return e
		}
	}
	return nil
}

// dropTitleTail drops the trailing text items of a trail whose text (root's) ends with the
// page's title: the items the title was split into at its own separators ("10g" of
// "A-PVP 1g/5g/10g"). A trail not ending with the title is returned as it is.
func dropTitleTail(pc *pageCtx, root *html.Node, items []crumb, title string) []crumb {
	title = oneLine(title)
	if title == "" || !endsWithFold(pc.lineText(root), title) {
		return items
	}
	lt := strings.ToLower(title)
	for len(items) > 0 {
		last := items[len(items)-1]
		if last.link || !strings.Contains(lt, strings.ToLower(last.text)) {
			break
		}
		items = items[:len(items)-1]
	}
	return items
}

func endsWithFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

type crumb struct {
	text string
	href string
	link bool
}

func homeCrumb(c crumb) bool {
	if h := strings.TrimSpace(c.href); h == "/" || h == "./" || h == "index.php" || h == "/index.php" {
		return true
	}
	switch strings.ToLower(c.text) {
	case "home", "main", "index", "start", "market", "marketplace", "shop", "главная", "startseite", "accueil", "inicio", "⌂", "🏠":
		return true
	}
	return false
}

// crumbItems splits a breadcrumb element into its items: the text between separators
// (> / » › →), or its list items, each marked as a link or not.
func crumbItems(root *html.Node) []crumb {
	var items []crumb
	var cur strings.Builder
	curLink := false
	curHref := ""
	flush := func() {
		if t := oneLine(cur.String()); t != "" {
			items = append(items, crumb{text: t, href: curHref, link: curLink})
		}
		cur.Reset()
		curLink, curHref = false, ""
	}
	var walk func(n *html.Node, inLink bool, depth int)
	walk = func(n *html.Node, inLink bool, depth int) {
		if depth > 12 || len(items) > 20 {
			return
		}
		switch n.Type {
		case html.TextNode:
			// write the text, flushing at each separator outside a link
			start := 0
			for i, r := range n.Data {
				if r == '>' || r == '/' || r == '»' || r == '›' || r == '→' || r == '|' {
					cur.WriteString(n.Data[start:i])
					if !inLink {
						flush()
					}
					start = i + len(string(r))
				}
			}
			cur.WriteString(n.Data[start:])
			if inLink && strings.TrimSpace(n.Data) != "" {
				curLink = true
			}
			return
		case html.ElementNode:
			if skipAtom(n.DataAtom) {
				return
			}
			if n.DataAtom == atom.Li {
				flush()
			}
			link := inLink
			if n.DataAtom == atom.A && attr(n, "href") != "" {
				flush()
				link = true
				curHref = attr(n, "href")
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c, link, depth+1)
			}
			if n.DataAtom == atom.A || n.DataAtom == atom.Li {
				flush()
			}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLink, depth+1)
		}
	}
	walk(root, false, 0)
	flush()
	return items
}
