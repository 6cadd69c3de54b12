package extract

import (
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

var (
	loginWordsRe = mustQuick(`(?i)\b(log ?in|sign ?in|login|authori[sz]ation|credentials|password)\b|войти|вход|авторизац|пароль`)
	captchaRe    = mustQuick(`(?i)captcha|капча|solve the (following )?challenge|are you (a )?human|i'?m not a robot|anti[- ]?phishing|(type|enter|select|input) the (\w+ ){0,3}(characters|letters|symbols)|matches the (link|url|address)|url bar|genuine mirror|введите (символы|код)`)
	// blockedRe: a ban or strike notice ("1st Strike", "account temporarily suspended",
	// "you have been banned", "access denied").
	blockedRe  = mustQuick(`(?i)\b(\d(st|nd|rd|th)|first|second|third|last|maximum) strikes?\b|\b(strikes? reached|you (have been|are|were) (temporarily |permanently )?(banned|blocked)|account (is |has been )?(temporarily |permanently )?(suspended|banned|blocked)|security breach detected|illegal action|access (denied|forbidden)|your ip (address )?(has been|is) (blocked|banned))\b|вы заблокированы|доступ запрещ`)
	queueRe    = mustQuick(`(?i)ddos[ -]?(protection|guard|filter)|anti[- ]?ddos|\bqueue\b|please wait|you are in (the )?line|waiting room|checking your browser|redirecting\.\.\.|подождите|очередь|защита от ddos`)
	notFoundRe = mustQuick(`(?i)\b(404|not found|page (does not|doesn't) exist|no longer (available|exists)|has been (removed|deleted)|listing (was )?removed|item (was )?removed|product (was )?removed)\b|не найден|удален`)
	refreshRe  = regexp.MustCompile(`(?i)^\s*(\d+)\s*(?:;\s*(?:url\s*=\s*)?['"]?([^'"]*))?`)
)

// detectInterstitial recognises login walls, CAPTCHAs and DDoS queue pages. It is called
// when no profile page type matched, or when one did on a wall-shaped page (wallShaped),
// and requires the wall to be the page's main content: a header login link or a sidebar
// login form on a content page does not count.
func detectInterstitial(pc *pageCtx) *Interstitial {
	text := pc.text()
	runes := utf8.RuneCountInString(text)
	links := len(pc.anchors())
	small := runes < 4000 && links < 60
	pw := pc.first(tagPassword) != nil
	if contentPage(pc) {
		// a page of listings (cards, categories) is no wall, whatever a line of it says
		// ("3 strikes on the DDoS filter ban you for 24h"); only its <title> can say so
		if t := pc.title(); !blockedRe.MatchString(t) && !queueRe.MatchString(t) && !captchaRe.MatchString(t) {
			return nil
		}
	}
	head := strings.ToLower(pc.title() + " " + oneLine(selectionText(pc.all(tagH123))))

	// A ban or strike notice, with or without a refresh: the market refuses this client.
	if runes < 2000 && links < 60 && !pw && (blockedRe.MatchString(head) || blockedRe.MatchString(text)) {
		return &Interstitial{Type: InterstitialBlocked}
	}
	// Meta refresh with (almost) no content: a redirect wall.
	if c, ok := refreshContent(pc); ok && runes < 600 {
		target := ""
		if m := refreshRe.FindStringSubmatch(c); m != nil {
			target = strings.ToLower(m[2])
		}
		switch {
		case captchaRe.MatchString(text):
			return &Interstitial{Type: InterstitialCaptcha}
		case strings.Contains(target, "login") && !queueRe.MatchString(text):
			return &Interstitial{Type: InterstitialLogin}
		default:
			return &Interstitial{Type: InterstitialQueue}
		}
	}
	if !small {
		return nil
	}
	if pw && loginForm(pc) && (loginWordsRe.MatchString(head) || loginWordsRe.MatchString(text)) {
		return &Interstitial{Type: InterstitialLogin}
	}
	captchaEl := captchaElement(pc)
	if captchaEl || captchaRe.MatchString(head) || (runes < 1500 && (captchaRe.MatchString(text) || (!pw && charInputs(pc)))) {
		return &Interstitial{Type: InterstitialCaptcha}
	}
	if queueRe.MatchString(head) || (runes < 1500 && queueRe.MatchString(text)) {
		return &Interstitial{Type: InterstitialQueue}
	}
	return nil
}

// wallShaped reports whether a page a profile read as content looks like a wall all the
// same: a meta refresh, or a few lines of text with few links.
func wallShaped(pc *pageCtx) bool {
	if _, ok := refreshContent(pc); ok {
		return true
	}
	return len(pc.anchors()) < 20 && utf8.RuneCountInString(pc.text()) < 1500
}

// detectNotFound recognises 404 pages: an HTTP 404/410, or "not found"/"removed" in the
// title or main heading of a page that has no other content.
func detectNotFound(pc *pageCtx) bool {
	if pc.page.Status == 404 || pc.page.Status == 410 {
		return true
	}
	title := pc.title()
	h := ""
	if n := pc.first(tagH12); n != nil {
		h = oneLine(selectionText(slices.Values([]*html.Node{n})))
	}
	if notFoundRe.MatchString(title) || notFoundRe.MatchString(h) {
		return true
	}
	text := pc.text()
	return utf8.RuneCountInString(text) < 400 && notFoundRe.MatchString(text)
}

// charInputs reports a challenge form: a visible text input limited to a few characters
// (one box per character, or "the 6 missing characters"), the shape of DDoS and
// anti-phishing CAPTCHAs; a search box or a login field takes more.
func charInputs(pc *pageCtx) bool {
	for in := range pc.all(tagInput) {
		t := strings.ToLower(attr(in, "type"))
		if t != "" && t != "text" {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSpace(attr(in, "maxlength"))); err == nil && n >= 1 && n <= 8 {
			return true
		}
	}
	return false
}

var (
	loginActionRe = mustQuick(`(?i)log_?in|sign_?in|auth|session|вход`)
	loginFieldRe  = mustQuick(`(?i)user|login|email|nick|name|account|логин`)
)

// loginForm reports whether a password field sits in a login form (a user name field, a
// login action or a login button), not in a purchase form asking for a PIN.
func loginForm(pc *pageCtx) bool {
	for pw := range pc.all(tagPasswordI) {
		form := pw.Parent
		for form != nil && !(form.Type == html.ElementNode && form.DataAtom == atom.Form) {
			form = form.Parent
		}
		if form == nil {
			// no <form>: judge by the page's other inputs
			form = pc.doc.Nodes[0]
		}
		if loginActionRe.MatchString(attr(form, "action")) {
			return true
		}
		f := goquery.NewDocumentFromNode(form)
		for _, in := range f.FindMatcher(selInput).Nodes {
			t := strings.ToLower(attr(in, "type"))
			if (t == "" || t == "text" || t == "email") && loginFieldRe.MatchString(attr(in, "name")+" "+attr(in, "id")) {
				return true
			}
		}
		for _, b := range f.FindMatcher(selButton).Nodes {
			if loginWordsRe.MatchString(pc.lineText(b) + " " + attr(b, "value")) {
				return true
			}
		}
	}
	return false
}

// selectionText is goquery's Selection.Text of nodes: the text of every text node under
// each, concatenated.
func selectionText(nodes iter.Seq[*html.Node]) string {
	return (&goquery.Selection{Nodes: slices.Collect(nodes)}).Text()
}

// refreshContent is the content of the page's first meta refresh.
func refreshContent(pc *pageCtx) (string, bool) {
	if n := pc.first(tagMetaRefresh); n != nil {
		for _, a := range n.Attr {
			if a.Key == "content" {
				return a.Val, true
			}
		}
	}
	return "", false
}

// captchaElement reports whether some element matches tagCaptchaForm.sel: an image or
// input named for a CAPTCHA, or any element whose class or id says captcha (looked for
// among all elements only when some class or id of the page says so).
func captchaElement(pc *pageCtx) bool {
	ts := pc.pageTokens()
	if ts.all || anyFold(ts.classes, "captcha") || anyFold(ts.ids, "captcha") {
		return len(pc.doc.FindMatcher(tagCaptchaForm.sel).Nodes) > 0
	}
	return pc.first(tagCaptchaForm) != nil
}

// anyFold reports whether some key of set contains sub (lower case) in any case.
func anyFold(set map[string]struct{}, sub string) bool {
	for k := range set {
		if strings.Contains(strings.ToLower(k), sub) {
			return true
		}
	}
	return false
}

// contentPage reports whether the page links to two or more distinct listings: its main
// content is listings (cards, a listing with related items), not a wall. The walls of
// real markets link to none.
func contentPage(pc *pageCtx) bool {
	first := ""
	for _, a := range pc.anchors() {
		h := attr(a, "href")
		if h == "" || h[0] == '#' || !genListingRe.MatchString(strings.ToLower(h)) {
			continue
		}
		if first == "" {
			first = h
		} else if h != first {
			return true
		}
	}
	return false
}
