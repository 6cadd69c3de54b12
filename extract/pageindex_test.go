package extract

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// indexCases are inline pages with what the page index must get right: images with alt
// text, inline and block elements, invalid UTF-8 (no spans: the walk is the reference),
// anchors under <noscript>, Unicode spaces.
var indexCases = []string{
	`<p>a<b>b</b> <i>c</i><img alt=x>d<br>e</p><div> <span> f </span>g</div>`,
	`<ul><li><a href=/1>One</a> $5</li><li><a href=/2>Two</a><noscript><a href=/3>x</a></noscript></li></ul>`,
	"<p>caf\xc3</p><p>\xa9</p>",
	"<div>\u00a0x\u2028y<span>\u200bz</span></div><script>var a</script><a href=q>é</a>",
	`<table><tr><td>Price:</td><td>$5</td></tr></table><svg><a href=s>t</a></svg>`,
	`<div class="Login-CAPTCHA-box"><img src=/a.png><input name=q></div>`,
	`<form><img alt="CaptchaImage" src=/c><input type=PASSWORD name=p><meta http-equiv=Refresh content=5></form>`,
	`<nav aria-label="Breadcrumb"><a href=/>Home</a></nav><div class=xbreadcrumbs>y</div>`,
	`<div ItemScope itemtype="http://schema.org/Product"><span itemprop=name>X</span></div>`,
	``,
}

// checkIndex compares every element's indexed text, one-line text, raw text length and
// anchors with the walks they replace (nodeText, oneLine, textWithin, a[href] under the
// element), and the tag selectors with cascadia.
func checkIndex(t *testing.T, name string, doc *goquery.Document) {
	t.Helper()
	pc := newPageCtx(Page{URL: "http://x.onion/"}, doc)
	defer pc.release()
	x := testExtractor(t)
	pc.labelFirst, pc.wantKeys, pc.labelKeys = x.labelFirst, x.wantKeys, x.labelKeys
	if got, want := pc.text(), nodeText(doc.Nodes[0]); got != want {
		t.Fatalf("%s: page text differs:\n%q\nwant\n%q", name, got, want)
	}
	for _, ts := range []tagSel{selLabelish, selRows, selProseT, tagH12, tagPassword, tagMetaRefresh, tagJSONLD} {
		var got []*html.Node
		for n := range pc.all(ts) {
			got = append(got, n)
		}
		if want := doc.FindMatcher(ts.sel).Nodes; len(got) != len(want) || (len(got) > 0 && got[len(got)-1] != want[len(want)-1]) {
			t.Fatalf("%s: tag selector: %d elements, want %d", name, len(got), len(want))
		}
	}
	if got, want := captchaElement(pc), len(doc.FindMatcher(tagCaptchaForm.sel).Nodes) > 0; got != want {
		t.Fatalf("%s: captchaElement %v, want %v", name, got, want)
	}
	if got, want := crumbsElement(pc), doc.FindMatcher(selCrumbs).Nodes; (got == nil) != (len(want) == 0) || (got != nil && got != want[0]) {
		t.Fatalf("%s: crumbsElement differs from selCrumbs", name)
	}
	if ts := pc.pageTokens(); !ts.all && ts.itemscope != (len(doc.Find("[itemscope]").Nodes) > 0) {
		t.Fatalf("%s: itemscope token %v, selector differs", name, ts.itemscope)
	}
	for _, n := range doc.Find("*").Nodes {
		if got, want := pc.nodeText(n), nodeText(n); got != want {
			t.Fatalf("%s: <%s> text %q, want %q", name, n.Data, got, want)
		}
		if got, want := pc.lineText(n), oneLine(nodeText(n)); got != want {
			t.Fatalf("%s: <%s> line %q, want %q", name, n.Data, got, want)
		}
		for _, max := range []int{0, 3, 80, 400} {
			if got, want := pc.textWithin(n, max), textWithin(n, max); got != want {
				t.Fatalf("%s: <%s> textWithin %d: %v, want %v", name, n.Data, max, got, want)
			}
		}
		for k, hits := range pc.labelIndex() {
			got, inScope := pc.hitsWithin(hits, []*html.Node{n})
			if !inScope {
				continue
			}
			var want []labelHit
			for _, h := range hits {
				if within(h.node, []*html.Node{n}) {
					want = append(want, h)
				}
			}
			if len(got) != len(want) || (len(got) > 0 && got[0] != want[0]) {
				t.Fatalf("%s: <%s> label %q: %d hits in scope, want %d", name, n.Data, k, len(got), len(want))
			}
		}
		as, ok := pc.anchorsIn(n)
		if !ok {
			continue
		}
		want := goquery.NewDocumentFromNode(n).FindMatcher(selAHref).Nodes
		if len(as) != len(want) {
			t.Fatalf("%s: <%s> %d anchors, want %d", name, n.Data, len(as), len(want))
		}
		for i := range as {
			if as[i] != want[i] {
				t.Fatalf("%s: <%s> anchor %d differs", name, n.Data, i)
			}
		}
	}
}

// TestPageIndexMatchesWalks: on every saved page and the inline cases, the page index
// gives each element the text, one-line text and anchors the DOM walks give.
func TestPageIndexMatchesWalks(t *testing.T) {
	files, _ := filepath.Glob("testdata/pages/*.html")
	more, _ := filepath.Glob("testdata/generic/*.html")
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		checkIndex(t, f, doc)
	}
	for i, s := range indexCases {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		checkIndex(t, "case "+string(rune('0'+i)), doc)
	}
}

func FuzzPageIndex(f *testing.F) {
	for _, s := range indexCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1<<16 {
			return
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(s))
		if err != nil || len(doc.Nodes) == 0 || doc.Nodes[0].Type != html.DocumentNode {
			return
		}
		checkIndex(t, "fuzz", doc)
	})
}
