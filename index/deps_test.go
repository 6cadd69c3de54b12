package index_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies checks that no package of the index tree (the store, its backends, the
// alert engine, the API) depends on the extractor: they use the record types of
// extract/record, so the HTML parser, the profiles and the extraction heuristics stay out.
func TestDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to list dependencies: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", "github.com/darkwatch/darkwatch/index/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list gave %d packages, want the index tree's dependencies", len(deps))
	}
	forbidden := []string{
		"github.com/PuerkitoBio/goquery",
		"github.com/andybalholm/cascadia",
		"github.com/darkwatch/darkwatch/extract",
		"github.com/darkwatch/darkwatch/extract/induce",
		"github.com/darkwatch/darkwatch/crawler",
		"github.com/darkwatch/darkwatch/config",
	}
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || (f != "github.com/darkwatch/darkwatch/extract" && strings.HasPrefix(d, f+"/")) {
				t.Errorf("the index tree depends on %s; it must use extract/record for records", d)
			}
		}
	}
}
