package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestExtractCommand(t *testing.T) {
	for _, c := range []struct {
		name, page, url string
		args            []string
		kinds           []string
		code            int
	}{
		{"listing", "../../extract/testdata/pages/dream_listing.html", "http://dream.onion/viewProduct?offer=332845.853310", []string{"--json"}, []string{"listing"}, exitOK},
		{"vendor", "../../extract/testdata/pages/cryptonia_vendor.html", "http://c.onion/user/GreenSupreme", []string{"--json"}, []string{"vendor"}, exitOK},
		{"login", "../../extract/testdata/pages/empire_login.html", "http://e.onion/login", []string{"--json"}, []string{"interstitial"}, exitOK},
		{"cp1251", "../../extract/testdata/pages/generic_russian_shop.html", "http://ru.onion/tovar/77", []string{"--json", "--profile", "generic"}, []string{"listing"}, exitOK},
		{"summary", "../../extract/testdata/pages/dream_listing.html", "", nil, nil, exitOK},
		{"bad profile", "../../extract/testdata/pages/dream_listing.html", "", []string{"--profile", "nope"}, nil, exitUsage},
		{"missing file", "does-not-exist.html", "", nil, nil, exitRuntime},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"extract"}, c.args...)
			if c.url != "" {
				args = append(args, "--url", c.url)
			}
			args = append(args, c.page)
			code := Main(context.Background(), args, strings.NewReader(""), &out, &errb)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, c.code, errb.String())
			}
			if c.kinds == nil {
				return
			}
			var kinds []string
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("bad JSON line %q: %v", line, err)
				}
				kinds = append(kinds, m["kind"].(string))
				if m["kind"] == "interstitial" && m["type"] != "login" {
					t.Errorf("interstitial %v", m)
				}
				if c.name == "cp1251" && !strings.Contains(line, "Мефедрон") {
					t.Errorf("not decoded: %s", line)
				}
			}
			if strings.Join(kinds, ",") != strings.Join(c.kinds, ",") {
				t.Errorf("kinds %v, want %v", kinds, c.kinds)
			}
		})
	}
}
