package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/darkwatch/darkwatch/config"
)

func init() {
	register(command{name: "config", summary: "check a config file: config check -config F", run: runConfig})
}

func runConfig(_ context.Context, e env) int {
	if len(e.args) == 0 || e.args[0] != "check" {
		fmt.Fprintln(e.stderr, "usage: darkwatch config check -config FILE")
		return exitUsage
	}
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	path := fs.String("config", "", "config file to validate")
	if err := fs.Parse(e.args[1:]); err != nil {
		return exitUsage
	}
	if *path == "" {
		fmt.Fprintln(e.stderr, "darkwatch config check: -config FILE is required")
		return exitUsage
	}
	c, err := config.Load(*path)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitUsage
	}
	fmt.Fprintf(e.stdout, "%s: ok (%d markets, frontier %s, index %s, data under %s)\n",
		*path, len(c.Markets), c.Frontier.Backend, c.Index.Backend, c.DataDir)
	return exitOK
}

// loadConfig is the common -config handling of the subcommands: no path means the embedded
// default. A bad config is reported on w and gives exit code 2.
func loadConfig(path string, w io.Writer) (*config.Config, int) {
	if path == "" {
		return config.Default(), exitOK
	}
	c, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(w, err)
		return nil, exitUsage
	}
	return c, exitOK
}
