package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/darkwatch/darkwatch/config"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/deploy/testenv"
)

// fakeClock is a settable clock for the frontiers the tests fill.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// frontierTestConfig writes a config with a fresh data dir and, for "redis", a Redis
// frontier under a key prefix of its own (deleted at cleanup).
func frontierTestConfig(t *testing.T, backend string) (string, *config.Config) {
	t.Helper()
	dir := t.TempDir()
	body := "data_dir: " + dir + "\n"
	if backend == "redis" {
		u := testenv.RedisURL(t)
		var b [6]byte
		_, _ = rand.Read(b[:])
		prefix := "dwcmd" + hex.EncodeToString(b[:])
		body += "frontier:\n  backend: redis\n  redis:\n    url: " + u + "\n    prefix: " + prefix + "\n"
		t.Cleanup(func() { deleteRedisPrefix(t, u, prefix) })
	}
	path := filepath.Join(dir, "darkwatch.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, cfg
}

// openTestFrontier opens the config's frontier the way the commands do, on a fake clock.
func openTestFrontier(t *testing.T, cfg *config.Config, clock *fakeClock) frontier.Frontier {
	t.Helper()
	opts := frontierOptions(cfg)
	opts.Clock = clock.Now
	if cfg.Frontier.Backend != "redis" {
		f, err := frontier.OpenBolt(filepath.Join(cfg.DataDir, "frontier.db"), opts)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	opt, err := redis.ParseURL(cfg.Frontier.Redis.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	f, err := frontier.NewRedis(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &redisFrontier{Redis: f, client: c}
}

// deadItems are the items seedDead dead-letters, oldest first.
var deadItems = []frontier.Item{
	{URL: "http://a.onion/listing/1?x=1&y=2", Market: "m1", Host: "a.onion", Depth: 2, Priority: 30, Kind: frontier.KindListing},
	{URL: "http://a.onion/vendor/2", Market: "m1", Host: "a.onion", Depth: 1, Priority: 20, Kind: frontier.KindVendor},
	{URL: "http://b.onion/3", Market: "m2", Host: "b.onion", Kind: frontier.KindNav},
}

var deadErrs = []string{"404 not found", "410", "read: connection\nreset"}

// seedDead drops deadItems one minute apart (first at clock start + 1m) and leaves one
// more URL of m1 queued.
func seedDead(t *testing.T, cfg *config.Config, clock *fakeClock) {
	t.Helper()
	ctx := t.Context()
	f := openTestFrontier(t, cfg, clock)
	defer f.Close()
	for i, it := range deadItems {
		clock.Advance(time.Minute) // past the host politeness delay
		if _, err := f.Add(ctx, it); err != nil {
			t.Fatal(err)
		}
		ls, err := f.Lease(ctx, 1, time.Minute)
		if err != nil || len(ls) != 1 {
			t.Fatalf("lease %s: %d leases, %v", it.URL, len(ls), err)
		}
		if err := f.Ack(ctx, ls[0], frontier.Result{Status: frontier.Drop, Err: deadErrs[i]}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.Add(ctx, frontier.Item{URL: "http://c.onion/4", Market: "m1", Host: "c.onion"}); err != nil {
		t.Fatal(err)
	}
}

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(t.Context(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func decodeDeadLines(t *testing.T, out string) []deadJSON {
	t.Helper()
	var ds []deadJSON
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var d deadJSON
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("dead --json output %q: %v", out, err)
		}
		ds = append(ds, d)
	}
	return ds
}

func TestFrontierDeadAndRequeue(t *testing.T) {
	for _, backend := range []string{"embedded", "redis"} {
		t.Run(backend, func(t *testing.T) {
			cfgPath, cfg := frontierTestConfig(t, backend)
			start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
			clock := &fakeClock{t: start}
			seedDead(t, cfg, clock)

			want := make([]deadJSON, len(deadItems))
			for i, it := range deadItems {
				want[len(want)-1-i] = deadJSON{URL: it.URL, Market: it.Market, Host: it.Host, Kind: it.Kind, Depth: it.Depth,
					Priority: it.Priority, Attempts: 1, Err: deadErrs[i], At: start.Add(time.Duration(i+1) * time.Minute)}
			}
			code, out, errs := runCmd(t, "frontier", "dead", "-config", cfgPath, "--json")
			if code != exitOK {
				t.Fatalf("dead --json: exit %d: %s", code, errs)
			}
			if diff := cmp.Diff(want, decodeDeadLines(t, out)); diff != "" {
				t.Fatalf("dead --json (-want +got):\n%s", diff)
			}
			if strings.Contains(out, `\u0026`) {
				t.Errorf("dead --json escapes & in URLs: %s", out)
			}

			code, out, errs = runCmd(t, "frontier", "dead", "-config", cfgPath, "--market", "m1", "--limit", "1", "--json")
			if code != exitOK {
				t.Fatalf("dead --market m1 --limit 1: exit %d: %s", code, errs)
			}
			if diff := cmp.Diff(want[1:2], decodeDeadLines(t, out)); diff != "" {
				t.Fatalf("dead --market m1 --limit 1 (-want +got):\n%s", diff)
			}

			code, out, errs = runCmd(t, "frontier", "dead", "-config", cfgPath)
			if code != exitOK {
				t.Fatalf("dead: exit %d: %s", code, errs)
			}
			t.Logf("frontier dead:\n%s", out)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 5 || !strings.HasPrefix(lines[0], "AT ") || lines[4] != "3 dead letters" {
				t.Fatalf("dead table:\n%s\nwant a header, 3 rows and \"3 dead letters\"", out)
			}
			for i, w := range want {
				row := lines[i+1]
				for _, s := range []string{w.At.Format(time.RFC3339), w.Market, strings.Join(strings.Fields(w.Err), " "), w.URL} {
					if !strings.Contains(row, s) {
						t.Errorf("dead table row %d %q lacks %q", i, row, s)
					}
				}
			}
			code, out, _ = runCmd(t, "frontier", "dead", "-config", cfgPath, "--market", "m1", "--limit", "1")
			if code != exitOK || !strings.Contains(out, "1 of 2 dead letters") {
				t.Fatalf("dead --market m1 --limit 1: exit %d:\n%s\nwant \"1 of 2 dead letters\"", code, out)
			}
			code, _, errs = runCmd(t, "frontier", "dead", "-config", cfgPath, "--market", "nosuch")
			if code != exitRuntime || !strings.Contains(errs, `market "nosuch" is not in the frontier (it holds: m1, m2)`) {
				t.Fatalf("dead --market nosuch: exit %d: %s", code, errs)
			}

			// One URL (with a query string), then an unknown one, then a market, then all.
			for _, step := range []struct {
				args    []string
				out     string
				errs    string
				remains int
			}{
				{[]string{"--url", deadItems[0].URL}, "requeued 1 dead letters (every market)", "", 2},
				{[]string{"--url", "http://nosuch.onion/", "--url", deadItems[0].URL}, "requeued 0 dead letters (every market)", "2 of the 2 URLs were not dead letters", 2},
				{[]string{"--market", "m1", "--url", deadItems[2].URL}, "requeued 0 dead letters (market m1)", "1 of the 1 URLs", 2},
				{[]string{"--market", "m2", "--all"}, "requeued 1 dead letters (market m2)", "", 1},
				{[]string{"--all"}, "requeued 1 dead letters (every market)", "", 0},
				{[]string{"--all"}, "requeued 0 dead letters (every market)", "", 0},
			} {
				code, out, errs := runCmd(t, append([]string{"frontier", "requeue", "-config", cfgPath}, step.args...)...)
				if code != exitOK || strings.TrimSpace(out) != step.out || !strings.Contains(errs, step.errs) || (step.errs == "" && errs != "") {
					t.Fatalf("requeue %v: exit %d, stdout %q, stderr %q; want 0, %q, %q", step.args, code, out, errs, step.out, step.errs)
				}
				code, out, errs = runCmd(t, "frontier", "dead", "-config", cfgPath, "--json")
				if got := len(decodeDeadLines(t, out)); code != exitOK || got != step.remains {
					t.Fatalf("after requeue %v: dead lists %d (exit %d: %s), want %d", step.args, got, code, errs, step.remains)
				}
			}
			code, out, _ = runCmd(t, "frontier", "dead", "-config", cfgPath)
			if code != exitOK || strings.TrimSpace(out) != "no dead letters" {
				t.Fatalf("dead after requeue all: exit %d: %q, want \"no dead letters\"", code, out)
			}

			// The requeued URLs come back with their attempts reset.
			f := openTestFrontier(t, cfg, clock)
			defer f.Close()
			st, err := f.Stats(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if st.Queued != 4 || st.Dead != 0 {
				t.Fatalf("after requeue: %+v, want queued 4 (3 requeued, 1 never leased), dead 0", st.Counts)
			}
			leased := map[string]int{}
			for range 3 { // one lease per host and politeness delay
				clock.Advance(time.Hour)
				ls, err := f.Lease(t.Context(), 10, time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range ls {
					leased[l.URL] = l.Attempt
				}
			}
			for _, it := range deadItems {
				if a, ok := leased[it.URL]; !ok || a != 0 {
					t.Errorf("requeued %s: leased %v with attempt %d, want leased with 0 (leases %v)", it.URL, ok, a, leased)
				}
			}
		})
	}
}

func TestFrontierUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		errs string
	}{
		{[]string{"frontier"}, exitUsage, "usage:"},
		{[]string{"frontier", "nope"}, exitUsage, `unknown subcommand "nope"`},
		{[]string{"frontier", "requeue"}, exitUsage, "--url U (repeatable) or --all"},
		{[]string{"frontier", "requeue", "--market", "m1"}, exitUsage, "--url U (repeatable) or --all"},
		{[]string{"frontier", "requeue", "--all", "--url", "http://a.onion/"}, exitUsage, "exclude each other"},
		{[]string{"frontier", "requeue", "http://a.onion/"}, exitUsage, "URLs go in --url"},
		{[]string{"frontier", "requeue", "--url", " "}, exitUsage, "empty URL"},
		{[]string{"frontier", "dead", "--limit", "-1"}, exitUsage, "--limit must be >= 0"},
		{[]string{"frontier", "dead", "--bogus"}, exitUsage, "flag provided but not defined"},
		{[]string{"frontier", "dead", "-config", "/nonexistent/darkwatch.yaml"}, exitUsage, "nonexistent"},
		{[]string{"frontier", "help"}, exitOK, ""},
		{[]string{"frontier", "dead", "-h"}, exitOK, "flags of frontier dead"},
	} {
		code, _, errs := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.errs) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errs, tc.code, tc.errs)
		}
	}
}

func TestFrontierEmbeddedNotThere(t *testing.T) {
	cfgPath, cfg := frontierTestConfig(t, "embedded")
	path := filepath.Join(cfg.DataDir, "frontier.db")
	code, _, errs := runCmd(t, "frontier", "dead", "-config", cfgPath)
	if code != exitRuntime || !strings.Contains(errs, "no embedded frontier at "+path) {
		t.Fatalf("dead without a frontier: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatalf("dead created %s", path)
	}
}

func TestFrontierEmbeddedHeldByCrawl(t *testing.T) {
	cfgPath, cfg := frontierTestConfig(t, "embedded")
	hold := openTestFrontier(t, cfg, &fakeClock{t: time.Now()}) // as a running crawl does
	defer hold.Close()
	code, _, errs := runCmd(t, "frontier", "requeue", "-config", cfgPath, "--all")
	path := filepath.Join(cfg.DataDir, "frontier.db")
	if code != exitRuntime || !strings.Contains(errs, path+" is held by another process, most likely a running 'darkwatch crawl'") {
		t.Fatalf("requeue while held: exit %d: %s", code, errs)
	}
}

// deleteRedisPrefix deletes the test's Redis keys under prefix.
func deleteRedisPrefix(t *testing.T, url, prefix string) {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Error(err)
		return
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		c.Unlink(ctx, iter.Val())
	}
}
