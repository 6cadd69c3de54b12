package frontier_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Bolt owns a writer goroutine; Close must stop it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
