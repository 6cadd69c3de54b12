// Command validate loads a compose file the way `docker compose config` does (compose-go:
// JSON-schema validation, interpolation, extends/merge), for machines without Docker.
// It is its own module so that compose-go never enters darkwatch's go.mod.
//
//	cd deploy/compose/validate && go run . ../compose.yaml
//
// Secret and config files named by the compose file must exist (see ../secrets/README.md;
// placeholder files are enough) and required variables must be set.
package main

import (
	"context"
	"fmt"
	"os"
	"sort"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: validate COMPOSE_FILE")
		os.Exit(2)
	}
	opts, err := cli.NewProjectOptions([]string{os.Args[1]}, cli.WithOsEnv, cli.WithResolvedPaths(true))
	if err != nil {
		fmt.Fprintln(os.Stderr, "validate:", err)
		os.Exit(1)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "INVALID:", err)
		os.Exit(1)
	}
	names := make([]string, 0, len(p.Services))
	for n := range p.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := p.Services[n]
		fmt.Printf("%-14s networks=%v\n", n, s.NetworksByPriority())
	}
	fmt.Printf("ok: %d services\n", len(p.Services))
}
