package frontier_test

import (
	"path/filepath"
	"testing"

	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/frontier/frontiertest"
)

func openBolt(t *testing.T, opts frontier.Options) frontier.Frontier {
	f, err := frontier.OpenBolt(filepath.Join(t.TempDir(), "frontier.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return f
}

func TestBoltConformance(t *testing.T) {
	frontiertest.Run(t, openBolt)
}
