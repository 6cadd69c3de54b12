package induce

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/darkwatch/darkwatch/extract"
)

// Bounds on hostile pages: nodes walked per page, text kept per element.
const (
	maxNodes   = 200_000
	maxTextLen = 64 << 10
)

// doc is one parsed page with the elements of its body in document order.
type doc struct {
	root  *html.Node
	elems []*html.Node
	text  map[*html.Node]string
}

func parseDoc(body []byte) (*doc, error) {
	if len(body) > extract.MaxBodySize {
		body = body[:extract.MaxBodySize]
	}
	root, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	d := &doc{root: root, text: map[*html.Node]string{}}
	stack := []*html.Node{root}
	for len(stack) > 0 && len(d.elems) < maxNodes {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Type == html.ElementNode {
			if skipped(n.DataAtom) {
				continue
			}
			if n.DataAtom != atom.Html && n.DataAtom != atom.Body {
				d.elems = append(d.elems, n)
			}
		}
		for c := n.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, c)
		}
	}
	return d, nil
}

func skipped(a atom.Atom) bool {
	return a == atom.Script || a == atom.Style || a == atom.Noscript || a == atom.Template || a == atom.Head
}

// textOf is the visible text under n with its spaces collapsed (memoised).
func (d *doc) textOf(n *html.Node) string {
	if t, ok := d.text[n]; ok {
		return t
	}
	t := norm(rawText(n))
	d.text[n] = t
	return t
}

func rawText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node, int)
	walk = func(c *html.Node, depth int) {
		if b.Len() > maxTextLen || depth > 200 {
			return
		}
		switch c.Type {
		case html.TextNode:
			b.WriteString(c.Data)
			return
		case html.ElementNode:
			if skipped(c.DataAtom) {
				return
			}
			if c.DataAtom == atom.Br || !inline[c.DataAtom] {
				b.WriteByte(' ')
			}
		}
		for k := c.FirstChild; k != nil; k = k.NextSibling {
			walk(k, depth+1)
		}
		if c.Type == html.ElementNode && !inline[c.DataAtom] {
			b.WriteByte(' ')
		}
	}
	walk(n, 0)
	return b.String()
}

var inline = map[atom.Atom]bool{atom.A: true, atom.Span: true, atom.B: true, atom.I: true, atom.Em: true,
	atom.Strong: true, atom.Small: true, atom.Sup: true, atom.Sub: true, atom.Abbr: true, atom.Code: true,
	atom.Font: true, atom.U: true, atom.S: true, atom.Mark: true, atom.Label: true, atom.Img: true}

// norm collapses runs of white space and trims.
func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// volatile matches class and id values that look generated per request or per record
// (long hex or digit runs): they cannot select the same element on another page.
var volatile = regexp.MustCompile(`[0-9a-f]{6,}|\d{3,}|[A-Za-z0-9]{16,}`)

var cssIdent = regexp.MustCompile(`^-?[_a-zA-Z][_a-zA-Z0-9-]*$`)

// steps are the ways to name one element in a selector, shortest first.
func steps(n *html.Node) []string {
	tag := n.Data
	if !cssIdent.MatchString(tag) {
		return nil
	}
	out := []string{tag}
	if id := attr(n, "id"); id != "" && cssIdent.MatchString(id) && !volatile.MatchString(id) {
		out = append(out, "#"+id)
	}
	for _, c := range strings.Fields(attr(n, "class")) {
		if len(out) >= 6 {
			break
		}
		if cssIdent.MatchString(c) && !volatile.MatchString(c) {
			out = append(out, tag+"."+c)
		}
	}
	return out
}

// nthOfType is n's 1-based position among its element siblings of the same tag, and
// whether it has such siblings at all.
func nthOfType(n *html.Node) (int, bool) {
	k, total := 0, 0
	for c := n.Parent.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == n.Data {
			total++
			if c == n {
				k = total
			}
		}
	}
	return k, total > 1
}

// candidates are selectors for n relative to root (root excluded), built from n's own
// steps and up to three ancestors', with nth-of-type where siblings share the tag.
func candidates(root, n *html.Node, add func(string)) {
	own := steps(n)
	if len(own) == 0 {
		return
	}
	for _, s := range own {
		add(s)
	}
	if n.Parent != nil && n.Parent != root {
		if k, many := nthOfType(n); many {
			for _, p := range steps(n.Parent) {
				add(fmt.Sprintf("%s > %s:nth-of-type(%d)", p, n.Data, k))
			}
			own = append(own, fmt.Sprintf("%s:nth-of-type(%d)", n.Data, k))
		}
	}
	a := n.Parent
	for depth := 0; depth < 3 && a != nil && a != root && a.Type == html.ElementNode; depth++ {
		sep := " "
		if depth == 0 {
			sep = " > "
		}
		for _, p := range steps(a) {
			if p == a.Data && depth > 0 {
				continue // a bare ancestor tag adds little
			}
			for _, s := range own {
				add(p + sep + s)
				if sep == " > " {
					add(p + " " + s)
				}
			}
		}
		a = a.Parent
	}
}
