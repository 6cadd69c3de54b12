package extract

import (
	"strings"

	"github.com/andybalholm/cascadia"
)

// Selectors compiled once (goquery's Find(string) compiles on every call).
var (
	selOGTitle    = cascadia.MustCompile(`meta[property="og:title"]`)
	selStock      = cascadia.MustCompile("[class*=stock]")
	selProseT     = tagged("pre, p, div.content, article", "pre", "p", "div", "article")
	selA          = cascadia.MustCompile("a")
	selLabelish   = tagsOnly("span", "b", "strong", "div", "p", "td", "h3", "h4", "h5")
	selAHref      = cascadia.MustCompile("a[href]")
	selHandle     = cascadia.MustCompile(`[class*=handle], [class*=username], [class*=shopname], [class*=vendor-name], [class*=vendorname]`)
	selCrumbs     = cascadia.MustCompile(`[class*=breadcrumb], [class*=crumbs], nav[aria-label*=breadcrumb i]`)
	selRows       = tagsOnly("tr", "option", "li", "label")
	selPosts      = cascadia.MustCompile(`[class~=post], [class*=post-], [class~=message], [class~=comment], [id^=post], article`)
	selPostBody   = cascadia.MustCompile(`[class*=content i], [class*=body i], [class*=text i], [class*=message i]`)
	selAuthorLink = cascadia.MustCompile(`a[class*=author], [class*=author] a, a[class*=user], [class*=username] a, [class*=poster] a`)
	selAuthor     = cascadia.MustCompile(`[class*=author], [class*=username], [class*=poster], .user, .nick`)
	selH123       = cascadia.MustCompile("h1, h2, h3")
	selItemTitle  = cascadia.MustCompile(`[class*=product-title], [class*=listing-title], [class*=item-title], [class*=product-name], [class*=item-name], [class*=listing-name], [class*=offer-title]`)
	// itemTitleClasses: selItemTitle matches only where some class contains one of these
	itemTitleClasses = []string{"product-title", "listing-title", "item-title", "product-name", "item-name", "listing-name", "offer-title"}
	selMicrodata     = cascadia.MustCompile(`[itemscope][itemtype*="schema.org/Product"]`)
	selInput         = cascadia.MustCompile("input")
	selButton        = cascadia.MustCompile(`button, input[type=submit]`)
	selBase          = cascadia.MustCompile("base[href]")
)

// The same and more, read from the page index (pc.all): tag names first, no tree walk.
var (
	tagH1          = tagsOnly("h1")
	tagH12         = tagsOnly("h1", "h2")
	tagH123        = tagsOnly("h1", "h2", "h3")
	tagH34         = tagsOnly("h3", "h4")
	tagInput       = tagsOnly("input")
	tagPassword    = tagged(`input[type=password], input[type=PASSWORD], input[name*=pass]`, "input")
	tagPasswordI   = tagged(`input[type=password i]`, "input")
	tagMetaRefresh = tagged(`meta[http-equiv="refresh" i]`, "meta")
	tagJSONLD      = tagged(`script[type="application/ld+json"]`, "script")
	tagCrumbsNav   = tagged(`nav[aria-label*=breadcrumb i]`, "nav") // selCrumbs without a breadcrumb class
	tagCaptchaForm = tagged(`img[src*=captcha i], img[alt*=captcha i], input[name*=captcha i], [class*=captcha i], [id*=captcha i]`, "img", "input")
)

// descSel is one description element mainDescription tries, with what the page's token
// index (pageTokens) must hold for it to match anywhere: tok, an exact class (".x") or id
// ("#x"); or sub, a substring of some class (subClass) or id; neither: always tried.
type descSel struct {
	sel      cascadia.Selector
	tok, sub string
	subClass bool
}

// maybe reports whether d can match an element of the page indexed by ts.
func (d descSel) maybe(ts *tokenSet) bool {
	switch {
	case ts.all:
		return true
	case d.tok != "":
		return ts.has(d.tok)
	case d.sub != "":
		set := ts.ids
		if d.subClass {
			set = ts.classes
		}
		for k := range set {
			if strings.Contains(k, d.sub) {
				return true
			}
		}
		return false
	}
	return true
}

// selDescriptions are the description elements mainDescription tries, in order.
var selDescriptions = func() []descSel {
	var out []descSel
	for _, s := range []string{"#description", ".description", "[itemprop=description]", "#offerDescription", ".product-description", "#desc_prod", ".listing-description", "[class*=descr]", "[class*=desc]", "[id*=desc]", ".postContent", ".post-content", ".postbody", ".post-body"} {
		d := descSel{sel: cascadia.MustCompile(s)}
		switch {
		case strings.HasPrefix(s, "#"), strings.HasPrefix(s, "."):
			d.tok = s
		case strings.HasPrefix(s, "[class*="), strings.HasPrefix(s, "[id*="):
			d.subClass = strings.HasPrefix(s, "[class")
			d.sub = s[strings.IndexByte(s, '=')+1 : len(s)-1]
		}
		out = append(out, d)
	}
	return out
}()
