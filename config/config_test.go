package config_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/config"
)

func TestExampleConfigLoads(t *testing.T) {
	t.Setenv("DARKWATCH_ISOLATION_SECRET", "iso")
	t.Setenv("DARKWATCH_WEBHOOK_SECRET", "hook")
	dir := t.TempDir()
	// The example points at files that exist on a deployed host; give them here.
	b, err := os.ReadFile("darkwatch.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "/etc/darkwatch/", dir+"/")
	for _, f := range []string{"alpha.cookies", "smtp.pass"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("secret-"+f+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := config.Parse([]byte(s))
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	if got, want := len(c.Markets), 2; got != want {
		t.Errorf("markets: got %d, want %d", got, want)
	}
	if got, want := c.Session("alpha").Value(), "secret-alpha.cookies"; got != want {
		t.Errorf("session cookies from file: got %q, want %q", got, want)
	}
	if got, want := c.Tor.IsolationSecret.Value(), "iso"; got != want {
		t.Errorf("secret from ${ENV}: got %q, want %q", got, want)
	}
	if got, want := c.Crawl.MaxBody, config.Size(8<<20); got != want {
		t.Errorf("max_body: got %d, want %d", got, want)
	}
	if got, want := c.Crawl.PerHostDelay.D(), time.Second; got != want {
		t.Errorf("per_host_delay: got %v, want %v", got, want)
	}
}

func TestDefaultIsEmbedded(t *testing.T) {
	c := config.Default()
	if c.Frontier.Backend != "embedded" || c.Index.Backend != "embedded" || c.DataDir != "./darkwatch-data" {
		t.Fatalf("default is not the embedded mode: %+v %+v %q", c.Frontier, c.Index, c.DataDir)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("default config does not validate: %v", err)
	}
}

func TestGoodConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/good/*.yaml")
	if len(files) == 0 {
		t.Fatal("no good fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := config.Load(f); err != nil {
				t.Fatalf("got error %v, want none", err)
			}
		})
	}
}

// TestBadConfigs loads every bad fixture; each must fail and name the path written in the
// fixture's .path file.
func TestBadConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	if len(files) < 8 {
		t.Fatalf("got %d bad fixtures, want at least 8", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".path")
			if err != nil {
				t.Fatal(err)
			}
			_, err = config.Load(f)
			if err == nil {
				t.Fatal("got no error, want one")
			}
			path := strings.TrimSpace(string(want))
			var fe *config.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *config.FieldError", err)
			}
			if path != "" && !strings.Contains(err.Error(), path+": ") {
				t.Errorf("error does not name %q:\n%v", path, err)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	_, err := config.Parse([]byte(`
crawl: {workers: 0, max_attempts: -1}
markets:
  - {name: "Bad Name", seeds: []}
alerts:
  rules: [{name: r, kind: nope}]
`))
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"crawl.workers", "crawl.max_attempts", "markets[0].name", "markets[0].seeds", "alerts.rules[0].kind"} {
		if !strings.Contains(err.Error(), want+": ") {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
}

func TestSecretRedacts(t *testing.T) {
	s := config.Secret("hunter2")
	var sb strings.Builder
	slog.New(slog.NewJSONHandler(&sb, nil)).Info("x", "pw", s)
	js, _ := json.Marshal(struct{ P config.Secret }{s})
	for name, out := range map[string]string{
		"fmt %v": fmt.Sprintf("%v", s), "fmt %s": fmt.Sprintf("%s", s), //lint:ignore S1025 the %s verb itself is under test "fmt %#v": fmt.Sprintf("%#v", s),
		"slog": sb.String(), "json": string(js),
	} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
	}
	if s.Value() != "hunter2" {
		t.Errorf("Value: got %q", s.Value())
	}
}

func TestSizes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want config.Size
		bad  bool
	}{
		{"8MiB", 8 << 20, false}, {"512KiB", 512 << 10, false}, {"1GiB", 1 << 30, false},
		{"10MB", 10e6, false}, {"1024", 1024, false}, {"1.5KiB", 1536, false},
		{"8 potatoes", 0, true}, {"-1MiB", 0, true}, {"", 0, true},
	} {
		got, err := config.ParseSize(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, bad=%v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestIsOnionHost(t *testing.T) {
	for host, want := range map[string]bool{
		"5lq4q6j3kwl4jm7usdtwvqyrolcds2ipr3qucqv3qungd6net4harwad.onion":     true,
		"www.5lq4q6j3kwl4jm7usdtwvqyrolcds2ipr3qucqv3qungd6net4harwad.onion": true,
		"5LQ4Q6J3KWL4JM7USDTWVQYROLCDS2IPR3QUCQV3QUNGD6NET4HARWAD.onion":     true,
		"5lq4q6j3kwl4jm7usdtwvqyrolcds2ipr3qucqv3qungd6net4haaaaa.onion":     false,
		"expyuzz4wqqyqhjn.onion": false,
		"example.com":            false,
		"5lq4q6j3kwl4jm7usdtwvqyrolcds2ipr3qucqv3qungd6net4harwad.onion.evil": false,
	} {
		if got := config.IsOnionHost(host); got != want {
			t.Errorf("IsOnionHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	c := config.Default()
	c.Markets = []config.Market{{Name: "m1", Seeds: []string{"http://5lq4q6j3kwl4jm7usdtwvqyrolcds2ipr3qucqv3qungd6net4harwad.onion/"}}}
	c.Sessions = []config.Session{{Market: "m1", Cookies: "sid=abc"}}
	b, err := config.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := config.Parse(b)
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, b)
	}
	if got := c2.Session("m1").Value(); got != "sid=abc" {
		t.Errorf("cookies after round trip: got %q", got)
	}
	if c2.Crawl.MaxBody != c.Crawl.MaxBody || c2.Crawl.Lease != c.Crawl.Lease {
		t.Errorf("sizes/durations changed in round trip")
	}
}

func TestLoadUnresolvedKeepsSecretReferences(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(f, []byte("frontier: {backend: redis, redis: {url: \"redis://127.0.0.1:1/0\", password_file: "+pw+"}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.LoadUnresolved(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := config.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cret") {
		t.Fatalf("rewritten config holds the secret:\n%s", b)
	}
	c2, err := config.Parse(b)
	if err != nil {
		t.Fatalf("rewritten config does not load: %v", err)
	}
	if got := c2.Frontier.Redis.Password.Value(); got != "s3cret" {
		t.Errorf("password from file after rewrite: got %q", got)
	}
}
