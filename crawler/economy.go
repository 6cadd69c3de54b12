package crawler

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/extract"
)

// Crawl economy: every request over Tor costs seconds and is a chance to be noticed, so the
// crawler learns, per market and for this crawl, which URL patterns not to fetch:
//   - a link whose fetch ends on the login or registration page marks its pattern
//     login-only until the market's session is renewed (its redirect chain is followed
//     once);
//   - a page that is a form behind a CAPTCHA with no listing content (messaging, contact)
//     marks its pattern as an action form;
//   - a server error (5xx other than 503) repeating on a pattern that never gave a page
//     marks it dead (no retries, no dead letters);
//   - links whose URL says they act on the market (message, order, cart, vote, logout,
//     currency or language switches...) or lead to the login or registration page are not
//     followed at all.
// A trap costs the requests in flight when its first answer comes (crawl.per_host_inflight
// per host at most), not one per link.
//
// A pattern is the path shape and query keys of a URL: path segments and query values that
// carry an id (a digit, or longer than 24 characters) become "*", other words stay; query
// values are "*" except where the query routes (a script or the root), so
// "/index.php?page=login" and "/index.php?page=category" are different patterns.

// Skip reasons (Stats.Skips, metric darkwatch_crawl_links_skipped_total{reason}).
const (
	SkipAction      = "action"       // the link's URL says it acts on the market
	SkipLoginPage   = "login_page"   // the link leads to the login or registration page
	SkipLoginOnly   = "login_only"   // the link's pattern redirected to the login page
	SkipActionForm  = "action_form"  // the link's pattern is a form behind a CAPTCHA
	SkipDeadPattern = "dead_pattern" // the link's pattern answers server errors
	SkipUnchanged   = "unchanged"    // a listing due for its recrawl whose card showed no change
	SkipAwaitsCard  = "awaits_card"  // a refresh: a listing page waits for its cards (cards.go)
	SkipBlocked     = "blocked"      // the link's pattern answered a ban or strike notice
)

var (
	// errLoginRedirect: a redirect chain led to the login or registration page; the hop to
	// it is not taken.
	errLoginRedirect = errors.New("redirect to the login page")
)

// Words of URLs that act on a market (and of the pages that lead to those actions), in the
// supported languages, matched against the URL's words (path segments and query keys split
// at non-letters, lower case).
var actionWords = wordSet(
	// messaging and contact forms
	"message", "messages", "msg", "pm", "pms", "inbox", "outbox", "compose", "sendmessage", "conversation", "conversations", "chat", "newmessage", "contactvendor", "contactseller",
	// ordering, booking, checkout, cart, wishlist
	"order", "orders", "neworder", "checkout", "cart", "basket", "addtocart", "buy", "buynow", "purchase", "booking", "book", "reserve", "wishlist", "favorites", "favourites", "favorite", "favourite", "watchlist",
	// report, vote, feedback forms
	"report", "vote", "upvote", "downvote", "like", "dislike", "flag", "dispute",
	// switches, account actions
	"currency", "setcurrency", "lang", "language", "setlang", "locale", "logout", "signout", "withdraw", "deposit", "wallet", "delete", "remove", "ticket",
	// Russian, German, Spanish, French, Polish, Italian, Portuguese, Dutch
	"сообщения", "сообщение", "написать", "диалоги", "заказ", "заказать", "корзина", "купить", "оплата", "выход", "жалоба", "избранное", "валюта", "язык",
	"nachricht", "nachrichten", "warenkorb", "bestellen", "bestellung", "kasse", "abmelden", "merkliste", "melden", "sprache", "waehrung", "währung",
	"mensaje", "mensajes", "carrito", "comprar", "pedido", "salir", "denunciar", "idioma", "moneda",
	"messagerie", "panier", "commander", "commande", "deconnexion", "déconnexion", "signaler", "langue", "devise",
	"wiadomosci", "wiadomości", "koszyk", "zamow", "zamów", "zamowienie", "wyloguj", "jezyk", "waluta",
	"messaggi", "carrello", "ordina", "esci", "segnala", "lingua", "valuta",
	"mensagens", "carrinho", "encomendar", "sair",
	"berichten", "winkelwagen", "bestel", "uitloggen",
)

// Words of URLs of the login and registration pages.
var loginWords = wordSet(
	"login", "logon", "signin", "signup", "register", "registration", "auth", "authenticate", "authorize", "password", "forgot", "recover", "captcha",
	"вход", "войти", "регистрация", "авторизация", "anmelden", "registrieren", "anmeldung", "connexion", "inscription", "registro", "iniciar", "entrar", "zaloguj", "rejestracja", "accedi", "registrati", "inloggen", "registreren",
)

// Two-word forms of the login words ("log_in", "sign-up").
var loginPairs = [][2]string{{"log", "in"}, {"sign", "in"}, {"sign", "up"}, {"log", "on"}}

func wordSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// sortKeys are query keys that order a list rather than act ("?order=price").
var sortKeys = wordSet("order", "sort", "orderby", "sortby", "dir")

// urlWords splits a URL's path and query keys (but sort keys) into lower-case words of
// letters.
func urlWords(u *url.URL) []string {
	s := u.Path
	if u.RawQuery != "" {
		var b strings.Builder
		b.WriteString(s)
		for kv := range strings.SplitSeq(u.RawQuery, "&") {
			k, _, _ := strings.Cut(kv, "=")
			if k, err := url.QueryUnescape(k); err == nil && !sortKeys[strings.ToLower(k)] {
				b.WriteByte('/')
				b.WriteString(k)
			}
		}
		s = b.String()
	}
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
}

// linkVerdict says why a link is not followed by its URL alone ("" = follow).
func linkVerdict(u *url.URL) string {
	ws := urlWords(u)
	for i, w := range ws {
		if loginWords[w] {
			return SkipLoginPage
		}
		if i+1 < len(ws) && slices.Contains(loginPairs, [2]string{w, ws[i+1]}) {
			return SkipLoginPage
		}
	}
	for _, w := range ws {
		if actionWords[w] {
			return SkipAction
		}
	}
	return ""
}

// isLoginURL reports whether a URL leads to the login or registration page.
func isLoginURL(u *url.URL) bool { return linkVerdict(u) == SkipLoginPage }

// patternOf returns the URL pattern of u (see the comment at the top of this file).
func patternOf(u *url.URL) string {
	var b strings.Builder
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if seg == "" {
			continue
		}
		b.WriteByte('/')
		b.WriteString(shape(seg))
	}
	if b.Len() == 0 || strings.HasSuffix(u.Path, "/") {
		b.WriteByte('/')
	}
	// Query values are ids or free text ("?q=alpha"), except where the query routes: a
	// script or the root serving every page ("/index.php?page=login").
	route := u.Path == "/" || u.Path == "" || scriptRe.MatchString(u.Path)
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(k)
		if v := q.Get(k); v != "" && route {
			b.WriteByte('=')
			b.WriteString(shape(v))
		}
	}
	return b.String()
}

var scriptRe = regexp.MustCompile(`(?i)\.(php\d?|aspx?|cgi|jsp|pl)$`)

// shape keeps a word and replaces an id (a digit, or long) by "*".
func shape(s string) string {
	if len(s) > 24 || strings.ContainsAny(s, "0123456789%") {
		return "*"
	}
	return strings.ToLower(s)
}

// Pattern verdicts.
const (
	verdictLoginOnly  = SkipLoginOnly
	verdictActionForm = SkipActionForm
	verdictDead       = SkipDeadPattern
	verdictBlocked    = SkipBlocked
)

// maxPatternErrors server errors on a pattern that never gave a page make it dead.
const maxPatternErrors = 2

// loginOnlyInRow patterns marked login-only with no good page in between pause the market:
// the session has probably expired.
const loginOnlyInRow = 3

type patState struct {
	good    int    // pages fetched with content
	errs    int    // server errors
	verdict string // "" while fetched
}

// learner holds what one market taught this crawl.
type learner struct {
	mu        sync.Mutex
	pats      map[string]*patState
	loginRuns int          // patterns marked login-only since the last good page
	verdicts  atomic.Int32 // patterns with a verdict (0: links need no pattern)
}

// any reports whether some pattern has a verdict.
func (ln *learner) any() bool { return ln.verdicts.Load() > 0 }

func (ln *learner) state(p string) *patState {
	if ln.pats == nil {
		ln.pats = map[string]*patState{}
	}
	s := ln.pats[p]
	if s == nil {
		s = &patState{}
		ln.pats[p] = s
	}
	return s
}

// verdict returns the pattern's verdict ("" = fetch).
func (ln *learner) verdict(p string) string {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if s := ln.pats[p]; s != nil {
		return s.verdict
	}
	return ""
}

// good records a page with content; it reports whether the pattern had given one before.
func (ln *learner) good(p string) {
	ln.mu.Lock()
	ln.state(p).good++
	ln.loginRuns = 0
	ln.mu.Unlock()
}

// known reports whether the pattern gave a page before.
func (ln *learner) known(p string) bool {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	s := ln.pats[p]
	return s != nil && s.good > 0
}

// serverError records a 5xx and reports whether the pattern is now dead.
func (ln *learner) serverError(p string) bool {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	s := ln.state(p)
	s.errs++
	if s.good == 0 && s.errs >= maxPatternErrors && s.verdict == "" {
		s.verdict = verdictDead
		ln.verdicts.Add(1)
	}
	return s.verdict == verdictDead
}

// mark gives the pattern a verdict. For login-only it reports whether too many patterns in
// a row were (the session has likely expired).
func (ln *learner) mark(p, verdict string) (expired bool) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	s := ln.state(p)
	if s.verdict == "" {
		ln.verdicts.Add(1)
		if verdict == verdictLoginOnly {
			ln.loginRuns++
		}
	}
	s.verdict = verdict
	return ln.loginRuns >= loginOnlyInRow
}

// forgetLogin drops the login-only verdicts (the session was renewed).
func (ln *learner) forgetLogin() {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	for _, s := range ln.pats {
		if s.verdict == verdictLoginOnly {
			s.verdict = ""
			ln.verdicts.Add(-1)
		}
	}
	ln.loginRuns = 0
}

// isActionForm reports whether a page is a form behind a CAPTCHA (a text area or other
// inputs beside the CAPTCHA, no password) rather than a page to read: messaging, contact,
// report forms. A CAPTCHA wall has the CAPTCHA alone; a login page has a password.
func isActionForm(body []byte) bool {
	if len(body) > 64<<10 {
		return false // forms behind a CAPTCHA are small pages
	}
	lb := bytes.ToLower(body)
	if !bytes.Contains(lb, []byte("<form")) || !bytes.Contains(lb, []byte("captcha")) || bytes.Contains(lb, []byte(`type="password"`)) {
		return false
	}
	return bytes.Contains(lb, []byte("<textarea")) || bytes.Count(lb, []byte("<input")) >= 3
}

// loginOnly handles a fetch that ended on the login page: a navigational page pauses the
// market (the session is gone); any other marks its pattern login-only until the session
// is renewed, unless several patterns in a row did (then the session is gone too).
func (c *Crawler) loginOnly(ctx context.Context, m *marketState, l frontier.Lease, pat string, nav bool) frontier.Result {
	if nav {
		return c.interstitial(ctx, m, l, extract.InterstitialLogin, true)
	}
	expired := m.learn.mark(pat, verdictLoginOnly)
	c.log.Info("login_only_pattern", "market", l.Market, "pattern", pat, "url", l.URL)
	if expired {
		return c.interstitial(ctx, m, l, extract.InterstitialLogin, true)
	}
	c.skip(l.Market, SkipLoginOnly)
	return frontier.Result{Status: frontier.Done}
}

// actionForm marks a form behind a CAPTCHA (messaging, contact): its pattern is not fetched
// again and the market goes on.
func (c *Crawler) actionForm(m *marketState, l frontier.Lease, pat string) frontier.Result {
	m.learn.mark(pat, verdictActionForm)
	c.log.Info("action_form_pattern", "market", l.Market, "pattern", pat, "url", l.URL)
	c.skip(l.Market, SkipActionForm)
	return frontier.Result{Status: frontier.Done}
}

// skip counts a link or lease not fetched.
func (c *Crawler) skip(market, reason string) {
	c.stats.skip(reason, 1)
	c.opts.Metrics.skip(market, reason)
}

// blocked handles a ban or strike notice ("2nd Strike", "you have been banned"). Waiting
// does not clear a ban and a retry may count as one more strike, so it is never retried:
// on a navigational page the market is paused at once (reason "blocked": a person decides
// whether to wait the ban out or renew the session and Tor identity); on any other page it
// is that page's problem: its pattern (what the market punishes) is not fetched again this
// crawl and the market goes on.
func (c *Crawler) blocked(ctx context.Context, m *marketState, l frontier.Lease, pat string, nav bool) frontier.Result {
	c.opts.Metrics.event(Event{Kind: "interstitial", Market: l.Market, Reason: extract.InterstitialBlocked})
	if nav {
		c.pause(ctx, l, extract.InterstitialBlocked)
		// The URL waits in the queue with the market; no attempt is counted.
		return frontier.Result{Status: frontier.Release}
	}
	m.learn.mark(pat, verdictBlocked)
	c.log.Warn("blocked_pattern", "market", l.Market, "pattern", pat, "url", l.URL)
	c.skip(l.Market, SkipBlocked)
	return frontier.Result{Status: frontier.Done}
}
