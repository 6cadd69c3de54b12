package embedded_test

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/embedded"
	"github.com/darkwatch/darkwatch/index/indextest"
)

func open(t *testing.T, dir string) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(context.Background(), embedded.Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	indextest.Run(t, func(t *testing.T) index.Store {
		s := open(t, t.TempDir())
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// Bleve starts a package-level analysis worker pool at init.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"))
}
