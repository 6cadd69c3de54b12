package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/config"
	"github.com/darkwatch/darkwatch/crawler/testbed"
)

// TestTestbedCommand runs `darkwatch testbed` with truth, hs dirs and config output, reads
// the ready line, checks the written config loads and names the SOCKS address, then stops.
func TestTestbedCommand(t *testing.T) {
	dir := t.TempDir()
	truthF, cfgF := filepath.Join(dir, "truth.json"), filepath.Join(dir, "c.yaml")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var errb strings.Builder
	done := make(chan int, 1)
	go func() {
		code := Main(ctx, []string{"testbed", "--seed", "3", "--listings", "20", "--faults", "hostile",
			"--truth", truthF, "--hs-dir", filepath.Join(dir, "hs"), "--config-out", cfgF, "--data-dir", filepath.Join(dir, "data")},
			nil, pw, &errb)
		pw.Close()
		done <- code
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no ready line: %v; stderr %s", err, errb.String())
	}
	go io.Copy(io.Discard, pr)
	var ready testbed.Ready
	if err := json.Unmarshal([]byte(line), &ready); err != nil || ready.SOCKS == "" || len(ready.Markets) != 4 {
		t.Fatalf("ready line %q: %v", line, err)
	}
	for _, m := range ready.Markets {
		if !strings.HasPrefix(m.URL, "http://") || len(m.URL) != len("http://")+56+len(".onion/") {
			t.Errorf("market url %q is not http://<56>.onion/", m.URL)
		}
		if _, err := os.Stat(filepath.Join(dir, "hs", m.Name, "hostname")); err != nil {
			t.Errorf("hs dir: %v", err)
		}
	}
	c, err := config.Load(cfgF)
	if err != nil {
		t.Fatalf("written config does not load: %v", err)
	}
	if len(c.Tor.Socks) != 1 || c.Tor.Socks[0] != ready.SOCKS || len(c.Markets) != 4 || len(c.Sessions) != 4 {
		t.Errorf("config: socks %v, %d markets, %d sessions", c.Tor.Socks, len(c.Markets), len(c.Sessions))
	}
	var truth testbed.Truth
	b, _ := os.ReadFile(truthF)
	if err := json.Unmarshal(b, &truth); err != nil || len(truth.Listings) == 0 {
		t.Fatalf("truth: %v", err)
	}
	if c.Session(truth.Markets[0].Name) != config.Secret(truth.Markets[0].Cookie) {
		t.Errorf("session cookie of %s does not match the truth", truth.Markets[0].Name)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d, stderr %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("testbed did not stop on cancel")
	}
}

func TestTestbedBadFlags(t *testing.T) {
	var out, errb strings.Builder
	if code := Main(context.Background(), []string{"testbed", "--faults", "bogus", "--no-serve"}, nil, &out, &errb); code != exitUsage {
		t.Errorf("bad faults: exit %d, want %d", code, exitUsage)
	}
}
