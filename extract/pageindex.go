package extract

// The page index: one walk over the parsed page that every signal reads instead of walking
// the DOM again (cards, title, description, offers, price, labels, interstitials).

import (
	"iter"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// pageIndex is built by one walk of the page in document order. It holds the page's
// selector tokens and anchors (tokenSet) and, for every element outside script, style
// and <head>, its place in document order, the extent of its subtree and its visible
// text as a span of the page's text: nodeText of any indexed element is a substring of
// the page text (and its oneLine a substring of the one-line page text), so no signal
// walks a subtree or allocates to read its text.
type pageIndex struct {
	tokens *tokenSet
	// textOK is false when the spans cannot reproduce nodeText exactly (a text node that
	// is not valid UTF-8, or a page beyond the walk limits); callers then fall back to
	// walking (nodeText).
	textOK bool
	// full is false for a page too big to index: no elements, a token set that matches
	// everything
	full  bool
	text  string // nodeText of the page: lines of visible text
	line  string // text with every line break a space (oneLine of each span)
	elems []*html.Node
	at    map[*html.Node]int32 // element -> position in elems
	spans []textSpan           // by position in elems
	// anchorAt is the position in elems of each of tokens.anchors (a[href], document order)
	anchorAt []int32
	// nestedA: some anchor lies inside another <a> (walks that stop at links see fewer)
	nestedA bool
	hrefs   []uint8 // hrefFlags by position in elems, computed on first use
}

// textSpan is an element's text, text[start:end] (start -1: the element is not in the
// visible text), the position of its last descendant in elems (its subtree is
// elems[i..last]), the number of its descendant nodes of any kind (size) and the bytes
// of its text nodes before cleaning (rawEnd-rawStart: what textWithin counts).
type textSpan struct{ start, end, last, size, rawStart, rawEnd int32 }

// indexFrame is one step of the index walk: entering n, or leaving it (exit).
type indexFrame struct {
	n    *html.Node
	exit bool
	text bool // n is inside the visible text (not under script, style or <head>)
	inA  bool // n is inside an <a>
	pos  int32
}

// textCleaner is cleanAppend as a stream: text nodes and element separators are fed in
// document order and the cleaned text grows in out.
type textCleaner struct {
	out           []byte
	inLine, space bool
}

func (c *textCleaner) sep(b byte) {
	switch b {
	case '\n':
		c.inLine, c.space = false, false
	case ' ':
		c.space = true
	}
}

func (c *textCleaner) emit(s string) {
	if !c.inLine {
		if len(c.out) > 0 {
			c.out = append(c.out, '\n')
		}
		c.inLine = true
	} else if c.space {
		c.out = append(c.out, ' ')
	}
	c.space = false
	c.out = append(c.out, s...)
}

// write feeds text (see cleanAppend) and reports whether it was valid UTF-8; runs of
// ASCII that is not white space are copied at once.
func (c *textCleaner) write(s string) (valid bool) {
	valid = true
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch b {
			case '\n':
				c.inLine, c.space = false, false
				i++
				continue
			case ' ', '\t', '\r', '\f', '\v':
				c.space = true
				i++
				continue
			}
			j := i + 1
			for j < len(s) && s[j] < utf8.RuneSelf && !asciiSpace(s[j]) {
				j++
			}
			c.emit(s[i:j])
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			valid = false
		}
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' {
			c.space = true
		} else {
			c.emit(s[i : i+size])
		}
		i += size
	}
	return valid
}

// asciiSpace reports the ASCII bytes cleanAppend treats as white space.
func asciiSpace(b byte) bool {
	return b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\f' || b == '\v'
}

// indexPool recycles the index's maps and slices between pages (see pageCtx.release).
var indexPool = sync.Pool{New: func() any {
	return &pageIndex{at: make(map[*html.Node]int32, 256)}
}}

// scratch for the walk, pooled with the index
type indexScratch struct {
	stack []indexFrame
	clean textCleaner
}

var indexScratchPool = sync.Pool{New: func() any { return &indexScratch{} }}

// buildIndex walks roots once (see pageIndex). Pages with maxWalkNodes elements or more
// get a token set that matches everything and no text spans.
func buildIndex(roots []*html.Node) *pageIndex {
	ix := indexPool.Get().(*pageIndex)
	ix.tokens = tokenSetPool.Get().(*tokenSet)
	sc := indexScratchPool.Get().(*indexScratch)
	defer indexScratchPool.Put(sc)
	cl := &sc.clean
	cl.out, cl.inLine, cl.space = cl.out[:0], false, false
	stack := sc.stack[:0]
	for i := len(roots) - 1; i >= 0; i-- {
		stack = append(stack, indexFrame{n: roots[i], text: i == 0})
	}
	textOK := len(roots) == 1
	elems, textNodes, rawLen, nodes := 0, 0, 0, int32(0)
	for len(stack) > 0 && elems < maxWalkNodes {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := f.n
		if f.exit {
			if f.text {
				cl.sep(atomSep(n.DataAtom))
				ix.spans[f.pos].end = int32(len(cl.out))
				ix.spans[f.pos].rawEnd = int32(rawLen)
			}
			ix.spans[f.pos].last = int32(len(ix.elems) - 1)
			ix.spans[f.pos].size = nodes - ix.spans[f.pos].size
			continue
		}
		if f.text {
			textNodes++ // nodeText's visit count: every node it pops, skipped elements too
		}
		switch n.Type {
		case html.TextNode:
			if f.text {
				rawLen += len(n.Data)
				if !cl.write(n.Data) {
					textOK = false // the walk's output differs on invalid UTF-8: spans off
				}
			}
			continue
		case html.ElementNode, html.DocumentNode:
			elems++
			if n.Type == html.ElementNode {
				ix.tokens.addElement(n)
			}
		default:
			continue
		}
		text := f.text && !(n.Type == html.ElementNode && skipAtom(n.DataAtom))
		if n.Type == html.ElementNode {
			pos := int32(len(ix.elems))
			ix.at[n] = pos
			ix.elems = append(ix.elems, n)
			sp := textSpan{start: -1, size: nodes}
			if text {
				sp.start, sp.rawStart = int32(len(cl.out)), int32(rawLen)
				cl.sep(atomSep(n.DataAtom))
				if n.DataAtom == atom.Img {
					if alt := attr(n, "alt"); alt != "" && len(alt) < 40 {
						cl.sep(' ')
					}
				}
			}
			ix.spans = append(ix.spans, sp)
			if len(ix.tokens.anchors) > len(ix.anchorAt) {
				ix.anchorAt = append(ix.anchorAt, pos)
				ix.nestedA = ix.nestedA || f.inA
			}
			stack = append(stack, indexFrame{n: n, exit: true, text: text, pos: pos})
		}
		inA := f.inA || (n.Type == html.ElementNode && n.DataAtom == atom.A)
		for c := n.LastChild; c != nil; c = c.PrevSibling {
			nodes++
			if text || c.Type == html.ElementNode || c.Type == html.DocumentNode {
				stack = append(stack, indexFrame{n: c, text: text, inA: inA})
			}
		}
	}
	clear(stack)
	sc.stack = stack[:0]
	if elems >= maxWalkNodes {
		ix.release()
		return &pageIndex{tokens: &tokenSet{all: true}} // too big to index: every selector may match
	}
	ix.full = true
	ix.textOK = textOK && textNodes < maxWalkNodes && rawLen < maxTextLen
	ix.text = string(cl.out)
	return ix
}

// release returns the index's structures to their pools; ix must not be used after.
func (ix *pageIndex) release() {
	if ix == nil || ix.at == nil {
		return
	}
	if ts := ix.tokens; ts != nil && !ts.all {
		ts.reset()
		tokenSetPool.Put(ts)
	}
	clear(ix.elems)
	clear(ix.at)
	*ix = pageIndex{at: ix.at, elems: ix.elems[:0], spans: ix.spans[:0], anchorAt: ix.anchorAt[:0], hrefs: ix.hrefs[:0]}
	indexPool.Put(ix)
}

// span is the indexed text span of n; false when n is not indexed (a text node, an
// element under script, style or <head>, or a page whose spans are off).
func (ix *pageIndex) span(n *html.Node) (textSpan, bool) {
	if !ix.textOK {
		return textSpan{}, false
	}
	i, ok := ix.at[n]
	if !ok || ix.spans[i].start < 0 {
		return textSpan{}, false
	}
	return ix.spans[i], true
}

// spanText is text[s.start:s.end] from src (text or line): the element's text without the
// separator that the cleaned page text puts before its first word.
func spanText(src string, s textSpan) string {
	if s.start < s.end && (src[s.start] == '\n' || src[s.start] == ' ') {
		s.start++
	}
	return src[s.start:s.end]
}

// index is the page's index, built on first use: by the first reader of the whole page's
// text (interstitial detection, which precedes every generic signal).
func (pc *pageCtx) index() *pageIndex {
	if pc.idx == nil {
		pc.idx = buildIndex(pc.doc.Nodes)
	}
	return pc.idx
}

// notBuilt is the index of a page whose index is not built: every accessor walks.
var notBuilt = &pageIndex{}

// built is the page's index if it is built, else notBuilt: the accessors below (nodeText,
// lineText, textWithin, anchorsIn, within, all, ...) never build it, so a profile's reads
// of a few fields walk those fields instead of paying for the whole page's index.
func (pc *pageCtx) built() *pageIndex {
	if pc.idx == nil {
		return notBuilt
	}
	return pc.idx
}

// nodeText is nodeText(n), read from the page index when n is indexed.
func (pc *pageCtx) nodeText(n *html.Node) string {
	ix := pc.built()
	if s, ok := ix.span(n); ok {
		return spanText(ix.text, s)
	}
	return nodeText(n)
}

// lineText is oneLine(nodeText(n)), read from the page index when n is indexed: the
// cleaned text has single spaces and line breaks only, so its one-line form is the same
// bytes with every line break a space.
func (pc *pageCtx) lineText(n *html.Node) string {
	ix := pc.built()
	if s, ok := ix.span(n); ok {
		if ix.line == "" && ix.text != "" {
			ix.line = strings.ReplaceAll(ix.text, "\n", " ")
		}
		return spanText(ix.line, s)
	}
	return oneLine(nodeText(n))
}

// anchorsIn is the page's a[href] elements under n (n excluded, as FindMatcher), in document order;
// ok is false when n is not indexed (walk it instead).
func (pc *pageCtx) anchorsIn(n *html.Node) (as []*html.Node, ok bool) {
	ix := pc.built()
	first, ok := ix.at[n]
	if !ok {
		return nil, false
	}
	last := ix.spans[first].last
	lo := sort.Search(len(ix.anchorAt), func(i int) bool { return ix.anchorAt[i] > first })
	hi := sort.Search(len(ix.anchorAt), func(i int) bool { return ix.anchorAt[i] > last })
	return ix.tokens.anchors[lo:hi], true
}

// textWithin is textWithin(n, max), from the index when n is indexed.
func (pc *pageCtx) textWithin(n *html.Node, max int) bool {
	if s, ok := pc.built().span(n); ok {
		return int(s.rawEnd-s.rawStart) <= max
	}
	return textWithin(n, max)
}

// tagSel is a selector whose matches all have one of a few tag names: the indexed
// elements with those tags are its candidates, and only they are matched against sel
// (not at all when sel is the tag names alone).
type tagSel struct {
	sel   cascadia.Selector
	tags  map[atom.Atom]bool
	exact bool // sel matches every element with one of tags
}

// tagsOnly is the selector "name1, name2, ...".
func tagsOnly(names ...string) tagSel {
	t := tagged(strings.Join(names, ", "), names...)
	t.exact = true
	return t
}

// tagged is selector sel, whose every match has one of the tag names.
func tagged(sel string, names ...string) tagSel {
	t := tagSel{sel: cascadia.MustCompile(sel), tags: map[atom.Atom]bool{}}
	for _, n := range names {
		a := atom.Lookup([]byte(n))
		if a == 0 || a.String() != n {
			panic("extract: tagSel: not a known tag name: " + n)
		}
		t.tags[a] = true
	}
	return t
}

// all is the page's elements that t matches, in document order (doc.FindMatcher(t.sel)).
func (pc *pageCtx) all(t tagSel) iter.Seq[*html.Node] {
	return func(yield func(*html.Node) bool) {
		ix := pc.built()
		if !ix.full { // not built, or too big to index
			for _, n := range pc.doc.FindMatcher(t.sel).Nodes {
				if !yield(n) {
					return
				}
			}
			return
		}
		for _, n := range ix.elems {
			if t.tags[n.DataAtom] && (t.exact || t.sel.Match(n)) && !yield(n) {
				return
			}
		}
	}
}

// first is the first element t matches, or nil.
func (pc *pageCtx) first(t tagSel) *html.Node {
	for n := range pc.all(t) {
		return n
	}
	return nil
}

// classHas reports whether some class of the page contains one of subs: a selector
// [class*=sub] can match only then.
func (pc *pageCtx) classHas(subs ...string) bool {
	ts := pc.pageTokens()
	if ts.all {
		return true
	}
	for c := range ts.classes {
		for _, s := range subs {
			if strings.Contains(c, s) {
				return true
			}
		}
	}
	return false
}

// hitsWithin is the label hits (in document order) inside scope when scope is one indexed
// element: a binary search of their positions for its subtree's range (inScope true).
// Otherwise hits unchanged and inScope false: check each with within.
func (pc *pageCtx) hitsWithin(hits []labelHit, scope []*html.Node) (_ []labelHit, inScope bool) {
	if len(scope) != 1 || len(hits) == 0 {
		return hits, false
	}
	ix := pc.built()
	first, ok := ix.at[scope[0]]
	if !ok {
		return hits, false
	}
	last := ix.spans[first].last
	missing := false
	pos := func(i int) int32 {
		p, ok := ix.at[hits[i].node]
		missing = missing || !ok
		return p
	}
	lo := sort.Search(len(hits), func(i int) bool { return pos(i) >= first })
	hi := sort.Search(len(hits), func(i int) bool { return pos(i) > last })
	if missing {
		return hits, false
	}
	return hits[lo:hi], true
}

// within is within(n, scope) from the index positions when n and the scope are indexed:
// n is inside s when s's subtree range holds n's position.
func (pc *pageCtx) within(n *html.Node, scope []*html.Node) bool {
	if scope == nil {
		return true
	}
	ix := pc.built()
	i, ok := ix.at[n]
	if !ok {
		return within(n, scope)
	}
	for _, s := range scope {
		j, ok := ix.at[s]
		if !ok {
			return within(n, scope)
		}
		if j <= i && i <= ix.spans[j].last {
			return true
		}
	}
	return false
}

// anchorsWithin is anchorsIn(n) for a walk from n that visits at most max nodes and
// stops at links: ok only when such a walk sees all of n's subtree and no link lies
// inside another.
func (pc *pageCtx) anchorsWithin(n *html.Node, max int) ([]*html.Node, bool) {
	ix := pc.built()
	i, ok := ix.at[n]
	if !ok || ix.nestedA || int(ix.spans[i].size)+1 > max {
		return nil, false
	}
	return pc.anchorsIn(n)
}

// Link classes of an href (lower-cased), cached per anchor by hrefClass.
const (
	hrefDone uint8 = 1 << iota
	hrefIgnore
	hrefImage
	hrefVendor
	hrefListing
)

// hrefClass is the link classes of a's href: genIgnoreRe, imageURLRe, genVendorRe and
// genListingRe on the lower-cased href, computed once per indexed element.
func (pc *pageCtx) hrefClass(a *html.Node) uint8 {
	ix := pc.built()
	i, ok := ix.at[a]
	if ok && int(i) < len(ix.hrefs) && ix.hrefs[i] != 0 {
		return ix.hrefs[i]
	}
	h := strings.ToLower(attr(a, "href"))
	f := hrefDone
	if genIgnoreRe.MatchString(h) {
		f |= hrefIgnore
	}
	if imageURLRe.MatchString(h) {
		f |= hrefImage
	}
	if genVendorRe.MatchString(h) {
		f |= hrefVendor
	}
	if genListingRe.MatchString(h) {
		f |= hrefListing
	}
	if ok {
		if len(ix.hrefs) < len(ix.elems) {
			if cap(ix.hrefs) >= len(ix.elems) {
				ix.hrefs = ix.hrefs[:len(ix.elems)]
				clear(ix.hrefs)
			} else {
				ix.hrefs = make([]uint8, len(ix.elems))
			}
		}
		ix.hrefs[i] = f
	}
	return f
}
