package crawler_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The crawler owns goroutines (workers, dispatcher, keeper, acker): every Run must have
// stopped them all when it returns.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
