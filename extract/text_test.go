package extract

import (
	"bytes"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
)

func TestCollapseSpaces(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", " a ": "a", "a  b": "a b", "a\tb\n": "a b", "\u00a0x\u00a0\u00a0y": "x y", "★ x": "★ x", "a\xffb": "a\uFFFDb", "a ": "a", " ": "", "ab cd": "ab cd"} {
		if got := collapseSpaces(in); got != want {
			t.Errorf("%q -> %q want %q", in, got, want)
		}
	}
}

// cleanTextRef is the line-by-line definition cleanText must equal.
func cleanTextRef(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var out strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		line = collapseSpaces(line)
		if line == "" {
			continue
		}
		if out.Len() > 0 {
			out.WriteByte('\n')
		}
		out.WriteString(line)
	}
	return out.String()
}

func TestCleanText(t *testing.T) {
	for _, in := range []string{"", "\n", " a \n\n b  c \n", "\u00a0x\u2028y\n\u200b\n", "a\xff\nb", "\x00 \x01\n\tz\r\n", "★\u0085★"} {
		if got, want := cleanText(in), cleanTextRef(in); got != want {
			t.Errorf("%q -> %q want %q", in, got, want)
		}
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{" a \n\n b  c \n", "\u00a0x\u2028y", "a\xff\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := cleanText(s), cleanTextRef(s); got != want {
			t.Fatalf("%q -> %q want %q", s, got, want)
		}
	})
}

func TestHasTag(t *testing.T) {
	for in, want := range map[string]bool{"": false, "<base href=x>": true, "<BASE\nhref=x>": true, "<base>": true, "<base/>": true,
		"<basement>": false, "x<bas": false, "<base": true, "base href": false, "<p><Base\thref=/>": true} {
		if got := hasTag([]byte(in), "base"); got != want {
			t.Errorf("%q: %v want %v", in, got, want)
		}
	}
}

// TestAnchorsSameAsSelector: the anchors collected by the token walk are the a[href]
// matches, in the same order.
func TestAnchorsSameAsSelector(t *testing.T) {
	files, _ := filepath.Glob("testdata/pages/*.html")
	for _, f := range append(files, "inline") {
		var b []byte
		if f == "inline" {
			b = []byte(`<a href=1>x</a><svg><a href=2/></svg><A HREF=3></A><a>no</a><p><a href="">e</a></p>`)
		} else {
			var err error
			if b, err = os.ReadFile(f); err != nil {
				t.Fatal(err)
			}
		}
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		pc := newPageCtx(Page{URL: "http://x.onion/"}, doc)
		got, want := pc.anchors(), doc.FindMatcher(selAHref).Nodes
		if len(got) != len(want) {
			t.Fatalf("%s: %d anchors, selector finds %d", f, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: anchor %d differs", f, i)
			}
		}
	}
}

func TestLabelHelpersMatchStdlib(t *testing.T) {
	for _, s := range []string{"", ":", "a：b:c", "ab:c：", "x", "\xef\xbc", "\xe0\xef\xbc\x9a", " • Ships from: »", "— x —", "\xff:"} {
		if got, want := indexColon(s), strings.IndexAny(s, ":："); got != want {
			t.Errorf("indexColon(%q) = %d, want %d", s, got, want)
		}
		if got, want := strings.TrimRightFunc(s, isLabelTail), strings.TrimRight(s, " :：-–—|»>"); got != want {
			t.Errorf("tail %q: %q want %q", s, got, want)
		}
		if got, want := strings.TrimLeftFunc(s, isLabelHead), strings.TrimLeft(s, " •·*-–—|"); got != want {
			t.Errorf("head %q: %q want %q", s, got, want)
		}
	}
}

func FuzzLabelHelpers(f *testing.F) {
	f.Add(" • Ships from: »")
	f.Add("a：b:c")
	f.Fuzz(func(t *testing.T, s string) {
		if indexColon(s) != strings.IndexAny(s, ":：") ||
			strings.TrimRightFunc(s, isLabelTail) != strings.TrimRight(s, " :：-–—|»>") ||
			strings.TrimLeftFunc(s, isLabelHead) != strings.TrimLeft(s, " •·*-–—|") {
			t.Fatalf("differs on %q", s)
		}
	})
}

// TestOneLineOfAnchorText: for an <a> with one valid-UTF-8 text child, the anchor text on
// one line is collapseSpaces of the text (isNextText's shortcut).
func TestOneLineOfAnchorText(t *testing.T) {
	for _, s := range []string{"Next", "  next \n page ", "»", "\u00a0›\u200b", "a\tb\r\nc", "", " \n "} {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader("<a href=x>" + html.EscapeString(s) + "</a>"))
		if err != nil {
			t.Fatal(err)
		}
		a := doc.FindMatcher(selAHref).Nodes[0]
		if a.FirstChild == nil {
			continue
		}
		if got, want := collapseSpaces(a.FirstChild.Data), oneLine(nodeText(a)); got != want {
			t.Errorf("%q: %q, want %q", s, got, want)
		}
	}
}
