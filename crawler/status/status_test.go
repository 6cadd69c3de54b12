package status_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/status"
	"github.com/darkwatch/darkwatch/index/api"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// boltStatus is the status of the embedded frontier of dir, opened per read.
func boltStatus(t *testing.T, dir string, markets ...string) *status.Frontier {
	t.Helper()
	path := filepath.Join(dir, "frontier.db")
	fs, err := status.NewFrontier(status.FrontierOptions{Markets: markets, DataDir: dir, File: path,
		Open: func(context.Context) (status.Opened, error) { return frontier.OpenBolt(path, frontier.Options{}) }})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestFrontierStatus(t *testing.T) {
	dir := t.TempDir()
	fs := boltStatus(t, dir, "m1", "m2", "m3")
	ctx := context.Background()
	if _, err := fs.MarketStatus(ctx); err == nil || !strings.Contains(err.Error(), "never crawled") {
		t.Errorf("no frontier file: got %v, want never crawled", err)
	}
	path := filepath.Join(dir, "frontier.db")
	fr, err := frontier.OpenBolt(path, frontier.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fr.Add(ctx, frontier.Item{URL: "http://h1.onion/a", Market: "m1", Host: "h1.onion"},
		frontier.Item{URL: "http://h2.onion/a", Market: "m2", Host: "h2.onion"}); err != nil {
		t.Fatal(err)
	}
	if err := fr.HostFailed(ctx, "m1", "h1.onion", frontier.FailDown); err != nil {
		t.Fatal(err)
	}
	if err := fr.PauseMarket(ctx, "m2", "captcha"); err != nil {
		t.Fatal(err)
	}
	if err := fr.Close(); err != nil {
		t.Fatal(err)
	}
	ms, err := fs.MarketStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]api.MarketStatus{}
	for _, m := range ms {
		got[m.Name] = m
	}
	if m := got["m1"]; m.Status != api.StatusDown || m.Queued != 1 || len(m.Hosts) != 1 || m.Hosts[0].Up || len(m.Hosts[0].History) != 1 {
		t.Errorf("m1: got %+v, want down with one queued URL and a down event", m)
	}
	if m := got["m2"]; m.Status != api.StatusPaused || m.Paused != "captcha" {
		t.Errorf("m2: got %+v, want paused (captcha)", m)
	}
	if m := got["m3"]; m.Status != api.StatusUnknown {
		t.Errorf("m3 (never crawled): got %+v", m)
	}
	// A crawl holding the file: the status read gives up quickly, nothing blocks.
	hold, err := frontier.OpenBolt(path, frontier.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := fs.MarketStatus(sctx); err == nil || !strings.Contains(err.Error(), "busy") {
		t.Errorf("held frontier: got %v, want busy", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("held frontier: waited %v", d)
	}
	// With the crawl's snapshot, the statuses come from it.
	if err := status.WriteSnapshot(ctx, hold, dir, time.Now()); err != nil {
		t.Fatal(err)
	}
	sctx2, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	ms, err = fs.MarketStatus(sctx2)
	if !errors.Is(err, api.ErrSnapshot) || len(ms) != 3 || ms[1].Status != api.StatusPaused {
		t.Errorf("held frontier with snapshot: got %+v %v", ms, err)
	}
	hold.Close()
	// The read that waited for the lock finishes (and closes) once the crawl let go.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := fs.MarketStatus(ctx); err == nil {
			break
		}
	}
}

func TestFrontierStatusCrawledNoFailures(t *testing.T) {
	dir := t.TempDir()
	fr, err := frontier.OpenBolt(filepath.Join(dir, "frontier.db"), frontier.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fr.Add(context.Background(), frontier.Item{URL: "http://h1.onion/a", Market: "m1", Host: "h1.onion"}); err != nil {
		t.Fatal(err)
	}
	fr.Close()
	ms, err := boltStatus(t, dir).MarketStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Status != api.StatusUp {
		t.Errorf("got %+v, want m1 up (seen pages, no host in backoff)", ms)
	}
}

// statsFunc is a frontier's Stats.
type statsFunc func(context.Context) (frontier.Stats, error)

func (f statsFunc) Stats(ctx context.Context) (frontier.Stats, error) { return f(ctx) }

// TestWriterRun: the writer writes a snapshot at once, every interval (on the bubble's
// clock), and a last one when its context ends, replacing the file atomically.
func TestWriterRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		var seen int64
		fr := statsFunc(func(context.Context) (frontier.Stats, error) {
			seen++
			return frontier.Stats{Markets: map[string]frontier.MarketStats{"m1": {Counts: frontier.Counts{Seen: seen}}}}, nil
		})
		w, err := status.NewWriter(status.WriterOptions{DataDir: dir, Every: time.Minute}, fr)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		synctest.Wait()
		check := func(want int64) {
			t.Helper()
			s, err := status.ReadSnapshot(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Stats.Markets["m1"].Seen; got != want || s.Time.IsZero() {
				t.Errorf("snapshot has seen %d at %v, want %d", got, s.Time, want)
			}
		}
		check(1)
		time.Sleep(time.Minute)
		synctest.Wait()
		check(2)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		check(3) // the last write, after the context ended
		if left, _ := filepath.Glob(filepath.Join(dir, ".crawl-status-*")); len(left) != 0 {
			t.Errorf("temp files left: %v", left)
		}
	})
}

// TestMarkets: every configured market is present, sorted, with the frontier's counts; a
// market only the frontier knows is listed too; a host in backoff makes its market down
// until the backoff ends.
func TestMarkets(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	st := frontier.Stats{Markets: map[string]frontier.MarketStats{
		"b": {Counts: frontier.Counts{Queued: 2, Delayed: 1, Seen: 5}, Hosts: map[string]frontier.HostStats{"b.onion": {DownUntil: now.Add(time.Minute)}}},
		"z": {Counts: frontier.Counts{Seen: 1}},
	}}
	ms := status.Markets([]string{"b", "a"}, st, now)
	var names []string
	for _, m := range ms {
		names = append(names, m.Name+":"+m.Status)
	}
	if got, want := strings.Join(names, " "), "a:unknown b:down z:up"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if ms[1].Queued != 3 || len(ms[1].Hosts) != 1 || ms[1].Hosts[0].Up {
		t.Errorf("b: %+v, want 3 queued (queued + delayed), its host down", ms[1])
	}
	if later := status.Markets(nil, st, now.Add(2*time.Minute)); later[0].Status != api.StatusUp {
		t.Errorf("b after its backoff: %s, want up", later[0].Status)
	}
}
