package extract

import (
	"bytes"
	"net/url"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Limits on work per page, so hostile pages stay cheap.
const (
	maxTextLen   = 1 << 20 // characters of text gathered from one node
	maxFieldLen  = 64 << 10
	maxWalkNodes = 200000 // nodes visited by one DOM walk
)

// pageCtx is one page being extracted: the parsed document and lazily built indexes.
type pageCtx struct {
	page   Page
	doc    *goquery.Document
	base   *url.URL
	market string

	pageText  *string
	lowText   *string // strings.ToLower(text())
	titleTxt  *string
	links     []*html.Node // a[href] in document order
	linksDone bool
	idx       *pageIndex // the page index (pageindex.go); nil = not built yet
	tokens    *tokenSet  // the token walk's set, when tokens were needed before the index

	labelFirst map[rune]bool         // first letters of every label any extractor looks up
	wantKeys   map[string]bool       // normalised labels any extractor looks up
	labelKeys  map[string]string     // label -> normLabel(label), for those labels
	existsSeen map[string]bool       // existsMemo results by selector source
	labels     map[string][]labelHit // normalised own-text of short elements
	cardRoots  []*html.Node          // repeated listing cards (detectCards); page-level labels skip them
	catNames   map[string]bool       // lower-cased texts of the page's category links (categoryNames)
	heading    **html.Node           // the main heading (mainHeading); nil = not looked up yet
	places     *placeIndex           // other records' blocks (placeIdx)
}

func newPageCtx(p Page, doc *goquery.Document) *pageCtx {
	pc := &pageCtx{page: p, doc: doc, market: p.Market}
	if u, err := url.Parse(p.URL); err == nil {
		pc.base = u
	}
	// <base href> overrides the page URL for relative links.
	if b, ok := baseHref(doc, p.Body); ok && pc.base != nil {
		if bu, err := pc.base.Parse(strings.TrimSpace(b)); err == nil {
			pc.base = bu
		}
	}
	return pc
}

// baseHref is the href of the document's first <base href>. body is the source the
// document was parsed from: a <base> element needs a "<base" tag in it (the parser never
// creates one itself), so most pages skip the tree walk.
func baseHref(doc *goquery.Document, body []byte) (string, bool) {
	if !hasTag(body, "base") {
		return "", false
	}
	for _, r := range doc.Nodes {
		if n := firstDescendantMatch(selBase, r); n != nil {
			for _, a := range n.Attr {
				if a.Key == "href" {
					return a.Val, true
				}
			}
		}
	}
	return "", false
}

// hasTag reports whether body has "<"+name (ASCII case-insensitive; name lower case)
// followed by a byte that ends a tag name (or the end of body).
func hasTag(body []byte, name string) bool {
	for i := 0; i < len(body); {
		j := bytes.IndexByte(body[i:], '<')
		if j < 0 {
			return false
		}
		i += j + 1
		if len(body)-i < len(name) || !bytes.EqualFold(body[i:i+len(name)], []byte(name)) {
			continue
		}
		if k := i + len(name); k == len(body) {
			return true
		} else if c := body[k]; c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/' || c == '>' {
			return true
		}
	}
	return false
}

// anchors lists the page's a[href] elements in document order.
func (pc *pageCtx) anchors() []*html.Node {
	if !pc.linksDone {
		if ts := pc.pageTokens(); ts.all {
			pc.links = pc.doc.FindMatcher(selAHref).Nodes
		} else {
			pc.links = ts.anchors
		}
		pc.linksDone = true
	}
	return pc.links
}

// mayMatch reports whether the page has every token of some part of need (see
// selectorNeeds); nil need always may match.
func (pc *pageCtx) mayMatch(need [][]string) bool {
	if need == nil {
		return true
	}
	ts := pc.pageTokens()
	if ts.all {
		return true
	}
	for _, part := range need {
		ok := true
		for _, t := range part {
			if !ts.has(t) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// tokenSet is the set of selector tokens a page has: ".class", "#id", "@href^prefix"
// and "@attr=value" (see selectorNeeds), kept in maps keyed without the prefix so that
// building it allocates no strings.
type tokenSet struct {
	all     bool // the page was too big to index: every token may be present
	classes map[string]struct{}
	ids     map[string]struct{}
	hrefs   map[string]struct{} // the first hrefPrefixLen bytes of href values
	attrs   map[[2]string]struct{}
	anchors []*html.Node // a[href] elements in document order (not set when all)
	// itemscope: some element has an itemscope attribute (microdata)
	itemscope bool
}

// pageTokens is the page's token set: the page index's when it is built, else that of a
// walk collecting only tokens and anchors (a profile's detection and links need no more).
func (pc *pageCtx) pageTokens() *tokenSet {
	if pc.idx != nil {
		return pc.idx.tokens
	}
	if pc.tokens == nil {
		pc.tokens = tokenWalk(pc.doc.Nodes)
	}
	return pc.tokens
}

// tokenWalk collects the tokens and anchors of the elements under roots.
func tokenWalk(roots []*html.Node) *tokenSet {
	ts := tokenSetPool.Get().(*tokenSet)
	stack := append(make([]*html.Node, 0, 64), roots...)
	visited := 0
	for len(stack) > 0 && visited < maxWalkNodes {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		visited++
		if n.Type == html.ElementNode {
			ts.addElement(n)
		}
		// children pushed last first: nodes are visited in document order
		for c := n.LastChild; c != nil; c = c.PrevSibling {
			if c.Type == html.ElementNode || c.Type == html.DocumentNode {
				stack = append(stack, c)
			}
		}
	}
	if visited >= maxWalkNodes {
		ts.reset()
		tokenSetPool.Put(ts)
		return &tokenSet{all: true} // too big to index: every selector may match
	}
	return ts
}

func (ts *tokenSet) has(t string) bool {
	var ok bool
	switch {
	case strings.HasPrefix(t, "."):
		_, ok = ts.classes[t[1:]]
	case strings.HasPrefix(t, "#"):
		_, ok = ts.ids[t[1:]]
	case strings.HasPrefix(t, "@href^"):
		_, ok = ts.hrefs[t[len("@href^"):]]
	case strings.HasPrefix(t, "@"):
		if i := strings.IndexByte(t, '='); i > 0 {
			_, ok = ts.attrs[[2]string{t[1:i], t[i+1:]}]
		}
	}
	return ok
}

// tokenSetPool recycles the token maps between pages (see pageCtx.release).
var tokenSetPool = sync.Pool{New: func() any {
	return &tokenSet{classes: make(map[string]struct{}, 64), ids: map[string]struct{}{},
		hrefs: map[string]struct{}{}, attrs: map[[2]string]struct{}{}}
}}

// release returns the page's scratch structures to their pools; pc must not be used after.
func (pc *pageCtx) release() {
	ix, ts := pc.idx, pc.tokens
	pc.idx, pc.tokens, pc.links, pc.linksDone = nil, nil, nil, false
	ix.release()
	if ts != nil && !ts.all {
		ts.reset()
		tokenSetPool.Put(ts)
	}
}

// reset empties ts for reuse.
func (ts *tokenSet) reset() {
	clear(ts.classes)
	clear(ts.ids)
	clear(ts.hrefs)
	clear(ts.attrs)
	clear(ts.anchors)
	ts.anchors = ts.anchors[:0]
	ts.itemscope = false
}

// addElement adds n's tokens to ts, and n to the anchors when it is an a[href].
func (ts *tokenSet) addElement(n *html.Node) {
	isA := n.Data == "a" // selAHref: tag "a" with an href attribute
	for _, a := range n.Attr {
		switch a.Key {
		case "class":
			for c := range strings.FieldsSeq(a.Val) {
				ts.classes[c] = struct{}{}
			}
		case "id":
			ts.ids[strings.TrimSpace(a.Val)] = struct{}{}
		case "href":
			if isA {
				isA = false
				ts.anchors = append(ts.anchors, n)
			}
			if len(a.Val) >= hrefPrefixLen {
				ts.hrefs[a.Val[:hrefPrefixLen]] = struct{}{}
			}
		case "type", "name", "rel", "http-equiv":
			if len(a.Val) < 40 {
				ts.attrs[[2]string{a.Key, a.Val}] = struct{}{}
			}
		case "itemscope":
			ts.itemscope = true
		}
	}
}

// title is the text of the first <title> element (usually in <head>).
func (pc *pageCtx) title() string {
	if pc.titleTxt == nil {
		t := ""
		if len(pc.doc.Nodes) > 0 {
			if n := titleSel.MatchFirst(pc.doc.Nodes[0]); n != nil {
				t = oneLine(nodeTextRaw(n))
			}
		}
		pc.titleTxt = &t
	}
	return *pc.titleTxt
}

var titleSel = cascadia.MustCompile("title")

// nodeTextRaw concatenates all text under n (for <title>, which nodeText skips as <head>).
func nodeTextRaw(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// exists reports whether any element of the page matches sel (stops at the first).
func (pc *pageCtx) exists(sel cascadia.Selector) bool {
	for _, n := range pc.doc.Nodes {
		if sel.MatchFirst(n) != nil {
			return true
		}
	}
	return false
}

// existsMemo is exists(sel), remembered by the selector's source src: detection and
// page-type matching often test the same selector.
func (pc *pageCtx) existsMemo(src string, sel cascadia.Selector) bool {
	if v, ok := pc.existsSeen[src]; ok {
		return v
	}
	v := pc.exists(sel)
	if pc.existsSeen == nil {
		pc.existsSeen = map[string]bool{}
	}
	pc.existsSeen[src] = v
	return v
}

// text is the visible text of the whole page (scripts and styles excluded), block-separated.
func (pc *pageCtx) text() string {
	if pc.pageText == nil {
		var t string
		if ix := pc.index(); ix.textOK {
			t = ix.text
		} else if len(pc.doc.Nodes) > 0 {
			t = nodeText(pc.doc.Nodes[0])
		}
		pc.pageText = &t
	}
	return *pc.pageText
}

// lowerText is text() lower-cased.
func (pc *pageCtx) lowerText() string {
	if pc.lowText == nil {
		t := strings.ToLower(pc.text())
		pc.lowText = &t
	}
	return *pc.lowText
}

// abs resolves href against the page URL; "" for unusable links.
func (pc *pageCtx) abs(href string) string {
	if u := pc.absURL(href); u != nil {
		return u.String()
	}
	return ""
}

// absURL resolves href against the page URL; nil for unusable links.
func (pc *pageCtx) absURL(href string) *url.URL {
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(href, "#") {
		return nil
	}
	if len(href) > 11 {
		low := strings.ToLower(href[:11])
		if strings.HasPrefix(low, "javascript:") || strings.HasPrefix(low, "mailto:") || strings.HasPrefix(low, "data:") {
			return nil
		}
	} else if low := strings.ToLower(href); strings.HasPrefix(low, "mailto:") || strings.HasPrefix(low, "data:") {
		return nil
	}
	var u *url.URL
	var err error
	if pc.base == nil {
		u, err = url.Parse(href)
	} else {
		u, err = pc.base.Parse(href)
	}
	if err != nil {
		return nil
	}
	u.Fragment = ""
	return u
}

var blockAtoms = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.Tr: true, atom.Td: true,
	atom.Th: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Table: true, atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Dt: true,
	atom.Dd: true, atom.Pre: true, atom.Section: true, atom.Article: true, atom.Header: true,
	atom.Footer: true, atom.Form: true, atom.Blockquote: true, atom.Hr: true, atom.Option: true,
	atom.Label: false, atom.Tbody: true, atom.Thead: true, atom.Main: true, atom.Nav: true,
	atom.Aside: true, atom.Fieldset: true, atom.Legend: true, atom.Select: true, atom.Textarea: true,
}

// spaceAtoms are inline elements that separate words: "<a>x</a><span>$5</span>" reads "x $5".
var spaceAtoms = map[atom.Atom]bool{
	atom.A: true, atom.Span: true, atom.Img: true, atom.Button: true, atom.Input: true,
	atom.Label: true, atom.Small: true,
}

func skipAtom(a atom.Atom) bool {
	return a == atom.Script || a == atom.Style || a == atom.Noscript || a == atom.Template || a == atom.Head
}

// nodeText returns the visible text under n: block elements become line breaks, runs of
// spaces collapse, lines are trimmed. Iterative, so deep nesting cannot blow the stack.
func nodeText(n *html.Node) string {
	bp := textBufPool.Get().(*textBuf)
	b, stack := bp.b[:0], append(bp.stack[:0], textFrame{n: n})
	visited, deepest := 0, 1
	for len(stack) > 0 && len(b) < maxTextLen && visited < maxWalkNodes {
		deepest = max(deepest, len(stack))
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		c := f.n
		if f.exit {
			if sep := atomSep(c.DataAtom); sep != 0 {
				b = append(b, sep)
			}
			continue
		}
		visited++
		switch c.Type {
		case html.TextNode:
			b = append(b, c.Data...)
			continue
		case html.ElementNode:
			if skipAtom(c.DataAtom) {
				continue
			}
			if sep := atomSep(c.DataAtom); sep != 0 {
				b = append(b, sep)
			}
			if c.DataAtom == atom.Img {
				if alt := attr(c, "alt"); alt != "" && len(alt) < 40 {
					b = append(b, ' ')
				}
			}
		case html.CommentNode, html.DoctypeNode:
			continue
		}
		stack = append(stack, textFrame{n: c, exit: true})
		// push children in reverse so the first child is processed first
		for k := c.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, textFrame{n: k})
		}
	}
	bp.out = cleanAppend(bp.out[:0], b)
	out := string(bp.out)
	// drop the node pointers this call pushed before pooling (not the whole capacity: one
	// whole-page walk grows it, and clearing it all made every later call pay for it)
	clear(stack[:max(deepest, len(stack))])
	bp.b, bp.stack = b[:0], stack[:0]
	textBufPool.Put(bp)
	return out
}

type textFrame struct {
	n    *html.Node
	exit bool
}

// textBuf is nodeText's scratch space, pooled across calls.
type textBuf struct {
	b     []byte // raw text
	out   []byte // cleaned text
	stack []textFrame
}

var textBufPool = sync.Pool{New: func() any { return &textBuf{b: make([]byte, 0, 4096), stack: make([]textFrame, 0, 64)} }}

// atomSep is what an element adds to the text before and after its content: '\n' for
// blockAtoms, ' ' for spaceAtoms, 0 for nothing.
func atomSep(a atom.Atom) byte {
	if a == 0 {
		return 0
	}
	if blockAtoms[a] {
		return '\n'
	}
	if spaceAtoms[a] {
		return ' '
	}
	return 0
}

// cleanText collapses horizontal whitespace, trims lines and drops empty lines. One pass:
// the result equals joining collapseSpaces of each non-empty line with "\n".
func cleanText(s string) string { return string(cleanAppend(nil, []byte(s))) }

// cleanAppend appends cleanText of string(s) to out.
func cleanAppend(out, s []byte) []byte {
	if !utf8.Valid(s) {
		s = []byte(strings.ToValidUTF8(string(s), "\uFFFD"))
	}
	inLine, space := false, false // the current line has text; a space is pending
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch c {
			case '\n':
				inLine, space = false, false
				continue
			case ' ', '\t', '\r', '\f', '\v':
				space = true
				continue
			}
			if !inLine {
				if len(out) > 0 {
					out = append(out, '\n')
				}
				inLine = true
			} else if space {
				out = append(out, ' ')
			}
			space = false
			out = append(out, c)
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' {
			space = true
			i += size
			continue
		}
		if !inLine {
			if len(out) > 0 {
				out = append(out, '\n')
			}
			inLine = true
		} else if space {
			out = append(out, ' ')
		}
		space = false
		out = append(out, s[i:i+size]...)
		i += size
	}
	return out
}

// collapseSpaces turns every run of white space (incl. NBSP) into one space and trims.
func collapseSpaces(s string) string {
	// Fast path: already clean ASCII.
	clean, prevSpace := true, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || (c < ' ' && c != 0) || (c == ' ' && prevSpace) {
			clean = false
			break
		}
		prevSpace = c == ' '
	}
	if clean && !prevSpace {
		return s
	}
	if clean && s == "" {
		return s
	}
	b := make([]byte, 0, len(s))
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			i++
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
				space = true
				continue
			}
			if space && len(b) > 0 {
				b = append(b, ' ')
			}
			space = false
			b = append(b, c)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' {
			space = true
			i += size
			continue
		}
		if space && len(b) > 0 {
			b = append(b, ' ')
		}
		space = false
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// oneLine is the node text on one line.
func oneLine(s string) string { return collapseSpaces(strings.ReplaceAll(s, "\n", " ")) }

// ownText is the concatenated direct text children of n.
func ownText(n *html.Node) string {
	// one text child (the usual case): no copy
	var only *html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			if only != nil {
				only = nil
				goto concat
			}
			only = c
		}
	}
	if only == nil {
		return ""
	}
	return collapseSpaces(only.Data)
concat:
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return collapseSpaces(b.String())
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// cut at a rune boundary
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
