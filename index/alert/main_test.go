package alert_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The engine owns a delivery goroutine: every test must leave none behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"))
}
