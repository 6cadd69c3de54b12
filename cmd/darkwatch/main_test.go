package main

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine a command starts has an owner that waits for it: when Main returns,
// nothing of it runs any more. The tests' own requests (to Elasticsearch, to the API)
// leave keep-alive connections in http.DefaultTransport: they are closed before the
// check. Bleve keeps a global analysis queue.
func TestMain(m *testing.M) {
	code := m.Run()
	http.DefaultClient.CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker")); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
