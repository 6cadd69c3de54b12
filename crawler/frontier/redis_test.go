package frontier_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/frontier/frontiertest"
)

// redisURL is the local stand-in for deploy/testenv.RedisURL.
func redisURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("DARKWATCH_TEST_REDIS_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("DARKWATCH_TEST_REDIS_URL not set (required in CI)")
		}
		tb.Skip("DARKWATCH_TEST_REDIS_URL not set")
	}
	return u
}

func redisClient(tb testing.TB) *redis.Client {
	tb.Helper()
	opt, err := redis.ParseURL(redisURL(tb))
	if err != nil {
		tb.Fatalf("parse redis URL: %v", err)
	}
	c := redis.NewClient(opt)
	tb.Cleanup(func() { c.Close() })
	return c
}

// uniquePrefix returns a key prefix owned by this test and deletes its keys
// at cleanup.
func uniquePrefix(tb testing.TB, c *redis.Client) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	p := "dwtest" + hex.EncodeToString(b[:])
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, p+":*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
			if len(keys) == 1000 {
				c.Unlink(ctx, keys...)
				keys = keys[:0]
			}
		}
		if len(keys) > 0 {
			c.Unlink(ctx, keys...)
		}
	})
	return p
}

func openRedis(t *testing.T, opts frontier.Options) frontier.Frontier {
	c := redisClient(t)
	opts.Prefix = uniquePrefix(t, c)
	f, err := frontier.NewRedis(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestRedisConformance(t *testing.T) {
	frontiertest.Run(t, openRedis)
}

// TestRedisManyProcesses runs three frontier instances (separate clients,
// as separate `darkwatch crawl` processes would) on one key space. One of
// them "dies" holding leases; the others reap them after the deadline.
// Every URL must be processed, and none by two workers at once.
func TestRedisManyProcesses(t *testing.T) {
	ctx := t.Context()
	base := redisClient(t)
	prefix := uniquePrefix(t, base)
	clock := frontiertest.NewClock()
	var fs []*frontier.Redis
	for range 3 {
		c := redisClient(t)
		f, err := frontier.NewRedis(c, frontier.Options{Prefix: prefix, Clock: clock.Now, HostMaxInFlight: 4})
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	const n = 600
	var its []frontier.Item
	for i := range n {
		h := fmt.Sprintf("h%d.onion", i%13)
		its = append(its, frontier.Item{URL: fmt.Sprintf("http://%s/%d", h, i), Market: []string{"a", "b", "c"}[i%3], Host: h})
	}
	var wg sync.WaitGroup
	for _, f := range fs { // all processes add the same URLs concurrently
		wg.Go(func() {
			if _, err := f.Add(ctx, its...); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// Process 0 leases some URLs and dies.
	lost, err := fs[0].Lease(ctx, 20, time.Minute)
	if err != nil || len(lost) == 0 {
		t.Fatalf("dying process leased %d, %v", len(lost), err)
	}
	var mu sync.Mutex
	done := map[string]int{}
	inflight := map[string]bool{}
	hostNow := map[string]int{}
	// holders counts live workers between their Lease and its AckMany: the clock only
	// moves when there are none, so it expires the dead process's leases, never a live
	// worker's (which would then be processed twice, by design of leases).
	holders := 0
	for _, f := range fs[1:] {
		for range 3 {
			wg.Go(func() {
				for range 2000 {
					mu.Lock()
					holders++
					mu.Unlock()
					ls, err := f.Lease(ctx, 5, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if len(ls) == 0 {
						mu.Lock()
						holders--
						mu.Unlock()
						if d, _ := f.Drained(ctx); d {
							return
						}
						mu.Lock()
						if holders == 0 {
							clock.Advance(10 * time.Second) // lets the lost leases expire
						}
						mu.Unlock()
						if _, err := f.Reap(ctx); err != nil {
							t.Error(err)
						}
						continue
					}
					mu.Lock()
					for _, l := range ls {
						if inflight[l.URL] {
							t.Errorf("%s leased twice at once", l.URL)
						}
						inflight[l.URL] = true
						hostNow[l.Market+l.Host]++
						if hostNow[l.Market+l.Host] > 4 {
							t.Errorf("host %s has %d in flight, cap 4", l.Host, hostNow[l.Market+l.Host])
						}
					}
					mu.Unlock()
					var outs []frontier.Outcome
					mu.Lock()
					for _, l := range ls {
						inflight[l.URL] = false
						hostNow[l.Market+l.Host]--
						done[l.URL]++
						outs = append(outs, frontier.Outcome{Lease: l, Result: frontier.Result{Status: frontier.Done}})
					}
					mu.Unlock()
					if err := f.AckMany(ctx, outs); err != nil {
						t.Error(err)
					}
					mu.Lock()
					holders--
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(done) != n {
		t.Fatalf("processed %d URLs, want %d", len(done), n)
	}
	for u, c := range done {
		if c != 1 {
			t.Errorf("%s processed %d times", u, c)
		}
	}
	// The dead process's late acks must be refused.
	if err := fs[0].Ack(ctx, lost[0], frontier.Result{Status: frontier.Done}); !errors.Is(err, frontier.ErrLeaseLost) {
		t.Fatalf("late ack of reaped lease: %v, want ErrLeaseLost", err)
	}
}

// TestRedisLayoutGuard checks that a prefix holding a frontier of another
// key layout is refused with an error that says what to do, and that a
// fresh prefix records this build's layout.
func TestRedisLayoutGuard(t *testing.T) {
	ctx := t.Context()
	c := redisClient(t)
	item := frontier.Item{URL: "http://abc.onion/x", Market: "m", Host: "abc.onion"}
	cases := []struct {
		name  string
		setup func(prefix string)
		want  string // error substring; "" = works
	}{
		{"fresh", func(string) {}, ""},
		{"older build without layout key", func(p string) { c.SAdd(ctx, p+":markets", "m") }, "written by an older darkwatch"},
		{"other layout", func(p string) { c.Set(ctx, p+":layout", "1", 0) }, `holds key layout "1"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prefix := uniquePrefix(t, c)
			tc.setup(prefix)
			f, err := frontier.NewRedis(c, frontier.Options{Prefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.Add(ctx, item)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Add: %v", err)
				}
				if v := c.Get(ctx, prefix+":layout").Val(); v == "" {
					t.Fatal("layout not recorded")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), prefix) {
				t.Fatalf("Add: %v; want an error naming %q and containing %q", err, prefix, tc.want)
			}
			if _, err := f.Lease(ctx, 1, time.Minute); err == nil && tc.name == "older build without layout key" {
				t.Fatal("Lease worked on a foreign layout")
			}
		})
	}
}
