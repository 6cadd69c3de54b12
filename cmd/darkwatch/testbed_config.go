package main

import (
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/darkwatch/darkwatch/config"
	"github.com/darkwatch/darkwatch/crawler/testbed"
)

// writeTestbedConfig writes a darkwatch config that crawls the testbed markets through its
// SOCKS endpoint: the embedded default with data under dataDir, or the base config (e.g. one
// using Elasticsearch and Redis) with tor.socks, markets and sessions replaced. The result is
// validated with config.Parse before it is written.
func writeTestbedConfig(path, dataDir, base, socks string, markets []testbed.MarketInfo) error {
	c := config.Default()
	if base != "" {
		var err error
		// Unresolved: secrets stay as the base wrote them (a *_file stays a file reference).
		if c, err = config.LoadUnresolved(base); err != nil {
			return fmt.Errorf("config base: %w", err)
		}
	} else if dataDir != "" {
		c.DataDir = dataDir
	}
	c.Tor.Endpoints = nil
	c.Tor.Socks = []string{socks}
	c.Markets = nil
	c.Sessions = nil
	for _, m := range markets {
		c.Markets = append(c.Markets, config.Market{Name: m.Name, Profile: "auto", Seeds: []string{m.URL}})
		if m.Cookie != "" {
			c.Sessions = append(c.Sessions, config.Session{Market: m.Name, Cookies: config.Secret(m.Cookie)})
		}
	}
	out, err := yaml.Marshal(c)
	if err != nil {
		return fmt.Errorf("config out: %w", err)
	}
	if _, err := config.ParseUnresolved(out); err != nil {
		return fmt.Errorf("config out does not validate: %w", err)
	}
	header := []byte("# written by darkwatch testbed --config-out; markets are simulated onion services\n")
	if err := os.WriteFile(path, append(header, out...), 0o600); err != nil {
		return fmt.Errorf("config out: %w", err)
	}
	return nil
}
