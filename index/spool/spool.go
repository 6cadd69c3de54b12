package spool

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/internal/runonce"
)

// Options configures a spool. Zero values mean defaults.
type Options struct {
	Dir    string       // spool directory (created); required
	Logger *slog.Logger // nil: discard
	// RetryInterval is the pause between replay attempts while records are spooled
	// (default 5s).
	RetryInterval time.Duration
	// MaxFileBytes rotates the current spool file beyond this size (default 64 MiB).
	MaxFileBytes int64
}

// entry is one spooled put, or one deferred piece of work (Defer): one NDJSON line.
type entry struct {
	Listings []record.Listing `json:"listings,omitempty"`
	Vendors  []record.Vendor  `json:"vendors,omitempty"`
	// Kind names the handler of deferred work (Handle); Data is its argument.
	Kind string          `json:"kind,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Handler does deferred work of one kind again when the spool replays it. It must be
// idempotent (a replay interrupted by a new outage runs its file again from the start).
type Handler func(ctx context.Context, data json.RawMessage) error

// Store wraps an index.Store with the spool.
type Store struct {
	index.Store
	opts Options
	log  *slog.Logger

	mu      sync.Mutex // guards the fields below and file appends
	cur     *os.File
	curSize int64
	nextSeq int
	pending bool // files exist that are not replayed yet

	hmu      sync.Mutex
	handlers map[string]Handler

	rmu sync.Mutex // one replay at a time

	run  runonce.Guard
	once sync.Once
}

var _ index.Store = (*Store)(nil)

const suffix = ".ndjson"

// New opens the spool directory in front of inner. It starts nothing: Run replays in the
// background (files left by a previous process too), Flush and Close replay on demand.
func New(inner index.Store, opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("spool: Options.Dir is required")
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = 5 * time.Second
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = 64 << 20
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("spool: create dir: %w", err)
	}
	s := &Store{Store: inner, opts: opts, log: log}
	files, err := s.files()
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if n := seqOf(f); n >= s.nextSeq {
			s.nextSeq = n + 1
		}
	}
	s.pending = len(files) > 0
	return s, nil
}

func seqOf(name string) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(filepath.Base(name), suffix))
	return n
}

// files lists the spool files, oldest first.
func (s *Store) files() ([]string, error) {
	des, err := os.ReadDir(s.opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("spool: list: %w", err)
	}
	var out []string
	for _, de := range des {
		if !de.IsDir() && strings.HasSuffix(de.Name(), suffix) {
			out = append(out, filepath.Join(s.opts.Dir, de.Name()))
		}
	}
	slices.SortFunc(out, func(a, b string) int { return seqOf(a) - seqOf(b) })
	return out, nil
}

// Pending reports whether records wait in the spool.
func (s *Store) Pending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// PutListings implements index.Store: a direct put, or a durable append to the spool when
// the backend is unavailable or older records still wait there.
func (s *Store) PutListings(ctx context.Context, ls []record.Listing) error {
	if len(ls) == 0 {
		return s.Store.PutListings(ctx, ls)
	}
	return s.put(ctx, entry{Listings: ls}, func() error { return s.Store.PutListings(ctx, ls) })
}

// PutVendors implements index.Store like PutListings.
func (s *Store) PutVendors(ctx context.Context, vs []record.Vendor) error {
	if len(vs) == 0 {
		return s.Store.PutVendors(ctx, vs)
	}
	return s.put(ctx, entry{Vendors: vs}, func() error { return s.Store.PutVendors(ctx, vs) })
}

// Handle sets the handler of deferred work of kind. Set it before deferring work of that
// kind; a replay that meets work with no handler stops there and tries again later.
func (s *Store) Handle(kind string, h Handler) {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	if s.handlers == nil {
		s.handlers = map[string]Handler{}
	}
	s.handlers[kind] = h
}

func (s *Store) handler(kind string) Handler {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	return s.handlers[kind]
}

// Defer runs work that reads or writes the backend (e.g. the alert engine's novelty checks
// of a page) through the outage path. While nothing waits in the spool it runs direct at
// once; when the backend is unavailable (direct fails with index.ErrUnavailable) or records
// wait in the spool, data is appended durably instead, behind the records spooled before
// it, and the replay runs the handler of kind (Handle) with it in order once the backend
// is back. Defer returns nil once the work is done or durable. direct must be idempotent:
// it may have done part of the work before it failed.
func (s *Store) Defer(ctx context.Context, kind string, data any, direct func(context.Context) error) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("spool: encode %s: %w", kind, err)
	}
	return s.put(ctx, entry{Kind: kind, Data: raw}, func() error { return direct(ctx) })
}

func (s *Store) put(ctx context.Context, e entry, direct func() error) error {
	if !s.Pending() {
		err := direct()
		if err == nil || !errors.Is(err, index.ErrUnavailable) {
			return err
		}
		s.log.Warn("index_unavailable_spooling", "err", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.append(e)
}

// append writes one entry and fsyncs it.
func (s *Store) append(e entry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("spool: encode: %w", err)
	}
	line = append(line, '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil || s.curSize >= s.opts.MaxFileBytes {
		if s.cur != nil {
			if err := s.cur.Close(); err != nil {
				return fmt.Errorf("spool: close file: %w", err)
			}
		}
		name := filepath.Join(s.opts.Dir, fmt.Sprintf("%020d%s", s.nextSeq, suffix))
		f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("spool: create file: %w", err)
		}
		s.nextSeq++
		s.cur, s.curSize = f, 0
		if err := syncDir(s.opts.Dir); err != nil {
			return err
		}
	}
	if _, err := s.cur.Write(line); err != nil {
		return fmt.Errorf("spool: write: %w", err)
	}
	if err := s.cur.Sync(); err != nil {
		return fmt.Errorf("spool: fsync: %w", err)
	}
	s.curSize += int64(len(line))
	s.pending = true
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("spool: open dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("spool: fsync dir: %w", err)
	}
	return nil
}

// Run replays the spool every RetryInterval while records wait in it, until ctx ends or
// Close is called; it returns nil then. Run may be called once.
func (s *Store) Run(ctx context.Context) error {
	ctx, done, err := s.run.Start(ctx)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	defer done()
	t := time.NewTicker(s.opts.RetryInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if !s.Pending() {
			continue
		}
		if err := s.Replay(ctx); err != nil && ctx.Err() == nil {
			s.log.Info("spool_replay_deferred", "err", err)
		}
	}
}

// Replay sends every spooled record to the backend, oldest first, deleting each file once
// all its records are accepted. It stops at the first failure (the file stays).
func (s *Store) Replay(ctx context.Context) error {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	for range 1000 { // bounded: each round drains the files present when it started
		s.mu.Lock()
		if s.cur != nil {
			if err := s.cur.Close(); err != nil {
				s.mu.Unlock()
				return fmt.Errorf("spool: close file: %w", err)
			}
			s.cur = nil
		}
		files, err := s.files()
		if err == nil && len(files) == 0 {
			s.pending = false
		}
		s.mu.Unlock()
		if err != nil || len(files) == 0 {
			return err
		}
		for _, f := range files {
			if err := s.replayFile(ctx, f); err != nil {
				return err
			}
		}
	}
	return errors.New("spool: replay did not converge")
}

func (s *Store) replayFile(ctx context.Context, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("spool: open %s: %w", name, err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	n, deferred := 0, 0
	for lineNo := 1; ; lineNo++ {
		line, rerr := r.ReadBytes('\n')
		if len(line) > 0 {
			var e entry
			if err := json.Unmarshal(line, &e); err != nil {
				// A torn last line (crash during append) or corruption: the put that wrote
				// it never returned success, so nothing acknowledged is lost.
				s.log.Warn("spool_bad_line", "file", filepath.Base(name), "line", lineNo, "err", err)
			} else {
				if len(e.Listings) > 0 {
					if err := s.Store.PutListings(ctx, e.Listings); err != nil {
						return fmt.Errorf("spool: replay %s line %d: %w", filepath.Base(name), lineNo, err)
					}
				}
				if len(e.Vendors) > 0 {
					if err := s.Store.PutVendors(ctx, e.Vendors); err != nil {
						return fmt.Errorf("spool: replay %s line %d: %w", filepath.Base(name), lineNo, err)
					}
				}
				if e.Kind != "" {
					if err := s.runDeferred(ctx, e); err != nil {
						return fmt.Errorf("spool: replay %s line %d: %w", filepath.Base(name), lineNo, err)
					}
					deferred++
				}
				n += len(e.Listings) + len(e.Vendors)
			}
		}
		if rerr != nil {
			break
		}
	}
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("spool: remove %s: %w", name, err)
	}
	s.log.Info("spool_replayed", "file", filepath.Base(name), "records", n, "deferred", deferred)
	return syncDir(s.opts.Dir)
}

// runDeferred runs one deferred entry. An unavailable backend or a missing handler stops
// the replay (the file stays, to be replayed later); any other failure of the handler is
// the work's own (it would fail again): it is logged and the replay goes on.
func (s *Store) runDeferred(ctx context.Context, e entry) error {
	h := s.handler(e.Kind)
	if h == nil {
		return fmt.Errorf("%w: no handler for deferred %q yet", index.ErrUnavailable, e.Kind)
	}
	err := h(ctx, e.Data)
	if err == nil || errors.Is(err, index.ErrUnavailable) || ctx.Err() != nil {
		return err
	}
	s.log.Error("spool_deferred_failed", "kind", e.Kind, "err", err)
	return nil
}

// Flush replays the spool, then flushes the backend. It returns an error wrapping
// index.ErrUnavailable while records remain spooled (they are durable on disk).
func (s *Store) Flush(ctx context.Context) error {
	if s.Pending() {
		if err := s.Replay(ctx); err != nil {
			return fmt.Errorf("spool: records remain spooled: %w", err)
		}
	}
	return s.Store.Flush(ctx)
}

// Close stops a running Run and waits for it, tries one last bounded replay and closes the
// backend. Records still spooled stay on disk for the next process. Idempotent.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		s.run.Stop()
		if s.Pending() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // bounded shutdown drain
			if rerr := s.Replay(ctx); rerr != nil {
				s.log.Warn("spool_left_on_disk", "err", rerr)
			}
			cancel()
		}
		s.mu.Lock()
		if s.cur != nil {
			err = s.cur.Close()
			s.cur = nil
		}
		s.mu.Unlock()
		err = errors.Join(err, s.Store.Close())
	})
	return err
}
