package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigCheck runs `darkwatch config check` on every fixture: exit 2 naming the path on
// each bad one, exit 0 on the good ones.
func TestConfigCheck(t *testing.T) {
	bad, _ := filepath.Glob("../../config/testdata/bad/*.yaml")
	if len(bad) < 8 {
		t.Fatalf("got %d bad fixtures, want >= 8", len(bad))
	}
	for _, f := range bad {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Main(context.Background(), []string{"config", "check", "-config", f}, nil, &out, &errb)
			if code != exitUsage {
				t.Fatalf("exit code: got %d, want %d; stderr: %s", code, exitUsage, errb.String())
			}
			want, _ := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".path")
			if p := strings.TrimSpace(string(want)); p != "" && !strings.Contains(errb.String(), p+": ") {
				t.Errorf("stderr does not name %q: %s", p, errb.String())
			}
		})
	}
	good, _ := filepath.Glob("../../config/testdata/good/*.yaml")
	for _, f := range good {
		var out, errb bytes.Buffer
		if code := Main(context.Background(), []string{"config", "check", "-config", f}, nil, &out, &errb); code != exitOK {
			t.Errorf("%s: exit %d, stderr %s", f, code, errb.String())
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"frobnicate"}, nil, &out, &errb); code != exitUsage {
		t.Fatalf("got exit %d, want %d", code, exitUsage)
	}
}
