package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Time time.Time `json:"time"`
	// Event: request, login, login_failed, login_throttled, logout, auth_failed, forbidden,
	// csrf_rejected, or suppressed (a summary of unauthenticated events not written one by one).
	Event string `json:"event"`
	// Outcome of an auth event: ok (login, logout), failed, throttled, busy, cross_origin
	// (login_failed / login_throttled), bad_token, bad_session, bad_scheme (auth_failed),
	// role (forbidden), csrf (csrf_rejected).
	Outcome string `json:"outcome,omitempty"`
	User    string `json:"user,omitempty"`
	Role    string `json:"role,omitempty"`
	Auth    string `json:"auth,omitempty"` // session | token
	Remote  string `json:"remote"`         // client IP (see Options.TrustedProxies)
	Method  string `json:"method"`
	Path    string `json:"path"`
	Query   string `json:"query,omitempty"` // raw query string: what was searched
	Agent   string `json:"agent,omitempty"`
	// Truncated gives the original length in bytes of each field cut to its maximum
	// (AuditMax*).
	Truncated map[string]int `json:"truncated,omitempty"`
	// Suppressed counts, per event, what a "suppressed" entry stands for.
	Suppressed map[string]int `json:"suppressed,omitempty"`
}

// Maxima of the audit fields, in bytes of their JSON encoding: an entry is at most about
// 2 KB whatever the request.
const (
	AuditMaxPath   = 512
	AuditMaxQuery  = 768
	AuditMaxAgent  = 256
	AuditMaxUser   = 128
	AuditMaxMethod = 16
)

// auditFile is where the audit log writes (an *os.File; tests wrap it to fail).
type auditFile interface {
	io.Writer
	Sync() error
	Close() error
}

// AuditLog appends entries to a JSONL file. Append returns once the entry is on disk
// (fsync); concurrent appends share one fsync (group commit). Safe for concurrent use.
type AuditLog struct {
	path   string
	reqs   chan auditReq
	done   chan struct{}
	closed sync.Once
	mu     sync.RWMutex // guards closing of reqs
	shut   bool
	// onWrite, when set, learns the outcome of every batch (nil error: written).
	onWrite func(n int, err error)

	smu     sync.Mutex
	failing error     // the last write error, nil when the last write succeeded
	since   time.Time // when writes started failing
}

type auditReq struct {
	line []byte
	err  chan error
}

// OpenAuditLog opens (creating, mode 0600) the audit log at path.
func OpenAuditLog(path string) (*AuditLog, error) { return openAuditLog(path, nil, nil) }

func openAuditLog(path string, wrap func(auditFile) auditFile, onWrite func(int, error)) (*AuditLog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	var af auditFile = f
	if wrap != nil {
		af = wrap(f)
	}
	a := &AuditLog{path: path, reqs: make(chan auditReq, 1024), done: make(chan struct{}), onWrite: onWrite}
	go a.writer(af)
	return a, nil
}

func (a *AuditLog) writer(f auditFile) {
	defer close(a.done)
	defer f.Close()
	w := bufio.NewWriterSize(f, 64<<10)
	batch := make([]auditReq, 0, 256)
	for first := range a.reqs {
		batch = append(batch[:0], first)
	more:
		for len(batch) < cap(batch) {
			select {
			case r, ok := <-a.reqs:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		var err error
		for _, r := range batch {
			if _, werr := w.Write(r.line); werr != nil && err == nil {
				err = werr
			}
		}
		if ferr := w.Flush(); ferr != nil && err == nil {
			err = ferr
		}
		if serr := f.Sync(); serr != nil && err == nil {
			err = serr
		}
		if err != nil {
			w.Reset(f)
		}
		a.setState(err)
		if a.onWrite != nil {
			a.onWrite(len(batch), err)
		}
		if err != nil {
			err = fmt.Errorf("audit log %s: %w", a.path, err)
		}
		for _, r := range batch {
			r.err <- err
		}
	}
}

func (a *AuditLog) setState(err error) {
	a.smu.Lock()
	defer a.smu.Unlock()
	switch {
	case err == nil:
		a.failing, a.since = nil, time.Time{}
	case a.failing == nil:
		a.failing, a.since = err, time.Now()
	default:
		a.failing = err
	}
}

// AuditState is the health of the audit log's writes.
type AuditState struct {
	OK bool `json:"ok"`
	// Error is the last write error, without the file's path ("write: no space left on device").
	Error string    `json:"error,omitempty"`
	Since time.Time `json:"since,omitzero"` // when writes started failing
}

// State reports whether the last write succeeded.
func (a *AuditLog) State() AuditState {
	a.smu.Lock()
	defer a.smu.Unlock()
	if a.failing == nil {
		return AuditState{OK: true}
	}
	msg := a.failing.Error()
	var pe *fs.PathError
	if errors.As(a.failing, &pe) {
		msg = pe.Op + ": " + pe.Err.Error()
	}
	return AuditState{Error: msg, Since: a.since}
}

// ErrAuditClosed is returned by Append after Close.
var ErrAuditClosed = errors.New("api: audit log closed")

// Append writes e durably. It writes the fields as they are: Server cuts them to the
// AuditMax* bounds (clipEntry).
func (a *AuditLog) Append(ctx context.Context, e AuditEntry) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "&" stays one byte: the log is JSONL read by tools, never HTML
	if err := enc.Encode(e); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	req := auditReq{line: buf.Bytes(), err: make(chan error, 1)}
	a.mu.RLock()
	if a.shut {
		a.mu.RUnlock()
		return ErrAuditClosed
	}
	select {
	case a.reqs <- req:
	case <-ctx.Done():
		a.mu.RUnlock()
		return ctx.Err()
	}
	a.mu.RUnlock()
	return <-req.err // the writer always answers; waiting past ctx keeps the order simple
}

// Close flushes pending entries and closes the file. It is idempotent.
func (a *AuditLog) Close() error {
	a.closed.Do(func() {
		a.mu.Lock()
		a.shut = true
		close(a.reqs)
		a.mu.Unlock()
		<-a.done
	})
	return nil
}

// AuditFilter selects entries to read.
type AuditFilter struct {
	User  string
	Event string
	Since time.Time
	Limit int // newest first; default 200
}

// Read returns the newest entries matching f, newest first. It scans the file.
func (a *AuditLog) Read(f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 200
	}
	file, err := os.Open(a.path)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer file.Close()
	ring := make([]AuditEntry, 0, f.Limit)
	start := 0
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e AuditEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue // a torn last line after a crash
		}
		if (f.User != "" && e.User != f.User) || (f.Event != "" && e.Event != f.Event) || e.Time.Before(f.Since) {
			continue
		}
		if len(ring) < f.Limit {
			ring = append(ring, e)
		} else {
			ring[start] = e
			start = (start + 1) % f.Limit
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	out := make([]AuditEntry, 0, len(ring))
	for i := len(ring) - 1; i >= 0; i-- {
		out = append(out, ring[(start+i)%len(ring)])
	}
	return out, nil
}

// clip cuts s so that its JSON encoding takes at most max bytes (on a rune boundary).
func clip(s string, max int) (string, bool) {
	n := 0
	for i, r := range s {
		var c int
		switch {
		case r == utf8.RuneError, r < 0x20, r == 0x2028, r == 0x2029:
			c = 6 // \ufffd, \u00XX, \u2028
		case r == '"' || r == '\\':
			c = 2
		default:
			c = utf8.RuneLen(r)
		}
		if n+c > max {
			return s[:i], true
		}
		n += c
	}
	return s, false
}

// clipEntry cuts the request-controlled fields of e to their maxima, noting the original
// lengths in e.Truncated.
func clipEntry(e *AuditEntry) {
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"path", &e.Path, AuditMaxPath}, {"query", &e.Query, AuditMaxQuery}, {"agent", &e.Agent, AuditMaxAgent},
		{"user", &e.User, AuditMaxUser}, {"method", &e.Method, AuditMaxMethod}} {
		if c, cut := clip(*f.v, f.max); cut {
			if e.Truncated == nil {
				e.Truncated = map[string]int{}
			}
			e.Truncated[f.name] = len(*f.v)
			*f.v = c
		}
	}
}

// entry fills the request fields of e, cut to their maxima.
func (s *Server) entry(r *http.Request, e AuditEntry) AuditEntry {
	e.Time = s.opts.Now().UTC()
	e.Remote = s.clientIP(r).String()
	e.Method = r.Method
	e.Path = r.URL.EscapedPath()
	e.Query = r.URL.RawQuery
	e.Agent = r.UserAgent()
	clipEntry(&e)
	return e
}

// unauthenticated events are rate-limited per client address (see noise).
var unauthenticated = map[string]bool{"auth_failed": true, "login_failed": true, "login_throttled": true}

// authEvent audits an authentication event (login, logout, rejected credentials...). It
// never blocks the response on the audit log: an entry that cannot be written is counted
// and logged. Unauthenticated events over the address's budget are counted in a summary.
func (s *Server) authEvent(r *http.Request, e AuditEntry) {
	e = s.entry(r, e)
	var due []AuditEntry
	if unauthenticated[e.Event] {
		var ok bool
		ok, due = s.noise.admit(throttleKey(s.clientIP(r)), e.Remote, e.Event, s.opts.Now())
		if !ok {
			s.metrics.auditSuppressed.WithLabelValues(e.Event).Inc()
			e = AuditEntry{}
		}
	}
	// The client may hang up: the trail of its attempt is still written.
	ctx := context.WithoutCancel(r.Context())
	for _, d := range append(due, e) {
		if d.Event == "" {
			continue
		}
		if err := s.audit.Append(ctx, d); err != nil {
			s.log.Error("audit_failed", "event", d.Event, "err", err)
		}
	}
}

// auditRequest audits an authenticated request before it is served and reports whether it
// may be served: yes when written; when the write fails, per serve.audit.on_error (refuse:
// no, except an admin reading the audit log's state; degrade: yes, counted).
func (s *Server) auditRequest(r *http.Request, p principal) bool {
	err := s.audit.Append(r.Context(), s.entry(r, AuditEntry{Event: "request", User: p.Name, Role: p.Role, Auth: p.Method}))
	if err == nil {
		return true
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	adminView := p.Role == RoleAdmin && (r.URL.Path == "/api/v1/audit" || r.URL.Path == "/api/v1/me")
	if s.opts.AuditOnError == AuditDegrade || adminView {
		s.metrics.auditUnaudited.Inc()
		s.log.Error("audit_failed_served", "path", r.URL.Path, "user", p.Name, "err", err)
		return true
	}
	s.metrics.auditRefused.Inc()
	s.log.Error("audit_failed_refused", "path", r.URL.Path, "user", p.Name, "err", err)
	return false
}

// Audit write-failure policies (Options.AuditOnError).
const (
	AuditRefuse  = "refuse"
	AuditDegrade = "degrade"
)

var auditParams = []string{"user", "event", "since", "limit"}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := knownParams(q, auditParams); err != nil {
		return err
	}
	f := AuditFilter{User: q.Get("user"), Event: q.Get("event")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return badRequest("limit: want an integer from 1 to 10000, got %q", v)
		}
		f.Limit = n
	}
	var err error
	if f.Since, err = parseTime("since", q.Get("since"), s.opts.Now()); err != nil {
		return err
	}
	entries, err := s.audit.Read(f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, AuditResponse{Entries: entries, Writer: s.audit.State()})
	return nil
}

// AuditResponse is the body of GET /api/v1/audit.
type AuditResponse struct {
	Entries []AuditEntry `json:"entries"` // newest first
	Writer  AuditState   `json:"writer"`  // whether entries are being written now
}

type ctxKey struct{}

func withPrincipal(ctx context.Context, p principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(ctxKey{}).(principal)
	return p
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{"user": p.Name, "role": p.Role, "auth": p.Method, "csrf_token": p.CSRF})
	return nil
}
