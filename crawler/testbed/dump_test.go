package testbed_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/darkwatch/darkwatch/crawler/testbed"
)

func TestDumpTruth(t *testing.T) {
	if os.Getenv("TB_DUMP") == "" {
		t.Skip()
	}
	w := newWorld(t, testbed.Options{Seed: 1, Day: 3, Listings: 60})
	b, _ := json.MarshalIndent(w.Truth(), "", " ")
	os.WriteFile("/tmp/tbov/truth.json", b, 0o644)
	for _, p := range []string{"/", "/listing/100007", "/category/opioids"} {
		_, _, body, _ := w.Page(w.Markets()[0].Name, p)
		os.WriteFile("/tmp/tbov/classic"+map[string]string{"/": "front", "/listing/100007": "listing", "/category/opioids": "cat"}[p]+".html", body, 0o644)
	}
}
