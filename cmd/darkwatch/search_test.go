package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/index/embedded"
	"github.com/darkwatch/darkwatch/index/indextest"
)

// searchConfig writes a config whose embedded index holds the conformance fixture.
func searchConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "darkwatch.yaml")
	body := "data_dir: " + dir + "\nmarkets:\n  - name: m1\n    seeds: [\"http://5lq4q6j3kwl4jm7usdtwvqyrolcds2ipr3qucqv3qungd6net4harwad.onion/\"]\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := embedded.Open(context.Background(), embedded.Options{Dir: filepath.Join(dir, "index")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.PutVendors(ctx, indextest.Vendors()); err != nil {
		t.Fatal(err)
	}
	if err := s.PutListings(ctx, indextest.Listings()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestSearchCommand(t *testing.T) {
	cfg := searchConfig(t)
	tests := []struct {
		name string
		args []string
		want []string // listing ids, in order
	}{
		{"substance", []string{"--substance", "fentanyl", "--sort", "id"}, []string{"alpha/l1", "bravo/l5"}},
		{"class_and_market", []string{"--class=opioid", "--market", "alpha", "--sort=price"}, []string{"alpha/l3", "alpha/l2", "alpha/l1", "alpha/l4"}},
		{"family", []string{"--family", "nitazene", "--sort", "id"}, []string{"alpha/l3", "alpha/l4"}},
		{"vendor", []string{"--vendor", "drhouse", "--sort", "id"}, []string{"alpha/l1", "alpha/l12", "alpha/l2"}},
		{"ships_from", []string{"--ships-from", "cn,us", "--sort", "id"}, []string{"alpha/l1", "alpha/l12", "alpha/l2", "alpha/l3", "alpha/l4"}},
		{"price_range", []string{"--min-usd", "100", "--max-usd", "140", "--sort", "price"}, []string{"alpha/l3", "bravo/l6"}},
		{"entity_pgp", []string{"--entity", indextest.PGPHouse, "--sort", "id"}, []string{"alpha/l1", "alpha/l12", "alpha/l2", "bravo/l5"}},
		{"free_text_after_flags", []string{"--sort", "id", "fentanyl", "powder"}, []string{"alpha/l1"}},
		{"flags_after_text", []string{"fentanyl", "--market", "bravo"}, []string{"bravo/l5"}},
		{"not_drug", []string{"--drug-offer=false"}, []string{"charlie/l10"}},
		{"since_absolute", []string{"--since", "2026-01-15", "--sort", "id"}, []string{"bravo/l7", "charlie/l9"}},
		{"limit", []string{"--sort", "-price", "--limit", "2"}, []string{"charlie/l10", "charlie/l11"}},
		{"limit_zero_all", []string{"--limit", "0", "--sort", "id"}, []string{"alpha/l1", "alpha/l12", "alpha/l2", "alpha/l3", "alpha/l4",
			"bravo/l5", "bravo/l6", "bravo/l7", "charlie/l10", "charlie/l11", "charlie/l8", "charlie/l9"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"search", "-config", cfg, "--json"}, tc.args...)
			if code := Main(context.Background(), args, nil, &out, &errb); code != exitOK {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if line == "" {
					continue
				}
				var l extract.Listing
				if err := json.Unmarshal([]byte(line), &l); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				got = append(got, l.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSearchTableAndAggs(t *testing.T) {
	cfg := searchConfig(t)
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"search", "-config", cfg, "--class", "stimulant", "--agg", "market", "--sort", "id"}, nil, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := out.String()
	for _, want := range []string{"ID  ", "alpha/l12", "Cocaine 1g fishscale", "4 of 4 listings", "market: bravo 2, alpha 1, charlie 1"} {
		if !strings.Contains(s, want) {
			t.Errorf("table output lacks %q:\n%s", want, s)
		}
	}
}

func TestSearchBadUsage(t *testing.T) {
	cfg := searchConfig(t)
	for _, args := range [][]string{
		{"--sort", "colour"},
		{"--agg", "colour"},
		{"--min-usd", "ten"},
		{"--since", "last tuesday"},
		{"--limit", "-1"},
	} {
		var out, errb bytes.Buffer
		if code := Main(context.Background(), append([]string{"search", "-config", cfg}, args...), nil, &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, errb.String())
		}
	}
}
