package extract

import (
	"regexp"
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

// detectInterstitial recognises login walls, CAPTCHAs and DDoS queue pages. It is only
// called when no profile page type matched, and requires the wall to be the page's main
// content: a header login link or a sidebar login form on a content page does not count.
func detectInterstitial(pc *pageCtx) *Interstitial {
	text := pc.text()
	runes := utf8.RuneCountInString(text)
	links := len(pc.anchors())
	small := runes < 4000 && links < 60
	pw := len(pc.doc.FindMatcher(selPassword).Nodes) > 0
	if contentPage(pc) {
		// a page of listings (cards, categories) is no wall, whatever a line of it says
		// ("3 strikes on the DDoS filter ban you for 24h"); only its <title> can say so
		if t := pc.title(); !blockedRe.MatchString(t) && !queueRe.MatchString(t) && !captchaRe.MatchString(t) {
			return nil
		}
	}
	head := strings.ToLower(pc.title() + " " + oneLine(pc.doc.FindMatcher(selH123).Text()))

	// A ban or strike notice, with or without a refresh: the market refuses this client.
	if runes < 2000 && links < 60 && !pw && (blockedRe.MatchString(head) || blockedRe.MatchString(text)) {
		return &Interstitial{Type: InterstitialBlocked}
	}
	// Meta refresh with (almost) no content: a redirect wall.
	if c, ok := pc.doc.FindMatcher(selMetaEquiv).FilterMatcher(selRefresh).First().Attr("content"); ok && runes < 600 {
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
	captchaEl := len(pc.doc.FindMatcher(selCaptcha).Nodes) > 0
	if captchaEl || captchaRe.MatchString(head) || (runes < 1500 && (captchaRe.MatchString(text) || (!pw && charInputs(pc)))) {
		return &Interstitial{Type: InterstitialCaptcha}
	}
	if queueRe.MatchString(head) || (runes < 1500 && queueRe.MatchString(text)) {
		return &Interstitial{Type: InterstitialQueue}
	}
	return nil
}

// detectNotFound recognises 404 pages: an HTTP 404/410, or "not found"/"removed" in the
// title or main heading of a page that has no other content.
func detectNotFound(pc *pageCtx) bool {
	if pc.page.Status == 404 || pc.page.Status == 410 {
		return true
	}
	title := pc.title()
	h := oneLine(pc.doc.FindMatcher(selH12).First().Text())
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
	for _, in := range pc.doc.FindMatcher(selInput).Nodes {
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
	for _, pw := range pc.doc.FindMatcher(selPasswordI).Nodes {
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
			if loginWordsRe.MatchString(oneLine(nodeText(b)) + " " + attr(b, "value")) {
				return true
			}
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
