package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

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
	users    map[string]User
	tokens   []tokenEntry
	ttl      time.Duration
	now      func() time.Time
	dummy    []byte // bcrypt hash compared for unknown users (same cost, no user enumeration by timing)
	mu       sync.Mutex
	session  map[[sha256.Size]byte]*session // by SHA-256 of the cookie value
	failures map[string][]time.Time         // failed logins per client IP within loginWindow
}

// Login throttling: at most maxLoginFailures failed logins per client IP per loginWindow.
const (
	maxLoginFailures = 10
	loginWindow      = 5 * time.Minute
)

// throttled reports whether ip has too many recent failed logins.
func (a *authenticator) throttled(ip string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.recentFailures(ip)) >= maxLoginFailures
}

func (a *authenticator) recentFailures(ip string) []time.Time {
	cut := a.now().Add(-loginWindow)
	f := a.failures[ip]
	i := 0
	for i < len(f) && f[i].Before(cut) {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(a.failures, ip)
	} else {
		a.failures[ip] = f
	}
	return f
}

func (a *authenticator) failed(ip string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.failures) > 10000 { // bounded: forget everybody rather than grow without limit
		clear(a.failures)
	}
	a.failures[ip] = append(a.recentFailures(ip), a.now())
}

func validRole(r string) bool { return r == RoleAnalyst || r == RoleAdmin }

func newAuthenticator(users []User, tokens []Token, ttl time.Duration, now func() time.Time) (*authenticator, error) {
	a := &authenticator{users: map[string]User{}, ttl: ttl, now: now, session: map[[sha256.Size]byte]*session{},
		failures: map[string][]time.Time{}}
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
	cost := bcrypt.DefaultCost
	for _, u := range users {
		cost = bcryptCost(u.PasswordHash)
		break
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("darkwatch-no-such-user"), max(cost, bcrypt.MinCost))
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	a.dummy = dummy
	return a, nil
}

func bcryptCost(h string) int {
	c, err := bcrypt.Cost([]byte(h))
	if err != nil {
		return -1
	}
	return c
}

// login checks a user's password and opens a session; it returns the cookie value.
func (a *authenticator) login(name, password string) (string, principal, bool) {
	u, ok := a.users[name]
	hash := a.dummy
	if ok {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !ok {
		return "", principal{}, false
	}
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
	return tok, p, true
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
// present reports whether any credential was sent.
func (s *Server) credentials(r *http.Request) (p principal, ok, present bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, isBearer := strings.CutPrefix(h, "Bearer ")
		if !isBearer || tok == "" {
			return principal{}, false, true
		}
		p, ok = s.auth.fromToken(strings.TrimSpace(tok))
		return p, ok, true
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		p, ok = s.auth.fromSession(c.Value)
		return p, ok, true
	}
	return principal{}, false, false
}

// authed wraps h: authentication, role, CSRF check for unsafe methods on a session, audit.
// API handlers (api true) answer 401/403 in JSON; UI pages redirect to the login page.
func (s *Server) authed(role string, api bool, h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok, present := s.credentials(r)
		if !ok {
			if present {
				s.auditEvent(r, AuditEntry{Event: "auth_failed"})
			}
			if !api {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="darkwatch"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{"authentication required: log in or send Authorization: Bearer <token>"})
			return
		}
		if role == RoleAdmin && p.Role != RoleAdmin {
			s.auditEvent(r, AuditEntry{Event: "forbidden", User: p.Name, Role: p.Role, Auth: p.Method})
			writeJSON(w, http.StatusForbidden, errorBody{"forbidden: admin role required"})
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && p.Method == "session" {
			if err := checkCSRF(r, p); err != nil {
				s.auditEvent(r, AuditEntry{Event: "csrf_rejected", User: p.Name, Role: p.Role, Auth: p.Method})
				writeJSON(w, http.StatusForbidden, errorBody{err.Error()})
				return
			}
		}
		if api {
			// The trail first: a request that cannot be audited is not served.
			if err := s.auditEvent(r, AuditEntry{Event: "request", User: p.Name, Role: p.Role, Auth: p.Method}); err != nil {
				s.log.Error("audit_failed", "err", err)
				writeJSON(w, http.StatusServiceUnavailable, errorBody{"audit log unavailable"})
				return
			}
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
		writeJSON(w, http.StatusForbidden, errorBody{"forbidden: cross-origin login"})
		return
	}
	name, pass := r.PostFormValue("user"), r.PostFormValue("password")
	if s.auth.throttled(clientAddr(r)) {
		_ = s.auditEvent(r, AuditEntry{Event: "login_throttled", User: name})
		w.Header().Set("Retry-After", strconv.Itoa(int(loginWindow.Seconds())))
		writeJSON(w, http.StatusTooManyRequests, errorBody{"too many failed logins from this address; try again later"})
		return
	}
	tok, p, ok := s.auth.login(name, pass)
	if !ok {
		s.auth.failed(clientAddr(r))
		_ = s.auditEvent(r, AuditEntry{Event: "login_failed", User: name})
		http.Redirect(w, r, "/login?error=1&next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	if err := s.auditEvent(r, AuditEntry{Event: "login", User: p.Name, Role: p.Role, Auth: p.Method}); err != nil {
		s.log.Error("audit_failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"audit log unavailable"})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.opts.SecureCookies || r.TLS != nil, MaxAge: int(s.opts.SessionTTL.Seconds())})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.auth.logout(c.Value)
	}
	p := principalFrom(r.Context())
	_ = s.auditEvent(r, AuditEntry{Event: "logout", User: p.Name, Role: p.Role, Auth: p.Method})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-login redirect on this site: a path, never "//host" or a URL.
func safeNext(n string) string {
	if n == "" || !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || strings.HasPrefix(n, "/\\") ||
		strings.ContainsAny(n, "\r\n\\") {
		return "/"
	}
	return n
}

// clientAddr is the remote IP of the request (the direct peer: the server does not trust
// forwarding headers).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
