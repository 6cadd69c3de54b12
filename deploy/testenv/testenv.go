package testenv

import (
	"os"
	"strings"
	"testing"
)

// Names of the environment variables set by `deploy/dev/services.sh start`.
const (
	EnvRedisURL    = "DARKWATCH_TEST_REDIS_URL"   // redis://127.0.0.1:P/0
	EnvESURL       = "DARKWATCH_TEST_ES_URL"      // http://127.0.0.1:P
	EnvTorSocks    = "DARKWATCH_TEST_TOR_SOCKS"   // 127.0.0.1:P
	EnvTorControl  = "DARKWATCH_TEST_TOR_CONTROL" // 127.0.0.1:P
	EnvTorCookie   = "DARKWATCH_TEST_TOR_COOKIE"  // path of control_auth_cookie
	startServices  = `eval "$(deploy/dev/services.sh start)"`
	ciEnv          = "CI"
	ciEnvWantValue = "true"
)

// InCI reports whether the tests run in CI (CI=true), where a missing service is a failure.
func InCI() bool {
	return os.Getenv(ciEnv) == ciEnvWantValue
}

// RequireCI skips the test unless CI=true: for tests too slow or too heavy for a laptop
// run that CI must still run.
func RequireCI(t testing.TB) {
	t.Helper()
	if !InCI() {
		t.Skipf("runs only in CI (set %s=%s to run it)", ciEnv, ciEnvWantValue)
	}
}

// Lookup returns the value of the environment variable name. If it is empty, the test is
// skipped, or failed when CI=true, with a message that says how to start the services.
func Lookup(t testing.TB, name string) string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(name))
	if v != "" {
		return v
	}
	if InCI() {
		t.Fatalf("%s is not set but CI=true: start the services with %s", name, startServices)
		return "" // Fatalf stops the test; this return only matters for a fake testing.TB.
	}
	t.Skipf("%s not set; start the services with %s", name, startServices)
	return ""
}

// RedisURL returns the URL of the test Redis, e.g. redis://127.0.0.1:6379/0.
func RedisURL(t testing.TB) string {
	t.Helper()
	return Lookup(t, EnvRedisURL)
}

// ESURL returns the base URL of the test Elasticsearch, e.g. http://127.0.0.1:9200.
func ESURL(t testing.TB) string {
	t.Helper()
	return Lookup(t, EnvESURL)
}

// TorSocks returns the host:port of the test Tor client's SOCKS5 port.
func TorSocks(t testing.TB) string {
	t.Helper()
	return Lookup(t, EnvTorSocks)
}

// TorControl returns the host:port of the test Tor client's control port and the path of
// its authentication cookie (AUTHENTICATE takes the file's bytes in hex).
func TorControl(t testing.TB) (addr, cookiePath string) {
	t.Helper()
	return Lookup(t, EnvTorControl), Lookup(t, EnvTorCookie)
}
