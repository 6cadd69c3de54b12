package frontier_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/frontier"
)

const killHelperEnv = "DARKWATCH_FRONTIER_KILL_HELPER"

func killItem(i int) frontier.Item {
	return frontier.Item{URL: fmt.Sprintf("http://k%d.onion/p/%d", i%5, i), Market: "m1", Host: fmt.Sprintf("k%d.onion", i%5)}
}

// TestBoltKillHelper is the subprocess of TestBoltSurvivesSIGKILL: it
// leases, acks some, keeps adding, reports each durable step on stdout and
// waits to be killed.
func TestBoltKillHelper(t *testing.T) {
	path := os.Getenv(killHelperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	ctx := context.Background()
	f, err := frontier.OpenBolt(path, frontier.Options{HostMaxInFlight: 100})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	ls, err := f.Lease(ctx, 50, time.Hour)
	if err != nil || len(ls) != 50 {
		fmt.Println("error lease", len(ls), err)
		os.Exit(2)
	}
	for _, l := range ls[:20] {
		if err := f.Ack(ctx, l, frontier.Result{Status: frontier.Done}); err != nil {
			fmt.Println("error ack", err)
			os.Exit(2)
		}
		fmt.Println("acked", l.URL)
	}
	fmt.Println("ready")
	// Keep writing until killed: every "added" line is a durable Add.
	for i := 1000; i < 1000+100000; i++ {
		if _, err := f.Add(ctx, killItem(i)); err != nil {
			fmt.Println("error add", err)
			os.Exit(2)
		}
		fmt.Println("added", killItem(i).URL)
	}
	time.Sleep(time.Minute)
	os.Exit(3)
}

func TestBoltSurvivesSIGKILL(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "frontier.db")
	f, err := frontier.OpenBolt(path, frontier.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var its []frontier.Item
	for i := range 200 {
		its = append(its, killItem(i))
	}
	if n, err := f.Add(ctx, its...); err != nil || n != 200 {
		t.Fatalf("Add = %d, %v", n, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestBoltKillHelper$", "-test.v")
	cmd.Env = append(os.Environ(), killHelperEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	added := map[string]bool{}
	sc := bufio.NewScanner(out)
	ready := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "acked "):
			acked[strings.TrimPrefix(line, "acked ")] = true
		case strings.HasPrefix(line, "added "):
			added[strings.TrimPrefix(line, "added ")] = true
		case line == "ready":
			ready = true
		case strings.HasPrefix(line, "error"):
			t.Fatalf("helper: %s", line)
		}
		if ready && len(added) >= 50 {
			break // kill mid-write
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() { // lines written before the kill are durable too
		if line := sc.Text(); strings.HasPrefix(line, "added ") {
			added[strings.TrimPrefix(line, "added ")] = true
		}
	}
	_ = cmd.Wait()
	if !ready || len(acked) != 20 {
		t.Fatalf("helper did not get ready (acked %d)", len(acked))
	}

	f, err = frontier.OpenBolt(path, frontier.Options{HostMaxInFlight: 1000})
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer f.Close()
	st, err := f.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.InFlight != 0 {
		t.Fatalf("in flight after reopen = %d, want 0", st.InFlight)
	}
	if st.Seen < int64(200+len(added)) {
		t.Fatalf("seen %d, want >= %d (200 + %d durable adds)", st.Seen, 200+len(added), len(added))
	}
	// Every URL not acked must come back exactly once; acked ones never.
	got := map[string]int{}
	for range 100 {
		ls, err := f.Lease(ctx, 1000, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(ls) == 0 {
			break
		}
		for _, l := range ls {
			got[l.URL]++
			if err := f.Ack(ctx, l, frontier.Result{Status: frontier.Done}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, it := range its {
		if acked[it.URL] {
			if got[it.URL] != 0 {
				t.Errorf("%s was acked before the kill but leased again", it.URL)
			}
		} else if got[it.URL] != 1 {
			t.Errorf("%s leased %d times after reopen, want 1", it.URL, got[it.URL])
		}
	}
	for u := range added {
		if got[u] != 1 {
			t.Errorf("durably added %s leased %d times after reopen, want 1", u, got[u])
		}
	}
	t.Logf("killed after %d durable adds; %d items back after reopen (%d acked before kill)", len(added), len(got), len(acked))
}
