package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

const sessionCookie = "darkwatch_session"

// principal is an authenticated caller.
type principal struct {
	Name   string
	Role   string
	Method string // "session" or "token"
	CSRF   string // session's CSRF token
}

type session struct {
	principal
	expires time.Time
}

type tokenEntry struct {
	name, role string
	hash       [sha256.Size]byte
}

type authenticator struct {
	users   map[string]User
	tokens  []tokenEntry
	ttl     time.Duration
	now     func() time.Time
	maxCost int            // the highest bcrypt cost of the users
	dummy   map[int][]byte // a bcrypt hash per cost from the lowest to the highest user cost
	limit   *limiter
	// onCheck, when set (tests), is called when a password check starts (before bcrypt).
	onCheck func()
	// compare is bcrypt.CompareHashAndPassword (tests count the work it is given).
	compare func(hash, password []byte) error
	mu      sync.Mutex
	session map[[sha256.Size]byte]*session // by SHA-256 of the cookie value
}

// DefaultPasswordCost is the bcrypt cost of `darkwatch hash-password` and of the docs'
// examples. The server accepts any cost; it answers every failed login in the time of the
// highest configured cost (see authenticator.check).
const DefaultPasswordCost = 12

func validRole(r string) bool { return r == RoleAnalyst || r == RoleAdmin }

func newAuthenticator(users []User, tokens []Token, ttl time.Duration, limits LoginLimits, now func() time.Time) (*authenticator, error) {
	a := &authenticator{users: map[string]User{}, ttl: ttl, now: now, session: map[[sha256.Size]byte]*session{},
		limit: newLimiter(limits, now), dummy: map[int][]byte{}, compare: bcrypt.CompareHashAndPassword}
	var errs []error
	for i, u := range users {
		switch {
		case u.Name == "":
			errs = append(errs, fmt.Errorf("users[%d].name: empty", i))
		case !validRole(u.Role):
			errs = append(errs, fmt.Errorf("users[%d].role: %q is not analyst or admin", i, u.Role))
		case bcryptCost(u.PasswordHash) < 0:
			errs = append(errs, fmt.Errorf("users[%d].password_hash: not a bcrypt hash (run darkwatch hash-password)", i))
		}
		if _, dup := a.users[u.Name]; dup {
			errs = append(errs, fmt.Errorf("users[%d].name: duplicate %q", i, u.Name))
		}
		a.users[u.Name] = u
	}
	for i, t := range tokens {
		hexHash, ok := strings.CutPrefix(t.TokenHash, "sha256:")
		b, err := hex.DecodeString(hexHash)
		switch {
		case !validRole(t.Role):
			errs = append(errs, fmt.Errorf("tokens[%d].role: %q is not analyst or admin", i, t.Role))
		case !ok || err != nil || len(b) != sha256.Size:
			errs = append(errs, fmt.Errorf("tokens[%d].token_hash: want \"sha256:<64 hex digits>\"", i))
		default:
			e := tokenEntry{name: t.Name, role: t.Role}
			copy(e.hash[:], b)
			a.tokens = append(a.tokens, e)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	// Dummy hashes: an unknown user is checked against one at the highest cost; a known
	// user with a lower cost is padded with one at each cost from its own to the highest
	// (2^c + 2^c + ... + 2^(max-1) = 2^max rounds): every failed login costs the same.
	lo, hi := bcrypt.MinCost, bcrypt.MinCost
	for i, u := range users {
		c := bcryptCost(u.PasswordHash)
		if i == 0 || c < lo {
			lo = c
		}
		hi = max(hi, c)
	}
	a.maxCost = hi
	for c := lo; c <= hi; c++ {
		h, err := bcrypt.GenerateFromPassword([]byte("darkwatch-no-such-user"), c)
		if err != nil {
			return nil, fmt.Errorf("api: %w", err)
		}
		a.dummy[c] = h
	}
	return a, nil
}

func bcryptCost(h string) int {
	c, err := bcrypt.Cost([]byte(h))
	if err != nil {
		return -1
	}
	return c
}

// check compares a password with the user's bcrypt hash. A failed check takes the time of
// the highest configured cost whether the user exists or not and whatever its own cost.
func (a *authenticator) check(name, password string) (User, bool) {
	if a.onCheck != nil {
		a.onCheck()
	}
	pw := []byte(password)
	u, ok := a.users[name]
	if !ok {
		_ = a.compare(a.dummy[a.maxCost], pw)
		return User{}, false
	}
	if a.compare([]byte(u.PasswordHash), pw) == nil {
		return u, true
	}
	for c := bcryptCost(u.PasswordHash); c < a.maxCost; c++ {
		_ = a.compare(a.dummy[c], pw)
	}
	return User{}, false
}

// open starts a session for u and returns its cookie value.
func (a *authenticator) open(u User) (string, principal) {
	tok, csrf := randomToken(), randomToken()
	p := principal{Name: u.Name, Role: u.Role, Method: "session", CSRF: csrf}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	for k, s := range a.session { // expire old sessions (logins are rare: O(n) is fine)
		if now.After(s.expires) {
			delete(a.session, k)
		}
	}
	a.session[sha256.Sum256([]byte(tok))] = &session{principal: p, expires: now.Add(a.ttl)}
	return tok, p
}

func (a *authenticator) logout(cookie string) {
	a.mu.Lock()
	delete(a.session, sha256.Sum256([]byte(cookie)))
	a.mu.Unlock()
}

// fromSession returns the principal of a session cookie value.
func (a *authenticator) fromSession(cookie string) (principal, bool) {
	k := sha256.Sum256([]byte(cookie))
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.session[k]
	if !ok {
		return principal{}, false
	}
	if a.now().After(s.expires) {
		delete(a.session, k)
		return principal{}, false
	}
	return s.principal, true
}

// fromToken returns the principal of a bearer token. Every configured hash is compared in
// constant time, so timing tells nothing about which (or whether one) matched.
func (a *authenticator) fromToken(tok string) (principal, bool) {
	h := sha256.Sum256([]byte(tok))
	var found principal
	match := 0
	for _, t := range a.tokens {
		if subtle.ConstantTimeCompare(h[:], t.hash[:]) == 1 {
			found, match = principal{Name: t.name, Role: t.role, Method: "token"}, 1
		}
	}
	return found, match == 1
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics on an unusable source)
	return base64.RawURLEncoding.EncodeToString(b)
}

// credentials resolves the caller: a bearer token first, then the session cookie.
// present names the credential sent ("" for none), so a rejection can say which failed.
func (s *Server) credentials(r *http.Request) (p principal, ok bool, present string) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, isBearer := strings.CutPrefix(h, "Bearer ")
		if !isBearer || tok == "" {
			return principal{}, false, "bad_scheme"
		}
		p, ok = s.auth.fromToken(strings.TrimSpace(tok))
		return p, ok, "bad_token"
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		p, ok = s.auth.fromSession(c.Value)
		return p, ok, "bad_session"
	}
	return principal{}, false, ""
}

// authed wraps h: authentication, role, CSRF check for unsafe methods on a session, audit.
// API handlers (api true) answer 401/403 in JSON; UI pages redirect to the login page.
func (s *Server) authed(role string, api bool, h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok, present := s.credentials(r)
		if !ok {
			if present != "" {
				s.authEvent(r, AuditEntry{Event: "auth_failed", Outcome: present})
			}
			if !api {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="darkwatch"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{"authentication required: log in or send Authorization: Bearer <token>"})
			return
		}
		if role == RoleAdmin && p.Role != RoleAdmin {
			s.authEvent(r, AuditEntry{Event: "forbidden", Outcome: "role", User: p.Name, Role: p.Role, Auth: p.Method})
			writeJSON(w, http.StatusForbidden, errorBody{"forbidden: admin role required"})
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && p.Method == "session" {
			if err := checkCSRF(r, p); err != nil {
				s.authEvent(r, AuditEntry{Event: "csrf_rejected", Outcome: "csrf", User: p.Name, Role: p.Role, Auth: p.Method})
				writeJSON(w, http.StatusForbidden, errorBody{err.Error()})
				return
			}
		}
		if api && !s.auditRequest(r, p) {
			writeJSON(w, http.StatusServiceUnavailable, errorBody{"audit log unavailable: the request was not served (an admin sees why in /api/v1/audit)"})
			return
		}
		r = r.WithContext(withPrincipal(r.Context(), p))
		if err := h(w, r); err != nil {
			s.writeErr(w, r, err)
		}
	})
}

// checkCSRF rejects a cross-site state-changing request made with a session cookie: the
// Origin (or, without it, Sec-Fetch-Site) must be this site and the X-CSRF-Token header
// must carry the session's token. SameSite=Strict already keeps the cookie off cross-site
// requests; this is the second lock.
func checkCSRF(r *http.Request, p principal) error {
	if !sameOrigin(r) {
		return errors.New("forbidden: cross-origin request")
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf_token")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(p.CSRF)) != 1 {
		return errors.New("forbidden: missing or wrong X-CSRF-Token")
	}
	return nil
}

func sameOrigin(r *http.Request) bool {
	// Browsers send Sec-Fetch-Site on every request; with Referrer-Policy no-referrer a
	// form POST carries "Origin: null", so the fetch metadata decides when present.
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		return err == nil && u.Host == r.Host
	}
	return false
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	next := safeNext(r.URL.Query().Get("next"))
	if !sameOrigin(r) {
		s.authEvent(r, AuditEntry{Event: "login_failed", Outcome: "cross_origin"})
		writeJSON(w, http.StatusForbidden, errorBody{"forbidden: cross-origin login"})
		return
	}
	name, pass := r.PostFormValue("user"), r.PostFormValue("password")
	// The budget first, atomically: no bcrypt work for a client or an account over it.
	tk, wait, ok := s.auth.limit.reserve(throttleKey(s.clientIP(r)), name)
	if !ok {
		s.metrics.logins.WithLabelValues("throttled").Inc()
		s.authEvent(r, AuditEntry{Event: "login_throttled", Outcome: "throttled", User: name})
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second).Seconds())))
		writeJSON(w, http.StatusTooManyRequests, errorBody{"too many failed logins from this address or for this user; try again later"})
		return
	}
	if !s.auth.limit.acquire() {
		s.auth.limit.done(tk, false)
		s.metrics.logins.WithLabelValues("busy").Inc()
		s.authEvent(r, AuditEntry{Event: "login_failed", Outcome: "busy", User: name})
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"too many logins being checked; try again in a second"})
		return
	}
	u, ok := s.auth.check(name, pass)
	s.auth.limit.release()
	s.auth.limit.done(tk, !ok)
	if !ok {
		s.metrics.logins.WithLabelValues("failed").Inc()
		s.authEvent(r, AuditEntry{Event: "login_failed", Outcome: "failed", User: name})
		http.Redirect(w, r, "/login?error=1&next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	tok, p := s.auth.open(u)
	s.metrics.logins.WithLabelValues("ok").Inc()
	s.authEvent(r, AuditEntry{Event: "login", Outcome: "ok", User: p.Name, Role: p.Role, Auth: p.Method})
	http.SetCookie(w, s.cookie(r, tok, int(s.opts.SessionTTL.Seconds())))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// cookie is the session cookie: HttpOnly, SameSite=Strict, Secure when configured or when
// the client came over TLS (directly or as a trusted proxy says).
func (s *Server) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.opts.SecureCookies || s.proxies.viaTLS(r), MaxAge: maxAge}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.auth.logout(c.Value)
	}
	p := principalFrom(r.Context())
	s.authEvent(r, AuditEntry{Event: "logout", Outcome: "ok", User: p.Name, Role: p.Role, Auth: p.Method})
	http.SetCookie(w, s.cookie(r, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// maxNext bounds a post-login redirect target.
const maxNext = 2048

// safeNext keeps a post-login redirect on this site: an absolute path with no control
// character, no backslash, not "//host" and no scheme; anything else is "/".
func safeNext(n string) string {
	if n == "" || len(n) > maxNext || n[0] != '/' || strings.HasPrefix(n, "//") || strings.ContainsRune(n, '\\') {
		return "/"
	}
	for _, r := range n {
		if r < 0x20 || r == 0x7f || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError || unicode.IsSpace(r) && r != ' ' {
			return "/"
		}
	}
	u, err := url.Parse(n)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return n
}

// clientIP is the client address of r (see proxies.client).
func (s *Server) clientIP(r *http.Request) netip.Addr { return s.proxies.client(r) }
