package testenv_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/deploy/testenv"
)

// recorder is a testing.TB that records Skip and Fatal instead of stopping the goroutine.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestLookup(t *testing.T) {
	const name = "DARKWATCH_TEST_TESTENV_PROBE"
	tests := []struct {
		name, value, ci    string
		want               string
		wantSkip, wantFail bool
	}{
		{name: "set", value: "127.0.0.1:1", ci: "", want: "127.0.0.1:1"},
		{name: "set in CI", value: "127.0.0.1:2", ci: "true", want: "127.0.0.1:2"},
		{name: "missing skips", value: "", ci: "", wantSkip: true},
		{name: "blank skips", value: "  ", ci: "false", wantSkip: true},
		{name: "missing in CI fails", value: "", ci: "true", wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(name, tt.value)
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			got := testenv.Lookup(r, name)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if (r.skipped != "") != tt.wantSkip {
				t.Errorf("skipped = %q, want skip %v", r.skipped, tt.wantSkip)
			}
			if (r.failed != "") != tt.wantFail {
				t.Errorf("failed = %q, want fail %v", r.failed, tt.wantFail)
			}
			for _, msg := range []string{r.skipped, r.failed} {
				if msg != "" && !containsAll(msg, name, "deploy/dev/services.sh start") {
					t.Errorf("message %q should name %s and how to start the services", msg, name)
				}
			}
		})
	}
}

func TestRequireCI(t *testing.T) {
	for _, ci := range []string{"", "1", "true"} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			r := &recorder{TB: t}
			testenv.RequireCI(r)
			if gotSkip, wantSkip := r.skipped != "", ci != "true"; gotSkip != wantSkip {
				t.Errorf("skipped = %v, want %v", gotSkip, wantSkip)
			}
		})
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
