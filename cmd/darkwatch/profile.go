package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/darkwatch/darkwatch/extract/induce"
)

func init() {
	register(command{name: "profile", summary: "print a market's induced extraction profile (YAML to review, edit and ship)", run: runProfile})
}

// runProfile implements `darkwatch profile -config F [--market NAME]`: with a market, it
// prints the profile the crawl induced for it as a user profile; without, it lists the
// markets that have one.
func runProfile(_ context.Context, e env) int {
	fset := flag.NewFlagSet("profile", flag.ContinueOnError)
	fset.SetOutput(e.stderr)
	cfgPath := fset.String("config", "", "config file (its data_dir holds the induced profiles)")
	market := fset.String("market", "", "market name; empty: list the markets with an induced profile")
	if err := fset.Parse(e.args); err != nil {
		return exitUsage
	}
	if fset.NArg() != 0 {
		fmt.Fprintln(e.stderr, "usage: darkwatch profile -config F [--market NAME]")
		return exitUsage
	}
	cfg, code := loadConfig(*cfgPath, e.stderr)
	if cfg == nil {
		return code
	}
	dir := inducedDir(cfg)
	if *market == "" {
		names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			fmt.Fprintln(e.stderr, "darkwatch profile:", err)
			return exitRuntime
		}
		sort.Strings(names)
		for _, n := range names {
			m := strings.TrimSuffix(filepath.Base(n), ".yaml")
			s, err := induce.ReadFile(dir, m)
			if err != nil {
				fmt.Fprintf(e.stdout, "%s\tunreadable: %v\n", m, err)
				continue
			}
			fmt.Fprintf(e.stdout, "%s\tinduced %s from %d pages\n", m, s.Induced.Format("2006-01-02 15:04 MST"), s.Pages)
		}
		if len(names) == 0 {
			fmt.Fprintf(e.stderr, "darkwatch profile: no induced profile under %s yet (a crawl induces one after crawl.induce_after listing pages of a market without a profile)\n", dir)
		}
		return exitOK
	}
	s, err := induce.ReadFile(dir, *market)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(e.stderr, "darkwatch profile: no induced profile for market %q under %s (`darkwatch profile -config %s` lists them)\n", *market, dir, *cfgPath)
		return exitUsage
	case err != nil:
		fmt.Fprintln(e.stderr, "darkwatch profile:", err)
		return exitRuntime
	}
	fmt.Fprintf(e.stdout, "# Profile of market %s, induced by darkwatch on %s from %d pages the generic\n", s.Market, s.Induced.Format("2006-01-02 15:04 MST"), s.Pages)
	fmt.Fprintln(e.stdout, "# extractor read. Review the selectors, edit, save it as a file and list the file under")
	fmt.Fprintln(e.stdout, "# `profiles:` in the config (format: extract/profiles/README.md). It detects only the")
	fmt.Fprintln(e.stdout, "# hosts in detect.url: never another market's pages.")
	var pts []string
	for pt := range s.Generic {
		pts = append(pts, pt)
	}
	sort.Strings(pts)
	for _, pt := range pts {
		if len(s.Generic[pt]) > 0 {
			fmt.Fprintf(e.stdout, "# Page type %s: during the crawl the generic extractor read %s (no selector\n# reproduced it on 95%% of the pages); as a shipped profile these fields stay empty.\n", pt, strings.Join(s.Generic[pt], ", "))
		}
	}
	if _, err := e.stdout.Write(s.YAML); err != nil {
		return exitRuntime
	}
	return exitOK
}
