package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/api"
)

func TestHashPassword(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"hash-password", "--cost", "10"}, strings.NewReader("s3cret pass\n"), &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	h := strings.TrimSpace(out.String())
	if err := bcrypt.CompareHashAndPassword([]byte(h), []byte("s3cret pass")); err != nil {
		t.Errorf("hash %q does not verify: %v", h, err)
	}
	out.Reset()
	if code := Main(context.Background(), []string{"hash-password", "--token"}, strings.NewReader("tok\r\n"), &out, &errb); code != exitOK {
		t.Fatalf("--token exit %d", code)
	}
	sum := sha256.Sum256([]byte("tok"))
	if got, want := strings.TrimSpace(out.String()), "sha256:"+hex.EncodeToString(sum[:]); got != want {
		t.Errorf("--token: got %s, want %s", got, want)
	}
	// The default cost is the one the docs and `make run` use (api.DefaultPasswordCost).
	out.Reset()
	if code := Main(context.Background(), []string{"hash-password"}, strings.NewReader("s3cret pass\n"), &out, &errb); code != exitOK {
		t.Fatalf("default cost: exit %d: %s", code, errb.String())
	}
	if c, err := bcrypt.Cost([]byte(strings.TrimSpace(out.String()))); err != nil || c != api.DefaultPasswordCost {
		t.Errorf("default cost: got %d (%v), want %d", c, err, api.DefaultPasswordCost)
	}
	for _, c := range []struct {
		args  []string
		stdin string
	}{{nil, ""}, {nil, "\n"}, {[]string{"--cost", "3"}, "x\n"}, {nil, strings.Repeat("x", 73)}} {
		if code := Main(context.Background(), append([]string{"hash-password"}, c.args...), strings.NewReader(c.stdin), io.Discard, io.Discard); code != exitUsage {
			t.Errorf("%v %q: exit %d, want %d", c.args, c.stdin, code, exitUsage)
		}
	}
}

func TestAllowedHostsDefault(t *testing.T) {
	for _, c := range []struct {
		configured []string
		listen     string
		want       []string
	}{
		{nil, "127.0.0.1:8080", []string{"localhost", "127.0.0.1", "::1", "127.0.0.1"}},
		{nil, "dw.example.internal:8080", []string{"localhost", "127.0.0.1", "::1", "dw.example.internal"}},
		{nil, "0.0.0.0:8080", []string{"localhost", "127.0.0.1", "::1"}},
		{nil, "[::]:8080", []string{"localhost", "127.0.0.1", "::1"}},
		{[]string{"dw.example.org"}, "0.0.0.0:8080", []string{"dw.example.org"}},
	} {
		if got := allowedHosts(c.configured, c.listen); !slices.Equal(got, c.want) {
			t.Errorf("allowedHosts(%v, %q): got %v, want %v", c.configured, c.listen, got, c.want)
		}
	}
}

func TestServe(t *testing.T) {
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("api-token"))
	cfg := fmt.Sprintf(`data_dir: %s
markets:
  - name: m1
    seeds: ["http://5lq4q6j3kwl4jm7usdtwvqyrolcds2ipr3qucqv3qungd6net4harwad.onion/"]
serve:
  listen: 127.0.0.1:0
  users:
    - {name: alice, role: analyst, password_hash: "%s"}
  tokens:
    - {name: partner, role: admin, token_hash: "sha256:%s"}
`, dir, hash, hex.EncodeToString(sum[:]))
	path := filepath.Join(dir, "darkwatch.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- Main(ctx, []string{"serve", "-config", path}, nil, pw, &errb); pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no ready line: %v (%s)", err, errb.String())
	}
	go io.Copy(io.Discard, pr)
	base := strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(line, "darkwatch serve: listening on ")), "/")
	get := func(p string, tok string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", base+p, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}
	if code, v := get("/healthz", ""); code != 200 || v["status"] != "ok" {
		t.Errorf("healthz: %d %v", code, v)
	}
	if code, _ := get("/api/v1/search", ""); code != 401 {
		t.Errorf("search without token: %d", code)
	}
	if code, v := get("/api/v1/search?substance=fentanyl", "api-token"); code != 200 || v["total"] != float64(0) {
		t.Errorf("search: %d %v", code, v)
	}
	if code, v := get("/api/v1/alerts", "api-token"); code != 200 || v["total"] != float64(0) {
		t.Errorf("alerts with no alert log yet: %d %v", code, v)
	}
	code, v := get("/api/v1/markets", "api-token")
	ms, _ := v["markets"].([]any)
	if code != 200 || !strings.Contains(fmt.Sprint(v["frontier"]), "never crawled") || len(ms) != 1 {
		t.Errorf("markets before any crawl: %d %v", code, v)
	}
	if code, v := get("/api/v1/audit", "api-token"); code != 200 || len(v["entries"].([]any)) == 0 {
		t.Errorf("audit: %d %v", code, v)
	}
	// The default allowed hosts: the listen host and localhost; another name is a 421.
	for host, want := range map[string]int{"evil.example": 421, "localhost": 200, strings.TrimPrefix(base, "http://"): 200} {
		req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
		req.Host = host
		req.Header.Set("Authorization", "Bearer api-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %q: got %d, want %d", host, resp.StatusCode, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "audit.log")); err != nil {
		t.Errorf("default audit log: %v", err)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("serve exit %d: %s", code, errb.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestServeNeedsCredentials(t *testing.T) {
	var errb bytes.Buffer
	if code := Main(context.Background(), []string{"serve"}, nil, io.Discard, &errb); code != exitUsage ||
		!strings.Contains(errb.String(), "hash-password") {
		t.Errorf("serve without users: exit %d %q", code, errb.String())
	}
}

func TestAlertLogAdapter(t *testing.T) {
	l, err := alert.OpenLog(filepath.Join(t.TempDir(), "alerts.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	a := alertLog{l}
	if got, err := a.List(context.Background(), time.Time{}); err != nil || len(got) != 0 {
		t.Errorf("empty log: got %v %v", got, err)
	}
	if _, err := a.Ack(context.Background(), "x", time.Now()); !errors.Is(err, alert.ErrNotFound) || errors.Is(err, api.ErrUnavailable) {
		t.Errorf("ack unknown: got %v, want not found", err)
	}
}
