package frontier_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/frontier/frontiertest"
)

// TestRedisClusterConformance runs the suite on a Redis Cluster given as
// DARKWATCH_TEST_REDIS_CLUSTER=host:port,host:port,... (deploy/dev/services.sh starts
// one; skipped when unset, a failure in CI). It proves every script stays within one slot.
func TestRedisClusterConformance(t *testing.T) {
	addrs := os.Getenv("DARKWATCH_TEST_REDIS_CLUSTER")
	if addrs == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("DARKWATCH_TEST_REDIS_CLUSTER is not set; start the services: eval \"$(deploy/dev/services.sh start)\"")
		}
		t.Skip("DARKWATCH_TEST_REDIS_CLUSTER not set")
	}
	frontiertest.Run(t, func(t *testing.T, opts frontier.Options) frontier.Frontier {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(addrs, ",")})
		t.Cleanup(func() { c.Close() })
		var b [6]byte
		_, _ = rand.Read(b[:])
		opts.Prefix = "dwct" + hex.EncodeToString(b[:])
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
				iter := n.Scan(ctx, 0, opts.Prefix+":*", 1000).Iterator()
				for iter.Next(ctx) {
					n.Unlink(ctx, iter.Val())
				}
				return nil
			})
		})
		f, err := frontier.NewRedis(c, opts)
		if err != nil {
			t.Fatal(err)
		}
		return f
	})
}
