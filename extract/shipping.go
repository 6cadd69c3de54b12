package extract

// Shipping: places from labels, arrows ("US → WW") and sentences.

import (
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/html"

	"github.com/darkwatch/darkwatch/extract/country"
)

// isLabel reports whether normalised key is one of labels.
func (pc *pageCtx) isLabel(key string, labels []string) bool {
	for _, l := range labels {
		k, ok := pc.labelKeys[l]
		if !ok {
			k = normLabel(l)
		}
		if k == key {
			return true
		}
	}
	return false
}

var worldwideRe = regexp.MustCompile(`(?i)^(?:free\s+)?(?:(?:ships?|shipping|delivery|we ship)\s+(?:to\s+)?(?:world\s?wide|all countries|everywhere)|world\s?wide\s+(?:shipping|delivery))[.!]?$`)

// worldwideSentence reports whether a short text under root says the listing ships
// worldwide ("Ships worldwide", "Free worldwide shipping").
func worldwideSentence(root *html.Node) bool {
	stack := []*html.Node{root}
	for n := 0; len(stack) > 0 && n < maxWalkNodes; n++ {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if e.Type == html.TextNode {
			if len(e.Data) < 80 && (strings.Contains(e.Data, "orld") || strings.Contains(e.Data, "ORLD") || strings.Contains(e.Data, "countries") || strings.Contains(e.Data, "everywhere")) && worldwideRe.MatchString(oneLine(e.Data)) {
				return true
			}
			continue
		}
		if e.Type == html.ElementNode && skipAtom(e.DataAtom) {
			continue
		}
		for k := e.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
	return false
}

// shipProseText finds a short text "Ships from X (to Y)" outside cards whose origin names
// a place, and returns it from "from".
func shipProseText(pc *pageCtx) string {
	stack := []*html.Node{pc.doc.Nodes[0]}
	for n := 0; len(stack) > 0 && n < maxWalkNodes; n++ {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if len(pc.cardRoots) > 0 && slices.Contains(pc.cardRoots, e) {
			continue
		}
		if e.Type == html.TextNode {
			if len(e.Data) > 400 || !(strings.Contains(e.Data, "from") || strings.Contains(e.Data, "From") || strings.Contains(e.Data, "FROM")) {
				continue
			}
			if t := oneLine(e.Data); len(t) > 10 && len(t) < 120 {
				if m := shipProseRe.FindStringSubmatch(t); m != nil && len(country.Parse(m[1])) > 0 {
					if i := strings.Index(strings.ToLower(t), "from"); i >= 0 {
						return strings.TrimRight(t[i:], ". ")
					}
				}
			}
			continue
		}
		if e.Type == html.ElementNode && skipAtom(e.DataAtom) {
			continue
		}
		for k := e.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
	return ""
}

var shipFromToRe = regexp.MustCompile(`(?i)^(?:ships?\s+)?from\s+(.+?)(?:\s+to\s+(.+))?$`)

// shippingLine reads a combined shipping value into l: "Germany → Worldwide", "from Spain
// to EU", or places only (destinations). It reports whether the value names a place.
func shippingLine(l *Listing, v string) bool {
	if parts := arrowRe.Split(v, 2); len(parts) == 2 {
		l.ShipsFromRaw, l.ShipsToRaw = strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])
		return len(country.Parse(parts[0])) > 0
	}
	if m := shipFromToRe.FindStringSubmatch(strings.TrimSpace(v)); m != nil {
		l.ShipsFromRaw, l.ShipsToRaw = strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
		return len(country.Parse(m[1])) > 0
	}
	// "This item ships from Czechia." under a "Shipping" heading: an origin, not the
	// destinations
	if m := shipProseRe.FindStringSubmatch(v); m != nil {
		l.ShipsFromRaw, l.ShipsToRaw = strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
		return len(country.Parse(m[1])) > 0
	}
	if len(country.Parse(v)) > 0 {
		l.ShipsToRaw = v
		return true
	}
	return false
}

// hasArrow is a cheap test for arrowRe.
func hasArrow(s string) bool {
	return strings.Contains(s, "→") || strings.Contains(s, "->") || strings.Contains(s, "⇒") || strings.Contains(s, "=>")
}

var arrowRe = regexp.MustCompile(`\s*(?:→|->|⇒|=>)\s*`)

// splitArrow reads "Netherlands → Worldwide" in a ships-from value as origin and
// destinations.
func splitArrow(l *Listing) {
	if parts := arrowRe.Split(l.ShipsFromRaw, 2); len(parts) == 2 {
		l.ShipsFromRaw = strings.TrimSpace(parts[0])
		if l.ShipsToRaw == "" {
			l.ShipsToRaw = strings.TrimSpace(parts[1])
		}
		return
	}
	// "Germany to Worldwide" (from "Ships from Germany to Worldwide")
	if l.ShipsToRaw == "" && len(l.ShipsFromRaw) < 200 {
		if m := fromToRe.FindStringSubmatch(l.ShipsFromRaw); m != nil && len(country.Parse(m[1])) > 0 && len(country.Parse(m[2])) > 0 {
			l.ShipsFromRaw, l.ShipsToRaw = strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
		}
	}
}

var fromToRe = regexp.MustCompile(`(?i)^(.+?)\s+to\s+(.+)$`)

var deadDropRe = mustQuick(`(?i)клад|закладк|тайник|dead ?drop`)

var shipProseRe = regexp.MustCompile(`(?i)ship(?:s|ping)?\s+from\s+([^.\n]+?)(?:\s+to\s+([^.\n]+?))?\s*(?:[.\n]|$)`)
