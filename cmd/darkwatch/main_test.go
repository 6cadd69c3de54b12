package main

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine a command starts has an owner that waits for it: when Main returns,
// nothing of it runs any more. Bleve keeps a global analysis queue.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"))
}
