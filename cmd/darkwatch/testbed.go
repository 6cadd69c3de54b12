package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/darkwatch/darkwatch/crawler/testbed"
)

func init() {
	register(command{name: "testbed", summary: "serve simulated onion markets with ground truth", run: runTestbed})
}

func runTestbed(ctx context.Context, e env) int {
	fs := flag.NewFlagSet("testbed", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	listen := fs.String("listen", "", "plain HTTP address (Host-routed markets and /_testbed/stats); default 127.0.0.1:0")
	httpAddr := fs.String("http", "", "alias of --listen")
	socks := fs.String("socks", "", "SOCKS5 emulator address; default 127.0.0.1:0")
	seed := fs.Int64("seed", 1, "world seed")
	markets := fs.Int("markets", 4, "number of markets (families cycle: classic, rushop, forum, shop, grid, tabs, store; 7 = one of each)")
	listings := fs.Int("listings", 200, "listings per market on day 1")
	day := fs.Int("day", 1, "simulated day (1, 2, 3...)")
	faults := fs.String("faults", "none", "fault mode: none, onion or hostile")
	traps := fs.Bool("traps", false, "add what real markets do that costs requests: links redirecting to login, message forms behind a CAPTCHA, a vendor search answering 500, action links; the truth gains markets[].min_requests")
	timeScale := fs.Float64("time-scale", 1, "multiplier for simulated delays (0.01 for fast tests)")
	truth := fs.String("truth", "", "write the ground-truth JSON to this file")
	hsDir := fs.String("hs-dir", "", "write a tor HiddenServiceDir per market under this directory")
	configOut := fs.String("config-out", "", "write a darkwatch config crawling these markets through the SOCKS endpoint")
	dataDir := fs.String("data-dir", "./darkwatch-data", "data_dir of the written config")
	configBase := fs.String("config-base", "", "base config to merge the markets into")
	noServe := fs.Bool("no-serve", false, "write the requested files and exit without listening")
	if err := fs.Parse(e.args); err != nil {
		return exitUsage
	}
	if *httpAddr != "" {
		*listen = *httpAddr
	}
	w, err := testbed.New(testbed.Options{Seed: *seed, Day: *day, Markets: *markets, Listings: *listings, Faults: *faults, TimeScale: *timeScale, Traps: *traps})
	if err != nil {
		fmt.Fprintf(e.stderr, "darkwatch testbed: %v\n", err)
		return exitUsage
	}
	if *truth != "" {
		if err := writeJSONFile(*truth, w.Truth()); err != nil {
			fmt.Fprintf(e.stderr, "darkwatch testbed: %v\n", err)
			return exitRuntime
		}
	}
	if *hsDir != "" {
		if err := w.WriteHSDirs(*hsDir); err != nil {
			fmt.Fprintf(e.stderr, "darkwatch testbed: %v\n", err)
			return exitRuntime
		}
	}
	if *noServe {
		if *configOut != "" {
			fmt.Fprintln(e.stderr, "darkwatch testbed: --config-out needs the SOCKS address: run without --no-serve")
			return exitUsage
		}
		return exitOK
	}
	srv, err := w.Listen(testbed.ServerOptions{HTTP: *listen, SOCKS: *socks})
	if err != nil {
		fmt.Fprintf(e.stderr, "darkwatch testbed: %v\n", err)
		return exitRuntime
	}
	defer srv.Close()
	if *configOut != "" {
		if err := writeTestbedConfig(*configOut, *dataDir, *configBase, srv.SOCKSAddr(), w.Truth().Markets); err != nil {
			fmt.Fprintf(e.stderr, "darkwatch testbed: %v\n", err)
			return exitRuntime
		}
	}
	line, _ := json.Marshal(srv.Ready())
	fmt.Fprintln(e.stdout, string(line))
	<-ctx.Done()
	return exitOK
}

func writeJSONFile(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
