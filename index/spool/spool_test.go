package spool_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/indextest"
	"github.com/darkwatch/darkwatch/index/spool"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fake is a backend that can be "down"; it records the listing ids it accepted.
type fake struct {
	index.Store
	down   atomic.Bool
	mu     sync.Mutex
	got    []string
	closed bool
}

func (f *fake) PutListings(_ context.Context, ls []record.Listing) error {
	if f.down.Load() {
		return fmt.Errorf("dial: %w", index.ErrUnavailable)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range ls {
		f.got = append(f.got, l.ID)
	}
	return nil
}

func (f *fake) PutVendors(_ context.Context, vs []record.Vendor) error {
	if f.down.Load() {
		return fmt.Errorf("dial: %w", index.ErrUnavailable)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, v := range vs {
		f.got = append(f.got, "vendor:"+v.ID)
	}
	return nil
}

func (f *fake) Flush(context.Context) error { return nil }
func (f *fake) Close() error                { f.closed = true; return nil }

func (f *fake) ids() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.got)
}

func spoolFiles(t *testing.T, dir string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

// TestSpoolWhileDownReplayInOrder: puts during an outage are spooled, a put after it goes
// behind them, and Run replays them in order once the backend answers (synctest: the
// replay interval passes on the bubble's clock).
func TestSpoolWhileDownReplayInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		f := &fake{}
		s, err := spool.New(f, spool.Options{Dir: dir, RetryInterval: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ctx := t.Context()
		go s.Run(ctx)
		ls := indextest.Listings()
		if err := s.PutListings(ctx, ls[:2]); err != nil {
			t.Fatal(err)
		}
		f.down.Store(true)
		if err := s.PutListings(ctx, ls[2:5]); err != nil {
			t.Fatalf("put while down: got %v, want spooled", err)
		}
		if err := s.PutVendors(ctx, indextest.Vendors()[:1]); err != nil {
			t.Fatal(err)
		}
		f.down.Store(false)
		// Still pending: a new put goes behind the spooled ones, not around them.
		if err := s.PutListings(ctx, ls[5:6]); err != nil {
			t.Fatal(err)
		}
		if !s.Pending() {
			t.Fatal("spool not pending after outage")
		}
		time.Sleep(59 * time.Second)
		synctest.Wait()
		if !s.Pending() {
			t.Fatal("replayed before the retry interval passed")
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if s.Pending() {
			t.Fatal("still pending one retry interval after the backend came back")
		}
		want := []string{ls[0].ID, ls[1].ID, ls[2].ID, ls[3].ID, ls[4].ID, "vendor:alpha/drhouse", ls[5].ID}
		if got := f.ids(); !slices.Equal(got, want) {
			t.Errorf("replayed %v, want %v", got, want)
		}
		if n := spoolFiles(t, dir); n != 0 {
			t.Errorf("got %d spool files after replay, want 0", n)
		}
	})
}

// TestRunStopsAtClose: New starts nothing; Close stops a running Run and waits for it.
func TestRunStopsAtClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, err := spool.New(&fake{}, spool.Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		var returned atomic.Bool
		go func() {
			if err := s.Run(context.Background()); err != nil {
				t.Errorf("Run = %v, want nil after Close", err)
			}
			returned.Store(true)
		}()
		synctest.Wait() // Run is waiting for its ticker
		if returned.Load() {
			t.Fatal("Run returned before Close")
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if !returned.Load() {
			t.Error("Run still running after Close returned")
		}
		if err := s.Run(context.Background()); err == nil {
			t.Error("Run after Close = nil, want an error")
		}
	})
}

func TestFlushReportsSpooled(t *testing.T) {
	f := &fake{}
	f.down.Store(true)
	s, err := spool.New(f, spool.Options{Dir: t.TempDir(), RetryInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.PutListings(context.Background(), indextest.Listings()[:1]); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(context.Background()); !errors.Is(err, index.ErrUnavailable) {
		t.Errorf("Flush while down: got %v, want ErrUnavailable", err)
	}
	f.down.Store(false)
	if err := s.Flush(context.Background()); err != nil || s.Pending() {
		t.Errorf("Flush after recovery: got %v pending %v", err, s.Pending())
	}
}

func TestSurvivesRestartAndTornLine(t *testing.T) {
	dir := t.TempDir()
	f := &fake{}
	f.down.Store(true)
	s, err := spool.New(f, spool.Options{Dir: dir, RetryInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ls := indextest.Listings()
	for i := range 3 {
		if err := s.PutListings(context.Background(), ls[i:i+1]); err != nil {
			t.Fatal(err)
		}
	}
	s.Close() // backend still down: files stay
	if n := spoolFiles(t, dir); n != 1 {
		t.Fatalf("got %d spool files, want 1", n)
	}
	// A crash in the middle of an append leaves a torn last line.
	m, _ := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	fh, err := os.OpenFile(m[0], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteString(`{"listings":[{"id":"torn`)
	fh.Close()

	f2 := &fake{}
	s2, err := spool.New(f2, spool.Options{Dir: dir, RetryInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if got, want := f2.ids(), []string{ls[0].ID, ls[1].ID, ls[2].ID}; !slices.Equal(got, want) {
		t.Errorf("replayed after restart %v, want %v", got, want)
	}
}

func TestNonAvailabilityErrorsAreReturned(t *testing.T) {
	f := &fake{}
	s, err := spool.New(errStore{f}, spool.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.PutListings(context.Background(), indextest.Listings()[:1]); err == nil || errors.Is(err, index.ErrUnavailable) {
		t.Errorf("got %v, want the backend's mapping error", err)
	}
	if s.Pending() {
		t.Error("a rejected record was spooled")
	}
}

type errStore struct{ *fake }

func (errStore) PutListings(context.Context, []record.Listing) error {
	return errors.New("mapper_parsing_exception")
}

// TestDeferWhileDownReplaysInOrderWithRecords: work deferred through the spool (the alert
// engine's novelty checks of a page) runs at once while the backend is up; while it is down,
// or while records still wait, it is spooled behind the records written before it and runs
// in order with them once the backend is back, exactly once per successful replay.
func TestDeferWhileDownReplaysInOrderWithRecords(t *testing.T) {
	dir := t.TempDir()
	f := &fake{}
	s, err := spool.New(f, spool.Options{Dir: dir, RetryInterval: time.Hour}) // replays by hand
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var (
		mu  sync.Mutex
		ran []string
	)
	work := func(id string) func(context.Context) error {
		return func(context.Context) error {
			if f.down.Load() {
				return fmt.Errorf("novel: %w", index.ErrUnavailable)
			}
			mu.Lock()
			defer mu.Unlock()
			ran = append(ran, "check:"+id)
			f.mu.Lock()
			f.got = append(f.got, "check:"+id)
			f.mu.Unlock()
			return nil
		}
	}
	s.Handle("check", func(ctx context.Context, data json.RawMessage) error {
		var id string
		if err := json.Unmarshal(data, &id); err != nil {
			return err
		}
		return work(id)(ctx)
	})
	page := func(id string) {
		t.Helper()
		if err := s.PutListings(ctx, []record.Listing{{ID: id}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Defer(ctx, "check", id, work(id)); err != nil {
			t.Fatalf("Defer %s: %v", id, err)
		}
	}
	page("a") // up: direct
	f.down.Store(true)
	page("b") // down: both spooled
	f.down.Store(false)
	page("c") // up, but b waits: spooled behind it
	if got, want := f.ids(), []string{"a", "check:a"}; !slices.Equal(got, want) {
		t.Fatalf("before the replay: got %v, want %v", got, want)
	}
	if err := s.Replay(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := f.ids(), []string{"a", "check:a", "b", "check:b", "c", "check:c"}; !slices.Equal(got, want) {
		t.Errorf("after the replay: got %v, want %v", got, want)
	}
	if n := spoolFiles(t, dir); n != 0 {
		t.Errorf("%d spool files left", n)
	}
	// A handler failure that is not an outage is the work's own: logged, not retried forever.
	f.down.Store(true)
	if err := s.Defer(ctx, "bad", 1, func(context.Context) error { return fmt.Errorf("x: %w", index.ErrUnavailable) }); err != nil {
		t.Fatal(err)
	}
	f.down.Store(false)
	if err := s.Replay(ctx); err == nil {
		t.Errorf("replay of work with no handler: want an error (the file stays)")
	}
	s.Handle("bad", func(context.Context, json.RawMessage) error { return errors.New("bad data") })
	if err := s.Replay(ctx); err != nil {
		t.Errorf("replay with a failing handler: %v", err)
	}
	if n := spoolFiles(t, dir); n != 0 {
		t.Errorf("%d spool files left after the failing handler", n)
	}
}
