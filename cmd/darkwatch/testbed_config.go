package main

import (
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/darkwatch/darkwatch/crawler/testbed"
)

// writeTestbedConfig writes a darkwatch YAML config that crawls the testbed markets through
// its SOCKS endpoint. With base, the base file's keys are kept and tor.socks, markets and
// sessions are replaced.
func writeTestbedConfig(path, dataDir, base, socks string, markets []testbed.MarketInfo) error {
	doc := map[string]any{}
	if base != "" {
		b, err := os.ReadFile(base)
		if err != nil {
			return fmt.Errorf("config base: %w", err)
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("config base %s: %w", base, err)
		}
	} else {
		doc["data_dir"] = dataDir
	}
	tor, _ := doc["tor"].(map[string]any)
	if tor == nil {
		tor = map[string]any{}
	}
	tor["socks"] = []string{socks}
	doc["tor"] = tor
	var ms, sess []map[string]any
	for _, m := range markets {
		ms = append(ms, map[string]any{"name": m.Name, "profile": "testbed-" + m.Family, "seeds": []string{m.URL}})
		if m.Cookie != "" {
			sess = append(sess, map[string]any{"market": m.Name, "cookies": m.Cookie})
		}
	}
	doc["markets"] = ms
	if len(sess) > 0 {
		doc["sessions"] = sess
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return fmt.Errorf("config out: %w", err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return fmt.Errorf("config out: %w", err)
	}
	return nil
}
