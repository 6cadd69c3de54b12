package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/embedded"
)

// TestAlertsCommand: the engine built from the config raises alerts into <data_dir>/alerts.db;
// `alerts --json` lists them one per line, --since filters, --ack acknowledges, --retro
// runs a watch rule over the stored listings.
func TestAlertsCommand(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cfg.yaml")
	cfgText := "data_dir: " + dir + "\nalerts:\n  rules:\n" +
		"    - {name: nv, kind: new_vendor}\n" +
		"    - {name: nitazenes, kind: watch, families: [nitazene]}\n" +
		"  notifiers:\n    - {name: log, type: log}\n"
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, code := loadConfig(cfgPath, os.Stderr)
	if cfg == nil {
		t.Fatalf("config: exit %d", code)
	}
	ctx := context.Background()
	store, err := embedded.Open(ctx, embedded.Options{Dir: filepath.Join(dir, "index")})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := newAlertEngine(cfg, store, nil)
	if err != nil || eng == nil {
		t.Fatalf("engine %v, %v", eng, err)
	}
	now := time.Now().UTC()
	l := extract.Listing{ID: "m1/1", Market: "m1", Title: "Isotonitazene powder", VendorID: "m1/v", Vendor: "v", DrugOffer: true,
		Substances: []extract.Substance{{Name: "isotonitazene", Class: "opioid", Family: "nitazene"}}, FirstSeen: now, LastSeen: now}
	v := extract.Vendor{ID: "m1/v", Market: "m1", Handle: "v", FirstSeen: now, LastSeen: now}
	if err := store.PutVendors(ctx, []extract.Vendor{v}); err != nil {
		t.Fatal(err)
	}
	if err := store.PutListings(ctx, []extract.Listing{l}); err != nil {
		t.Fatal(err)
	}
	if err := eng.ObservePage(ctx, alert.Page{Market: "m1", URL: "http://x.onion/l/1", Status: 200,
		Listings: []extract.Listing{l}, Vendors: []extract.Vendor{v}, Capture: extract.Capture{SHA256: "aa", Time: now}}); err != nil {
		t.Fatal(err)
	}
	if err := eng.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	eng.Close()
	store.Close()

	run := func(args ...string) (string, int) {
		var out, errb bytes.Buffer
		code := Main(ctx, append([]string{"alerts", "-config", cfgPath}, args...), strings.NewReader(""), &out, &errb)
		if errb.Len() > 0 {
			t.Logf("stderr: %s", errb.String())
		}
		return out.String(), code
	}
	out, code := run("--json")
	if code != exitOK {
		t.Fatalf("alerts --json: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	kinds := map[string]string{}
	for _, ln := range lines {
		var a alert.Alert
		if err := json.Unmarshal([]byte(ln), &a); err != nil {
			t.Fatalf("line %q: %v", ln, err)
		}
		kinds[a.Kind] = a.ID
	}
	if len(lines) != 2 || kinds[alert.KindNewVendor] == "" || kinds[alert.KindWatch] == "" {
		t.Fatalf("alerts --json printed %d lines %v, want new_vendor and watch", len(lines), kinds)
	}
	if out, _ := run("--json", "--since", now.Add(time.Hour).Format(time.RFC3339)); strings.TrimSpace(out) != "" {
		t.Errorf("--since in the future printed %q", out)
	}
	out, code = run("--json", "--ack", kinds[alert.KindNewVendor])
	var acked alert.Alert
	if code != exitOK || json.Unmarshal([]byte(out), &acked) != nil || acked.Acked.IsZero() {
		t.Errorf("--ack: exit %d, %q", code, out)
	}
	if _, code := run("--ack", "nope"); code != exitUsage {
		t.Errorf("--ack of an unknown id: exit %d, want %d", code, exitUsage)
	}
	out, code = run("--retro", "nitazenes")
	if code != exitOK || !strings.Contains(out, "m1/1") || !strings.Contains(out, "1 alerts") {
		t.Errorf("--retro: exit %d, %q", code, out)
	}
	if _, code := run("--retro", "missing"); code != exitUsage {
		t.Errorf("--retro of an unknown rule: exit %d, want %d", code, exitUsage)
	}
}
