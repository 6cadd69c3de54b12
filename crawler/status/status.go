package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/index/api"
)

// Source is what status reads of a frontier.
type Source interface {
	Stats(ctx context.Context) (frontier.Stats, error)
}

// Snapshot is a crawl's frontier statistics at a time, as written to the snapshot file.
type Snapshot struct {
	Time  time.Time      `json:"time"`
	Stats frontier.Stats `json:"stats"`
}

// SnapshotPath is the snapshot file of a data directory.
func SnapshotPath(dataDir string) string { return filepath.Join(dataDir, "crawl-status.json") }

// WriteSnapshot writes fr's Stats at now to the snapshot file of dataDir atomically
// (temp file + rename).
func WriteSnapshot(ctx context.Context, fr Source, dataDir string, now time.Time) error {
	st, err := fr.Stats(ctx)
	if err != nil {
		return fmt.Errorf("crawl status: %w", err)
	}
	b, err := json.Marshal(Snapshot{Time: now.UTC(), Stats: st})
	if err != nil {
		return fmt.Errorf("crawl status: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, ".crawl-status-*")
	if err != nil {
		return fmt.Errorf("crawl status: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("crawl status: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("crawl status: %w", err)
	}
	if err := os.Rename(tmp.Name(), SnapshotPath(dataDir)); err != nil {
		return fmt.Errorf("crawl status: %w", err)
	}
	return nil
}

// ReadSnapshot reads the last snapshot of dataDir, or an error when there is none.
func ReadSnapshot(dataDir string) (Snapshot, error) {
	var s Snapshot
	path := SnapshotPath(dataDir)
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// WriterOptions configures a Writer. Zero values mean defaults.
type WriterOptions struct {
	DataDir string           // where the snapshot file goes (required)
	Every   time.Duration    // between snapshots [10s]
	Now     func() time.Time // [time.Now]
}

// Writer writes a crawl's snapshot periodically, for a `darkwatch serve` that cannot open
// the frontier file while the crawl holds it.
type Writer struct {
	opts WriterOptions
	fr   Source
}

// NewWriter returns a writer of fr's snapshots. It starts nothing.
func NewWriter(opts WriterOptions, fr Source) (*Writer, error) {
	if opts.DataDir == "" {
		return nil, errors.New("status: WriterOptions.DataDir is required")
	}
	if fr == nil {
		return nil, errors.New("status: a frontier is required")
	}
	if opts.Every <= 0 {
		opts.Every = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Writer{opts: opts, fr: fr}, nil
}

// Run writes a snapshot at once and every Every until ctx ends, then a last one (bounded
// to 5s, after ctx is done). Failed writes are skipped: the snapshot is for the UI only.
func (w *Writer) Run(ctx context.Context) error {
	t := time.NewTicker(w.opts.Every)
	defer t.Stop()
	for {
		_ = WriteSnapshot(ctx, w.fr, w.opts.DataDir, w.opts.Now())
		select {
		case <-ctx.Done():
			// A bounded final write after the crawl's context is done.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = WriteSnapshot(fctx, w.fr, w.opts.DataDir, w.opts.Now())
			return nil
		case <-t.C:
		}
	}
}

// Markets maps frontier stats to market statuses at now, sorted by name, with every one of
// configured present (StatusUnknown when the frontier has not seen it).
func Markets(configured []string, st frontier.Stats, now time.Time) []api.MarketStatus {
	names := slices.Clone(configured)
	for n := range st.Markets {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	out := make([]api.MarketStatus, 0, len(names))
	for _, n := range names {
		ms, ok := st.Markets[n]
		m := api.MarketStatus{Name: n, Status: api.StatusUnknown, Hosts: []api.HostStatus{}}
		if !ok {
			out = append(out, m)
			continue
		}
		m.Queued, m.InFlight, m.Dead, m.Seen, m.Paused = ms.Queued+ms.Delayed, ms.InFlight, ms.Dead, ms.Seen, ms.Paused
		up, down := 0, 0
		hosts := make([]string, 0, len(ms.Hosts))
		for h := range ms.Hosts {
			hosts = append(hosts, h)
		}
		slices.Sort(hosts)
		for _, h := range hosts {
			hs := ms.Hosts[h]
			isUp := hs.DownUntil.IsZero() || !hs.DownUntil.After(now)
			if len(hs.History) > 0 && !hs.History[len(hs.History)-1].Up && hs.DownUntil.IsZero() {
				isUp = false
			}
			if isUp {
				up++
			} else {
				down++
			}
			ah := api.HostStatus{Host: h, Up: isUp, Failures: hs.Failures, DownUntil: hs.DownUntil, Queued: hs.Queued,
				InFlight: hs.InFlight, History: []api.HostEvent{}}
			for _, ev := range hs.History {
				ah.History = append(ah.History, api.HostEvent{At: ev.At, Up: ev.Up, Kind: ev.Kind})
			}
			m.Hosts = append(m.Hosts, ah)
		}
		switch {
		case ms.Paused != "":
			m.Status = api.StatusPaused
		case down > 0 && up == 0:
			m.Status = api.StatusDown // every host in backoff
		case up > 0 || ms.Seen > 0:
			m.Status = api.StatusUp // pages crawled and no host in backoff
		}
		out = append(out, m)
	}
	return out
}

// Live is the market status of a frontier the process holds (crawl --serve).
type Live struct {
	Frontier Source
	Markets  []string // configured markets
}

var _ api.MarketSource = Live{}

// MarketStatus implements api.MarketSource.
func (l Live) MarketStatus(ctx context.Context) ([]api.MarketStatus, error) {
	st, err := l.Frontier.Stats(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: frontier: %v", api.ErrUnavailable, err)
	}
	return Markets(l.Markets, st, time.Now()), nil
}

// Opened is a frontier opened for one status read.
type Opened interface {
	Source
	Close() error
}

// FrontierOptions configures a Frontier.
type FrontierOptions struct {
	Markets []string // configured markets
	// DataDir holds the crawl's snapshot file.
	DataDir string
	// File is the embedded frontier's file; "" for a shared frontier (Redis). A missing
	// file means "never crawled".
	File string
	// Open opens the frontier (required). It may wait for the embedded frontier's file
	// lock; the read waits for it no longer than its context allows.
	Open func(ctx context.Context) (Opened, error)
}

// Frontier is the market status of a frontier opened per read. The embedded (bbolt)
// frontier admits one process at a time: a crawl holding it makes the read fall back on
// the crawl's snapshot (api.ErrSnapshot) rather than block.
type Frontier struct {
	opts FrontierOptions

	mu      sync.Mutex
	pending bool
}

var _ api.MarketSource = (*Frontier)(nil)

// NewFrontier returns the status source. It opens nothing.
func NewFrontier(opts FrontierOptions) (*Frontier, error) {
	if opts.Open == nil {
		return nil, errors.New("status: FrontierOptions.Open is required")
	}
	return &Frontier{opts: opts}, nil
}

// MarketStatus implements api.MarketSource.
func (f *Frontier) MarketStatus(ctx context.Context) ([]api.MarketStatus, error) {
	if f.opts.File != "" {
		if _, err := os.Stat(f.opts.File); err != nil {
			return Markets(f.opts.Markets, frontier.Stats{}, time.Now()), errors.New("no frontier in the data directory yet (never crawled)")
		}
	}
	f.mu.Lock()
	if f.pending {
		f.mu.Unlock()
		return f.snapshot(errors.New("frontier busy: a previous status read is still waiting for it"))
	}
	f.pending = true
	f.mu.Unlock()
	type answer struct {
		st  frontier.Stats
		err error
	}
	ch := make(chan answer, 1)
	// The open may wait for the file lock: it runs beside the read, which waits no longer
	// than ctx. It has a fresh context: it must finish (and close) even after the caller
	// gave up, and a later read is refused while it is pending.
	go func() {
		defer func() { f.mu.Lock(); f.pending = false; f.mu.Unlock() }()
		fr, err := f.opts.Open(context.WithoutCancel(ctx))
		if err != nil {
			ch <- answer{err: err}
			return
		}
		defer fr.Close()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		st, err := fr.Stats(sctx)
		ch <- answer{st, err}
	}()
	select {
	case a := <-ch:
		if a.err != nil {
			return f.snapshot(fmt.Errorf("frontier: %w (a running embedded crawl holds the frontier file)", a.err))
		}
		return Markets(f.opts.Markets, a.st, time.Now()), nil
	case <-ctx.Done():
		return f.snapshot(errors.New("frontier busy: a running embedded crawl holds the frontier file"))
	}
}

// snapshot falls back on the crawl's last snapshot when the frontier cannot be read.
func (f *Frontier) snapshot(cause error) ([]api.MarketStatus, error) {
	s, err := ReadSnapshot(f.opts.DataDir)
	if err != nil {
		return nil, cause
	}
	return Markets(f.opts.Markets, s.Stats, time.Now()), fmt.Errorf("%w: from the crawl's snapshot of %s (%v)", api.ErrSnapshot,
		s.Time.UTC().Format(time.RFC3339), cause)
}
