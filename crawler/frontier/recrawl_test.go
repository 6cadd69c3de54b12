package frontier_test

import (
	"testing"

	"github.com/darkwatch/darkwatch/crawler/frontier/frontiertest"
)

func TestBoltRecrawlNow(t *testing.T)  { frontiertest.RunRecrawlNow(t, openBolt) }
func TestRedisRecrawlNow(t *testing.T) { frontiertest.RunRecrawlNow(t, openRedis) }
