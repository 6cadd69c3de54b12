package extract

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// categoryNames is the page's category vocabulary: the lower-cased texts of its links to
// category pages (catURLRe), however the menu is drawn. Computed once per page.
func (pc *pageCtx) categoryNames() map[string]bool {
	if pc.catNames != nil {
		return pc.catNames
	}
	pc.catNames = map[string]bool{}
	for _, a := range pc.anchors() {
		if !catURLRe.MatchString(attr(a, "href")) {
			continue
		}
		if t := strings.ToLower(oneLine(nodeText(a))); t != "" && len(t) < 60 {
			pc.catNames[trimCount(t)] = true
		}
	}
	return pc.catNames
}

var countSuffixRe = regexp.MustCompile(`\s*[\(\[]?\d[\d,.]*[\)\]]?$`)

// trimCount drops a trailing item count from a menu entry: "Drugs & Chemicals 4939",
// "Opioids (120)".
func trimCount(t string) string {
	if u := strings.TrimSpace(countSuffixRe.ReplaceAllString(t, "")); u != "" {
		return u
	}
	return t
}

var (
	inCategoryRe  = regexp.MustCompile(`(?i)^(?:in|category|categorie|catégorie|categoría|kategorie|категория|в)\s*:?$`)
	catSegmentsRe = regexp.MustCompile(`\s+(?:-|–|—|\||·|•)\s+`)
	catPathSepRe  = regexp.MustCompile(`\s*(?:/|>|»|›|→)\s*`)
)

// maxInCategoryLen bounds what inCategoryRe can match on one line: its longest word
// ("категория", 18 bytes), one space and a colon.
const maxInCategoryLen = 32

// cardCategory reads a card's category from its text: "In <strong>E-Books</strong>"
// (a short "In"/"Category:" text before an element), or a segment of a text line whose
// first path step is one of the page's category names ("Item # 595329 - Drugs &
// Chemicals / Stimulants - vendor": the page links to "Drugs & Chemicals").
func cardCategory(pc *pageCtx, c *html.Node) string {
	names := pc.categoryNames()
	out := ""
	walkText(c, nil, 2000, func(e *html.Node) bool {
		if len(e.Data) > 300 {
			return false
		}
		t := oneLine(e.Data)
		if t == "" {
			return false
		}
		if len(t) <= maxInCategoryLen && inCategoryRe.MatchString(t) {
			if n := nextElement(e); n != nil {
				if v := oneLine(nodeText(n)); v != "" && len(v) < 80 {
					out = v
					return true
				}
			}
			return false
		}
		if len(names) == 0 {
			return false
		}
		for _, seg := range catSegmentsRe.Split(t, -1) {
			seg = strings.Trim(seg, " -–—|·•:")
			if seg == "" || len(seg) > 120 {
				continue
			}
			steps := catPathSepRe.Split(seg, -1)
			if names[strings.ToLower(steps[0])] || (len(steps) > 1 && names[strings.ToLower(steps[len(steps)-1])]) {
				out = seg
				return true
			}
		}
		return false
	})
	return out
}

// nextElement is the element right after text node t among its siblings (blank text
// between them skipped).
func nextElement(t *html.Node) *html.Node {
	for n := t.NextSibling; n != nil; n = n.NextSibling {
		switch n.Type {
		case html.ElementNode:
			return n
		case html.TextNode:
			if strings.TrimSpace(n.Data) != "" {
				return nil
			}
		}
	}
	return nil
}
