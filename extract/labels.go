package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// labelHit is an element whose own text is a label ("Ships from:"), possibly followed by
// its value in the same text ("Price: $5").
type labelHit struct {
	node   *html.Node
	inline string
	key    string
}

const (
	maxLabelRunes = 60
	maxLabelBytes = 64 // labels longer than this (in UTF-8 bytes) are not indexed
)

// normLabel lower-cases a label and strips decoration: "Ships From :" -> "ships from".
func normLabel(s string) string {
	s = collapseSpaces(s)
	s = strings.TrimRightFunc(s, isLabelTail) // = TrimRight(s, " :：-–—|»>")
	s = strings.TrimLeftFunc(s, isLabelHead)  // = TrimLeft(s, " •·*-–—|")
	return strings.ToLower(strings.TrimSpace(s))
}

func isLabelTail(r rune) bool {
	switch r {
	case ' ', ':', '：', '-', '–', '—', '|', '»', '>':
		return true
	}
	return false
}

func isLabelHead(r rune) bool {
	switch r {
	case ' ', '•', '·', '*', '-', '–', '—', '|':
		return true
	}
	return false
}

// indexColon is strings.IndexAny(s, ":："): the first ASCII or full-width colon.
func indexColon(s string) int {
	i := strings.IndexByte(s, ':')
	if j := strings.Index(s, "："); j >= 0 && (i < 0 || j < i) {
		return j
	}
	return i
}

// ownTextShort reports whether n has non-blank direct text of at most max bytes.
func ownTextShort(n *html.Node, max int) bool {
	total, blank := 0, true
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.TextNode {
			continue
		}
		total += len(c.Data)
		if total > max {
			return false
		}
		if blank && strings.TrimSpace(c.Data) != "" {
			blank = false
		}
	}
	return !blank
}

// prefixLabels are labels that name their value without a colon ("Sold by X").
var prefixLabels = []string{"sold by", "ships from", "ships to", "shipping from", "shipping to", "shipped from",
	"vendido por", "verkauft von", "vendu par", "venduto da", "verkocht door"}

// prefixLabel splits a short own text that starts with a prefix label and has no colon:
// "Sold by PinkLab" -> ("sold by", "PinkLab"). The value is at most four words.
func prefixLabel(own string) (string, string) {
	if len(own) > 80 || indexColon(own) >= 0 {
		return "", ""
	}
	for _, p := range prefixLabels {
		if len(own) > len(p)+1 && own[len(p)] == ' ' && strings.EqualFold(own[:len(p)], p) {
			v := strings.TrimSpace(own[len(p)+1:])
			if v == "" || len(strings.Fields(v)) > 4 {
				return "", ""
			}
			return p, v
		}
	}
	return "", ""
}

// ownTextSegments is n's own text with " · " between text nodes that elements separate,
// so a segment never runs from one line into the next; own is ownText(n).
func ownTextSegments(n *html.Node, own string) string {
	texts := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			texts++
		}
	}
	if texts < 2 {
		return own
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			if t := strings.TrimSpace(c.Data); t != "" {
				if b.Len() > 0 {
					b.WriteString(" · ")
				}
				b.WriteString(t)
			}
		}
	}
	return collapseSpaces(b.String())
}

// labelIndex maps normalised labels to the elements that carry them. Built once per page.
func (pc *pageCtx) labelIndex() map[string][]labelHit {
	if pc.labels != nil {
		return pc.labels
	}
	idx := map[string][]labelHit{}
	if len(pc.doc.Nodes) == 0 {
		pc.labels = idx
		return idx
	}
	stack := []*html.Node{pc.doc.Nodes[0]}
	visited := 0
	for len(stack) > 0 && visited < maxWalkNodes {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		visited++
		if n.Type == html.ElementNode && skipAtom(n.DataAtom) {
			continue
		}
		// an <option> is a choice ("--Ships From--" over a list of countries), not a label
		// a <label for=...> names a form control (a search filter), not a value
		// (but a tab's label, <input type=radio id=t2><label for=t2>Shipping Info</label>
		// <div>panel</div>, heads the panel beside it); a menu link ("<a>Shipping</a>" in
		// the footer) is not a label either
		if n.Type == html.ElementNode && n.DataAtom != atom.Option && !(n.DataAtom == atom.Label && attr(n, "for") != "" && !tabLabel(n)) &&
			!(n.DataAtom == atom.A && attr(n, "href") != "") &&
			ownTextShort(n, maxLabelRunes*3*4) && pc.mayBeLabel(n) {
			own := ownText(n)
			if own != "" && utf8.RuneCountInString(own) <= maxLabelRunes*3 {
				key := ""
				if len(own) <= maxLabelBytes {
					key = normLabel(own)
				}
				if key != "" && pc.wantLabel(key) {
					idx[key] = append(idx[key], labelHit{node: n, key: key})
				} else if k, v := prefixLabel(own); k != "" && pc.wantLabel(k) {
					// "Sold by PinkLab", "Ships from Netherlands": no colon
					idx[k] = append(idx[k], labelHit{node: n, inline: v, key: k})
				}
				// every "Label:" segment of the own text: "Рейтинг: · Продаж:"; text
				// nodes split by elements ("Ships from: X<br>Ships to: Y") are separate
				// segments
				if indexColon(own) >= 0 {
					own = ownTextSegments(n, own)
				}
				start := 0
				for j := 0; j < 8; j++ {
					i := indexColon(own[start:])
					if i < 0 {
						break
					}
					i += start
					seg := own[start:i]
					if c := strings.LastIndexAny(seg, "·|;,"); c >= 0 {
						_, sz := utf8.DecodeRuneInString(seg[c:])
						seg = seg[c+sz:]
					}
					k := normLabel(seg)
					v := strings.TrimSpace(strings.TrimLeft(own[i:], ":： "))
					if len(seg) <= maxLabelBytes && k != "" && k != key && pc.wantLabel(k) {
						if v == "" {
							v = " "
						}
						idx[k] = append(idx[k], labelHit{node: n, inline: v, key: k})
					}
					_, sz := utf8.DecodeRuneInString(own[i:]) // ':' or '：', both valid UTF-8
					start = i + sz
				}
			}
		}
		for c := n.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, c)
		}
	}
	// stack order visits in document order; hits are appended in that order.
	pc.labels = idx
	return idx
}

func within(n *html.Node, scope []*html.Node) bool {
	if scope == nil {
		return true
	}
	for p := n; p != nil; p = p.Parent {
		for _, s := range scope {
			if p == s {
				return true
			}
		}
	}
	return false
}

// labelValue finds the first of labels inside scope (nil = whole page) and returns its
// value text and the first link in the value, if any.
func (pc *pageCtx) labelValue(scope []*html.Node, labels []string) (string, *html.Node) {
	idx := pc.labelIndex()
	for _, l := range labels {
		k, ok := pc.labelKeys[l] // pre-normalised (New); else normalise now
		if !ok {
			k = normLabel(l)
		}
		hits, inScope := pc.hitsWithin(idx[k], scope)
		for _, h := range hits {
			if !inScope && !pc.within(h.node, scope) {
				continue
			}
			// a page-level lookup skips the labels of repeated cards ("related listings")
			if scope == nil && len(pc.cardRoots) > 0 && pc.within(h.node, pc.cardRoots) {
				continue
			}
			// ... and of another record's block (a single related card: place.go)
			if scope == nil && pc.foreign(h.node) {
				continue
			}
			if v, a := resolveLabel(h); v != "" {
				return v, a
			}
		}
	}
	return "", nil
}

var valueStopAtoms = map[atom.Atom]bool{atom.Br: true, atom.Hr: true}

var formControlAtoms = map[atom.Atom]bool{atom.Select: true, atom.Input: true, atom.Textarea: true, atom.Button: true}

var blockValueAtoms = map[atom.Atom]bool{
	atom.Div: true, atom.P: true, atom.Table: true, atom.Ul: true, atom.Ol: true, atom.Dd: true,
	atom.Pre: true, atom.Section: true, atom.Textarea: true, atom.Td: true, atom.Li: true,
}

// resolveLabel finds the value that belongs to a label element.
func resolveLabel(h labelHit) (string, *html.Node) {
	e := h.node
	// "Price: $5" or "<p>Страна: <span>Россия</span> · Город: ...</p>" or
	// "<p>Sold by <b><a>X</a></b></p>": the value follows the label's text node, up to the
	// next label.
	if h.inline != "" || hasElementText(e) {
		if t, a := valueAfterLabelText(e, h.key); t != "" {
			return t, a
		}
		if v := strings.TrimSpace(h.inline); v != "" {
			return v, nil
		}
	}
	labelText := oneLine(nodeText(e))
	for i := 0; i < 4 && e.Parent != nil && e.Parent.Type == html.ElementNode; i++ {
		if oneLine(nodeText(e.Parent)) != labelText {
			break
		}
		e = e.Parent
	}
	switch e.DataAtom {
	case atom.Td, atom.Th:
		for s := e.NextSibling; s != nil; s = s.NextSibling {
			if s.Type == html.ElementNode && (s.DataAtom == atom.Td || s.DataAtom == atom.Th) {
				if e.DataAtom == atom.Th && s.DataAtom == atom.Th {
					return "", nil // a table's header row: column names, not label and value
				}
				return oneLine(nodeText(s)), firstLink(s)
			}
		}
		return "", nil
	case atom.Dt:
		for s := e.NextSibling; s != nil; s = s.NextSibling {
			if s.Type == html.ElementNode && s.DataAtom == atom.Dd {
				return oneLine(nodeText(s)), firstLink(s)
			}
		}
		return "", nil
	}
	var parts []string
	var link *html.Node
	for s := e.NextSibling; s != nil && len(parts) < 40; s = s.NextSibling {
		if s.Type == html.TextNode {
			if t := collapseSpaces(s.Data); t != "" {
				parts = append(parts, t)
			}
			continue
		}
		if s.Type != html.ElementNode || skipAtom(s.DataAtom) {
			continue
		}
		if valueStopAtoms[s.DataAtom] {
			break
		}
		if formControlAtoms[s.DataAtom] {
			break // a filter or a choice: its options are not the value
		}
		if startsWithLabel(s) {
			break // the next label's row: this label's value is empty
		}
		t := oneLine(nodeText(s))
		if len(parts) > 0 && (s.DataAtom == atom.Label || strings.HasSuffix(t, ":")) {
			break // the next label
		}
		if t != "" {
			parts = append(parts, t)
		}
		if link == nil {
			link = firstLink(s)
		}
		if blockValueAtoms[s.DataAtom] && t != "" {
			break
		}
	}
	return collapseSpaces(strings.Join(parts, " ")), link
}

// startsWithLabel reports whether n is a <label> or its first element child (descending
// through first children) is one: "<div><label>Escrow</label> <span>..</span></div>".
func startsWithLabel(n *html.Node) bool {
	for i := 0; n != nil && i < 4; i++ {
		if n.DataAtom == atom.Label {
			return true
		}
		var first *html.Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
				return false
			}
			if c.Type == html.ElementNode {
				first = c
				break
			}
		}
		n = first
	}
	return false
}

// hasElementText reports whether e has an element child with text.
func hasElementText(e *html.Node) bool {
	for c := e.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && !skipAtom(c.DataAtom) && oneLine(nodeText(c)) != "" {
			return true
		}
	}
	return false
}

// firstLink is n itself if it is an <a href>, else its first descendant <a href>.
func firstLink(n *html.Node) *html.Node {
	stack := []*html.Node{n}
	for len(stack) > 0 && len(stack) < 10000 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c.Type == html.ElementNode && c.DataAtom == atom.A && attr(c, "href") != "" {
			return c
		}
		for k := c.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
	return nil
}

// valueAfterLabelText finds e's text child that carries label key and returns what follows
// it (the rest of that text, then siblings) up to the next "Label:" text or a <br>.
func valueAfterLabelText(e *html.Node, key string) (string, *html.Node) {
	var parts []string
	var link *html.Node
	started := false
	for c := e.FirstChild; c != nil; c = c.NextSibling {
		if !started {
			if c.Type != html.TextNode {
				continue
			}
			t := c.Data
			i := indexColon(t)
			if i >= 0 && normLabel(t[:i]) != key {
				// "· Продаж: " after another value: look at the last segment
				if c := strings.LastIndexAny(t[:i], "·|;,"); c >= 0 {
					_, sz := utf8.DecodeRuneInString(t[c:])
					if normLabel(t[c+sz:i]) == key {
						t = t[c+sz:]
						i = indexColon(t)
					}
				}
			}
			switch {
			case i >= 0 && normLabel(t[:i]) == key:
				started = true
				rest := t[i:]
				rest = strings.TrimLeft(rest, ":： ")
				if j := indexColon(rest); j >= 0 {
					// "Price: $5 Stock: 3" in one text node
					rest = lastLabelCut(rest[:j])
					return collapseSpaces(rest), nil
				}
				if r := collapseSpaces(rest); r != "" {
					parts = append(parts, r)
				}
			case normLabel(t) == key:
				started = true
			}
			continue
		}
		if c.Type == html.TextNode {
			t := c.Data
			if i := indexColon(t); i >= 0 {
				if r := collapseSpaces(lastLabelCut(t[:i])); r != "" {
					parts = append(parts, r)
				}
				break
			}
			if r := collapseSpaces(t); r != "" {
				parts = append(parts, r)
			}
			continue
		}
		if c.Type != html.ElementNode || skipAtom(c.DataAtom) {
			continue
		}
		if valueStopAtoms[c.DataAtom] && len(parts) > 0 {
			break
		}
		t := oneLine(nodeText(c))
		if len(parts) > 0 && strings.HasSuffix(t, ":") {
			break
		}
		if t != "" {
			parts = append(parts, t)
		}
		if link == nil {
			link = firstLink(c)
		}
	}
	v := strings.Trim(collapseSpaces(strings.Join(parts, " ")), " ·|,;-")
	return v, link
}

// lastLabelCut drops the trailing words that belong to the next label: for
// "Россия · Город" (before "Город:") it keeps "Россия".
func lastLabelCut(s string) string {
	if i := strings.LastIndexAny(s, "·|;,\n"); i >= 0 {
		return s[:i]
	}
	// "$5 Stock" -> "$5": drop the last word when there are several
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return ""
}

// mayBeLabel is a cheap test before normalising n's own text: its first letter must start
// some known label (pc.labelFirst; nil = any).
func (pc *pageCtx) mayBeLabel(n *html.Node) bool {
	if pc.labelFirst == nil {
		return true
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.TextNode {
			continue
		}
		for _, r := range c.Data {
			if unicode.IsLetter(r) {
				return pc.labelFirst[unicode.ToLower(r)]
			}
			if unicode.IsDigit(r) {
				return pc.labelFirst[r]
			}
		}
	}
	return false
}

// wantLabel reports whether some extractor looks up normalised label key (the index
// keeps only those; nil pc.wantKeys = all).
func (pc *pageCtx) wantLabel(key string) bool {
	return pc.wantKeys == nil || pc.wantKeys[key]
}

// labelKeySets returns the set of normalised labels and each label's normalised form.
func labelKeySets(labels []string) (want map[string]bool, norm map[string]string) {
	want, norm = make(map[string]bool, len(labels)), make(map[string]string, len(labels))
	for _, l := range labels {
		k := normLabel(l)
		want[k], norm[l] = true, k
	}
	return want, norm
}

// labelFirstRunes is the set of first letters of labels (lower case).
func labelFirstRunes(labels []string) map[rune]bool {
	m := map[rune]bool{}
	for _, l := range labels {
		for _, r := range normLabel(l) {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				m[unicode.ToLower(r)] = true
				break
			}
		}
	}
	return m
}

// tabLabel reports whether label n names a CSS tab: the radio input it is for comes
// right before it and a block (the tab's panel) right after it.
func tabLabel(n *html.Node) bool {
	prev, next := n.PrevSibling, n.NextSibling
	for prev != nil && prev.Type != html.ElementNode {
		prev = prev.PrevSibling
	}
	for next != nil && next.Type != html.ElementNode {
		next = next.NextSibling
	}
	return prev != nil && next != nil && prev.DataAtom == atom.Input &&
		strings.EqualFold(attr(prev, "type"), "radio") && attr(prev, "id") == attr(n, "for") &&
		blockValueAtoms[next.DataAtom]
}
