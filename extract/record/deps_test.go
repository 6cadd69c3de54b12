package record_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoDependencies checks that package record imports only the standard library, so
// that the index and the alert engine can use the records without the extractor.
func TestNoDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to list dependencies: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "github.com/darkwatch/darkwatch/extract/record").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	got := strings.Fields(string(out))
	if len(got) != 1 || got[0] != "github.com/darkwatch/darkwatch/extract/record" {
		t.Errorf("record depends on %v; want the standard library only", got)
	}
}
