package frontier_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
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
