package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvShared names the shared data directory (../shared/data of the checkout) when it is not
// found by walking up from the working directory.
const EnvShared = "DARKWATCH_SHARED"

// SharedData returns the path of sub (e.g. "dnm-2017-denton") inside the shared data
// directory: $DARKWATCH_SHARED, else the first ancestor of the working directory holding
// shared/data. A missing directory skips the test, or fails it when CI=true.
func SharedData(t testing.TB, sub string) string {
	t.Helper()
	dir := os.Getenv(EnvShared)
	if dir == "" {
		dir = os.Getenv("DARKWATCH_SHARED_DATA") // older name, still honoured
	}
	if dir == "" {
		wd, _ := os.Getwd()
		for d := wd; ; d = filepath.Dir(d) {
			if fi, err := os.Stat(filepath.Join(d, "shared", "data")); err == nil && fi.IsDir() {
				dir = filepath.Join(d, "shared", "data")
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	p := filepath.Join(dir, sub)
	if _, err := os.Stat(p); dir == "" || err != nil {
		if InCI() {
			t.Fatalf("shared data %q not found (set %s to the shared/data directory)", sub, EnvShared)
		}
		t.Skipf("shared data %q not found (set %s)", sub, EnvShared)
	}
	return p
}
