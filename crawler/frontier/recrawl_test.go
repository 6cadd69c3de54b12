package frontier_test

import (
	"testing"

	"github.com/darkwatch/darkwatch/crawler/frontier/frontiertest"
)

func TestBoltRecrawlNow(t *testing.T)  { frontiertest.RunRecrawlNow(t, openBolt) }
func TestRedisRecrawlNow(t *testing.T) { frontiertest.RunRecrawlNow(t, openRedis) }

func TestBoltRefresh(t *testing.T)  { frontiertest.RunRefresh(t, openBolt) }
func TestRedisRefresh(t *testing.T) { frontiertest.RunRefresh(t, openRedis) }
