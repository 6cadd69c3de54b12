package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Time   time.Time `json:"time"`
	Event  string    `json:"event"` // request, login, login_failed, login_throttled, logout, auth_failed, forbidden, csrf_rejected
	User   string    `json:"user,omitempty"`
	Role   string    `json:"role,omitempty"`
	Auth   string    `json:"auth,omitempty"` // session | token
	Remote string    `json:"remote"`         // client IP
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Query  string    `json:"query,omitempty"` // raw query string: what was searched
	Agent  string    `json:"agent,omitempty"`
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
}

type auditReq struct {
	line []byte
	err  chan error
}

// OpenAuditLog opens (creating, mode 0600) the audit log at path.
func OpenAuditLog(path string) (*AuditLog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	a := &AuditLog{path: path, reqs: make(chan auditReq, 1024), done: make(chan struct{})}
	go a.writer(f)
	return a, nil
}

func (a *AuditLog) writer(f *os.File) {
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
			err = fmt.Errorf("audit log %s: %w", a.path, err)
			w.Reset(f)
		}
		for _, r := range batch {
			r.err <- err
		}
	}
}

// ErrAuditClosed is returned by Append after Close.
var ErrAuditClosed = errors.New("api: audit log closed")

// Append writes e durably.
func (a *AuditLog) Append(ctx context.Context, e AuditEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	req := auditReq{line: append(line, '\n'), err: make(chan error, 1)}
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

// auditEvent fills the request fields of e and appends it.
func (s *Server) auditEvent(r *http.Request, e AuditEntry) error {
	e.Time = s.opts.Now().UTC()
	e.Remote = clientAddr(r)
	e.Method = r.Method
	e.Path = r.URL.EscapedPath()
	e.Query = r.URL.RawQuery
	e.Agent = truncate(r.UserAgent(), 200)
	if len(e.Query) > 4096 {
		e.Query = e.Query[:4096]
	}
	return s.audit.Append(r.Context(), e)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
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
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
	return nil
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
