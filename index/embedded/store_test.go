package embedded_test

import (
	"context"
	"testing"

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
