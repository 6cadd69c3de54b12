package crawler_test

// Multi-process crawls: the test binary re-executes itself as crawl processes
// (TestCrawlChild, switched on by an environment variable) against one testbed
// served by the parent test. Each child appends every page it hands to the sink to its
// own file (fsync before Put returns, so what a killed child reported is on disk);
// the parent checks the union of those files against the testbed's truth and the
// testbed's request log for double fetches.

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/capture"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/crawler/tor"
	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/extract"
)

// childEnv carries a child's JSON config; without it TestCrawlChild skips.
const childEnv = "DARKWATCH_CRAWL_CHILD"

// childConfig is one crawl process's setup.
type childConfig struct {
	Socks    string           `json:"socks"`
	Backend  string           `json:"backend"` // redis or bolt
	RedisURL string           `json:"redis_url,omitempty"`
	Prefix   string           `json:"prefix,omitempty"`
	BoltPath string           `json:"bolt_path,omitempty"`
	SinkFile string           `json:"sink_file"`
	WARCDir  string           `json:"warc_dir"`
	Workers  int              `json:"workers"`
	Lease    time.Duration    `json:"lease"`
	Markets  []crawler.Market `json:"markets"`
}

// childFrontierOptions are the frontier options of every crawl process: short backoffs so
// retries after injected onion failures come back within the test.
func childFrontierOptions(prefix string) frontier.Options {
	return frontier.Options{Prefix: prefix, HostMaxInFlight: 4, BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		HostBackoffBase: 50 * time.Millisecond, HostBackoffMax: 500 * time.Millisecond, MaxAttempts: 30, SeenBuckets: 64}
}

// fileSink appends the URL of every page to a file and syncs it before Put returns.
type fileSink struct {
	mu sync.Mutex
	f  *os.File
}

func (s *fileSink) Put(_ context.Context, p crawler.Page) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := fmt.Fprintln(s.f, p.URL); err != nil {
		return err
	}
	if err := s.f.Sync(); err != nil {
		return err
	}
	// Reported only once durable: the parent kills after counting these lines.
	fmt.Printf("put %s\n", p.URL)
	return nil
}

// TestCrawlChild is a crawl process started by the multi-process tests. It crawls with
// Once and exits when the shared frontier is drained.
func TestCrawlChild(t *testing.T) {
	raw := os.Getenv(childEnv)
	if raw == "" {
		t.Skip("crawl child process only")
	}
	var cc childConfig
	if err := json.Unmarshal([]byte(raw), &cc); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var fr frontier.Frontier
	switch cc.Backend {
	case "redis":
		ro, err := redis.ParseURL(cc.RedisURL)
		if err != nil {
			t.Fatal(err)
		}
		client := redis.NewClient(ro)
		defer client.Close()
		r, err := frontier.NewRedis(client, childFrontierOptions(cc.Prefix))
		if err != nil {
			t.Fatal(err)
		}
		fr = r
	default:
		b, err := frontier.OpenBolt(cc.BoltPath, childFrontierOptions(""))
		if err != nil {
			t.Fatal(err)
		}
		fr = b
	}
	defer fr.Close()
	pool, err := tor.New(tor.Options{Endpoints: []tor.Endpoint{{Socks: cc.Socks}}, ConnectTimeout: 20 * time.Second, ReadIdleTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	cw, err := capture.Open(capture.Options{Dir: cc.WARCDir})
	if err != nil {
		t.Fatal(err)
	}
	defer cw.Close()
	x, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(cc.SinkFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr, err := crawler.New(crawler.Options{Markets: cc.Markets, Workers: cc.Workers, Lease: cc.Lease, FetchTimeout: 30 * time.Second, Once: true, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))},
		crawler.Deps{Frontier: fr, Transport: pool.RoundTripper(), Capture: cw, Extractor: x, Sink: &fileSink{f: f}, NewCircuit: pool.NewCircuit})
	if err != nil {
		t.Fatal(err)
	}
	if err := cr.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	fmt.Println("started")
	if err := cr.Run(ctx); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("finished pages=%d errors=%d\n", cr.Stats().Pages.Load(), cr.Stats().Errors.Load())
}

// child is a running crawl process.
type child struct {
	name   string
	cmd    *exec.Cmd
	puts   atomic.Int64
	done   chan struct{} // closed when stdout ends
	err    error         // Wait's error, set before done is closed
	stderr string
	killed bool
}

func startChild(t *testing.T, name string, cc childConfig) *child {
	t.Helper()
	raw, err := json.Marshal(cc)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrawlChild$", "-test.v", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	errPath := filepath.Join(t.TempDir(), name+".stderr")
	ef, err := os.Create(errPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = ef
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{}), stderr: errPath}
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "put ") {
				c.puts.Add(1)
			}
		}
		c.err = cmd.Wait()
		ef.Close()
	}()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			_ = cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// kill sends SIGKILL and waits for the process to end.
func (c *child) kill(t *testing.T) {
	t.Helper()
	c.killed = true
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s: %v", c.name, err)
	}
	<-c.done
}

// wait waits for a child to end on its own and fails the test if it failed or hung.
func (c *child) wait(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(timeout):
		_ = c.cmd.Process.Kill()
		<-c.done
		t.Errorf("%s did not finish within %v\n%s", c.name, timeout, tail(c.stderr))
		return
	}
	if c.err != nil {
		t.Errorf("%s: %v\n%s", c.name, c.err, tail(c.stderr))
	}
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// waitPuts waits until c has handed n pages to its sink.
func (c *child) waitPuts(t *testing.T, n int64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for c.puts.Load() < n {
		select {
		case <-c.done:
			t.Fatalf("%s ended after %d pages, before the kill point (%d): the crawl is too small to kill mid-crawl\n%s", c.name, c.puts.Load(), n, tail(c.stderr))
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s handed only %d pages to its sink in %v\n%s", c.name, c.puts.Load(), timeout, tail(c.stderr))
		}
	}
}

// firstToPuts waits until one of the running children has handed n pages to its sink.
func firstToPuts(t *testing.T, cs []*child, n int64, timeout time.Duration) *child {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		running := 0
		for _, c := range cs {
			select {
			case <-c.done:
				continue
			default:
			}
			running++
			if c.puts.Load() >= n {
				return c
			}
		}
		if running == 0 {
			t.Fatalf("every crawl process ended before %d pages: the crawl is too small to kill mid-crawl", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no crawl process handed %d pages to its sink in %v", n, timeout)
	return nil
}

// sinkPages reads the pages the children's sinks hold: URL -> times handed over.
func sinkPages(t *testing.T, files ...string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line != "" {
				got[line]++
			}
		}
	}
	return got
}

// testbedMarkets turns the world's markets into crawl markets.
func testbedMarkets(w *testbed.World) []crawler.Market {
	var ms []crawler.Market
	for _, m := range w.Markets() {
		ms = append(ms, crawler.Market{Name: m.Name, Profile: "auto", Seeds: []string{m.URL}, Cookies: m.Cookie})
	}
	return ms
}

// checkComplete fails the test for each truth listing page missing from the sink.
func checkComplete(t *testing.T, w *testbed.World, pages map[string]int) {
	t.Helper()
	truth := w.Truth()
	var missing []string
	for _, l := range truth.Listings {
		if pages[l.URL] == 0 {
			missing = append(missing, l.URL)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d of %d truth listing pages never reached a sink, e.g. %v", len(missing), len(truth.Listings), missing[:min(5, len(missing))])
	}
}

// overlaps returns the URLs the testbed served to two requests at once.
func overlaps(log []testbed.LogEntry) []string {
	byURL := map[string][]testbed.LogEntry{}
	for _, e := range log {
		byURL[e.URL] = append(byURL[e.URL], e)
	}
	var out []string
	for u, es := range byURL {
		sort.Slice(es, func(i, j int) bool { return es[i].Start.Before(es[j].Start) })
		end := es[0].End
		for _, e := range es[1:] {
			if e.Start.Before(end) {
				out = append(out, fmt.Sprintf("%s (%s..%s and %s..%s)", u, es[0].Start.Format("15:04:05.000"), end.Format("15:04:05.000"),
					e.Start.Format("15:04:05.000"), e.End.Format("15:04:05.000")))
				break
			}
			if e.End.After(end) {
				end = e.End
			}
		}
	}
	sort.Strings(out)
	return out
}

// answeredTwice counts URLs the testbed answered with a non-error status more than once
// (a request after an injected failure, status >= 400 or a SOCKS error, is a retry).
func answeredTwice(log []testbed.LogEntry) []string {
	ok := map[string]int{}
	for _, e := range log {
		if e.Status < 400 {
			ok[e.URL]++
		}
	}
	var out []string
	for u, n := range ok {
		if n > 1 {
			out = append(out, u)
		}
	}
	sort.Strings(out)
	return out
}

func uniqueRedisPrefix(t *testing.T, c *redis.Client) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	p := "dwcrawltest" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, p+":*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			c.Unlink(ctx, keys...)
		}
	})
	return p
}

// TestCrawlRedisThreeProcessesOneKilled runs three crawl processes on one Redis frontier
// against the testbed with onion faults, SIGKILLs one mid-crawl, and checks that the two
// others finish the crawl: every truth listing page reaches a sink, no URL is served to two
// requests at once, and only pages in flight at the kill are fetched again.
func TestCrawlRedisThreeProcessesOneKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process crawl")
	}
	ro, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(ro)
	t.Cleanup(func() { client.Close() })
	if err := client.Ping(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	prefix := uniqueRedisPrefix(t, client)

	w, srv := serveTestbed(t, testbed.Options{Seed: 21, Markets: 4, Listings: 120, Faults: testbed.FaultsOnion, TimeScale: 0.01})

	const workers = 4
	dir := t.TempDir()
	var children []*child
	var sinks []string
	for i := range 3 {
		name := fmt.Sprintf("crawl%d", i)
		sink := filepath.Join(dir, name+".pages")
		sinks = append(sinks, sink)
		children = append(children, startChild(t, name, childConfig{Socks: srv.SOCKSAddr(), Backend: "redis", RedisURL: testenv.RedisURL(t),
			Prefix: prefix, SinkFile: sink, WARCDir: filepath.Join(dir, name+"-warc"), Workers: workers, Lease: 3 * time.Second,
			Markets: testbedMarkets(w)}))
	}
	start := time.Now()
	// The victim is the first process to hand 60 pages to its sink: under load one process
	// may end early (it found nothing left while the others held every lease), and the
	// test is about a kill in the middle of a crawl, not about which process gets it.
	victim := firstToPuts(t, children, 60, 90*time.Second)
	for _, c := range children {
		select {
		case <-c.done:
			// Reported, not failed: seen once in CI, never reproduced since (see docs/operations.md).
			t.Logf("NOTE: %s ended (--once) after %d pages, before the kill, while the crawl had work left; its log:\n%s", c.name, c.puts.Load(), tail(c.stderr))
		default:
		}
	}
	victim.kill(t)
	killedAt := time.Since(start)
	killTime := time.Now()
	fr, err := frontier.NewRedis(client, childFrontierOptions(prefix))
	if err != nil {
		t.Fatal(err)
	}
	st, err := fr.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed %s after %v and %d pages; frontier then: seen %d queued %d in flight %d (the victim's leases among them)",
		victim.name, killedAt.Round(time.Millisecond), victim.puts.Load(), st.Seen, st.Queued, st.InFlight)

	for _, c := range children {
		if c != victim {
			c.wait(t, 100*time.Second)
		}
	}
	took := time.Since(start)
	for _, c := range children {
		if c == victim {
			continue
		}
		raw, _ := os.ReadFile(c.stderr)
		for ln := range strings.Lines(string(raw)) {
			if strings.Contains(ln, "once_done") || strings.Contains(ln, "level=WARN") || strings.Contains(ln, "level=ERROR") {
				t.Logf("%s (%d pages): %s", c.name, c.puts.Load(), strings.TrimSpace(ln))
			}
		}
	}
	if t.Failed() {
		return
	}

	pages := sinkPages(t, sinks...)
	checkComplete(t, w, pages)
	stats := w.Stats()
	if ov := overlaps(stats.Log); len(ov) > 0 {
		t.Errorf("%d URLs served to two requests at once, e.g. %v", len(ov), ov[:min(5, len(ov))])
	}
	twice := answeredTwice(stats.Log)
	// Only the victim's in-flight pages (at most one per worker) may be fetched again.
	if len(twice) > workers {
		t.Errorf("%d URLs answered OK twice, want <= %d (the victim's workers): %v", len(twice), workers, twice[:min(10, len(twice))])
		for _, u := range twice {
			for _, e := range stats.Log {
				if e.URL == u {
					t.Logf("  %s %d %v..%v (kill at %v)", u, e.Status, e.Start.Sub(start).Round(time.Millisecond), e.End.Sub(start).Round(time.Millisecond), killedAt.Round(time.Millisecond))
				}
			}
		}
	}
	after := 0
	for _, e := range stats.Log {
		if e.Start.After(killTime) {
			after++
		}
	}
	if after == 0 {
		t.Error("no request after the kill: the victim was not killed mid-crawl")
	}
	st, err = fr.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.InFlight != 0 || st.Queued != 0 {
		t.Errorf("frontier after the crawl: queued %d in flight %d, want 0", st.Queued, st.InFlight)
	}
	var per []string
	for _, c := range children {
		per = append(per, fmt.Sprintf("%s=%d", c.name, c.puts.Load()))
	}
	t.Logf("crawl took %v: %d distinct pages in the sinks (%s), %d testbed requests (%d after the kill), %d URLs answered OK twice %v, seen %d dead %d",
		took.Round(time.Millisecond), len(pages), strings.Join(per, " "), stats.Requests, after, len(twice), twice[:min(5, len(twice))], st.Seen, st.Dead)
}

// TestCrawlBoltKilledAndRestarted SIGKILLs a crawl process on the embedded frontier
// mid-crawl, restarts it on the same data directory, and checks that the crawl completes
// and only pages in flight at the kill (at most one per worker) were fetched again.
func TestCrawlBoltKilledAndRestarted(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process crawl")
	}
	w, srv := serveTestbed(t, testbed.Options{Seed: 23, Markets: 4, Listings: 80})

	const workers = 8
	dir := t.TempDir()
	cc := childConfig{Socks: srv.SOCKSAddr(), Backend: "bolt", BoltPath: filepath.Join(dir, "frontier.db"), Workers: workers,
		Lease: 30 * time.Second, Markets: testbedMarkets(w)}
	cc.SinkFile, cc.WARCDir = filepath.Join(dir, "run1.pages"), filepath.Join(dir, "warc1")
	first := startChild(t, "run1", cc)
	start := time.Now()
	first.waitPuts(t, 80, 90*time.Second)
	first.kill(t)
	killedAt := time.Since(start)
	before := w.Stats().Requests

	cc.SinkFile, cc.WARCDir = filepath.Join(dir, "run2.pages"), filepath.Join(dir, "warc2")
	second := startChild(t, "run2", cc)
	second.wait(t, 100*time.Second)
	if t.Failed() {
		return
	}
	pages := sinkPages(t, filepath.Join(dir, "run1.pages"), filepath.Join(dir, "run2.pages"))
	checkComplete(t, w, pages)
	stats := w.Stats()
	var again []string
	for u, n := range stats.PerURL {
		if n > 1 {
			again = append(again, u)
		}
	}
	sort.Strings(again)
	if len(again) > workers {
		t.Errorf("%d URLs fetched twice, want <= %d (the pages in flight at the kill): %v", len(again), workers, again[:min(10, len(again))])
	}
	if stats.Requests == before {
		t.Error("the restarted crawl fetched nothing: the kill was not mid-crawl")
	}
	t.Logf("killed after %v and %d pages (%d testbed requests); restart fetched %d more; %d distinct pages in the sinks; %d URLs fetched twice %v",
		killedAt.Round(time.Millisecond), first.puts.Load(), before, stats.Requests-before, len(pages), len(again), again[:min(5, len(again))])
}
