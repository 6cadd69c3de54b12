package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/darkwatch/darkwatch/config"
	"github.com/darkwatch/darkwatch/crawler/frontier"
)

func init() {
	register(command{name: "frontier", summary: "list or requeue dead-lettered URLs: frontier dead | requeue", run: runFrontier})
}

const frontierUsage = `usage:
  darkwatch frontier dead    [-config F] [--market M] [--limit N] [--json]
  darkwatch frontier requeue [-config F] [--market M] (--url U [--url U ...] | --all)

dead     lists dead-lettered URLs (failed crawl.max_attempts times, or dropped), newest first.
requeue  puts dead letters back in the queue with their attempts reset: the given URLs
         (exactly as 'frontier dead' prints them), or --all of one market (--market) or of
         every market. A running or the next 'darkwatch crawl' fetches them.

With the embedded frontier (<data_dir>/frontier.db) both need the crawl stopped: a running
crawl holds the file. A Redis frontier can be used while crawls run.
`

func runFrontier(ctx context.Context, e env) int {
	if len(e.args) == 0 {
		fmt.Fprint(e.stderr, frontierUsage)
		return exitUsage
	}
	sub, args := e.args[0], e.args[1:]
	switch sub {
	case "dead":
		return runFrontierDead(ctx, e, args)
	case "requeue":
		return runFrontierRequeue(ctx, e, args)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, frontierUsage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "darkwatch frontier: unknown subcommand %q\n%s", sub, frontierUsage)
	return exitUsage
}

// frontierFlags parses a subcommand's flags (-config and --market common to both); ok
// false: return code.
func frontierFlags(e env, name string, args []string, define func(fs *flag.FlagSet)) (cfgPath, market string, code int, ok bool) {
	fs := flag.NewFlagSet("frontier "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&cfgPath, "config", "", "config file (default: the embedded frontier under ./darkwatch-data)")
	fs.StringVar(&market, "market", "", "only this market (default: every market)")
	define(fs)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, frontierUsage)
		fmt.Fprintf(e.stderr, "\nflags of frontier %s:\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", "", exitOK, false
		}
		return "", "", exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "darkwatch frontier %s: unexpected argument %q (URLs go in --url)\n", name, fs.Arg(0))
		return "", "", exitUsage, false
	}
	return cfgPath, market, exitOK, true
}

// openDeadLetters opens the configured frontier for its dead letters. The embedded one
// must exist already (never created here) and not be held by a running crawl.
func openDeadLetters(ctx context.Context, cfg *config.Config) (frontier.Frontier, frontier.DeadLetters, error) {
	path := filepath.Join(cfg.DataDir, "frontier.db")
	if cfg.Frontier.Backend != "redis" {
		if _, err := os.Stat(path); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, nil, fmt.Errorf("no embedded frontier at %s: nothing was crawled with data_dir %s", path, cfg.DataDir)
			}
			return nil, nil, err
		}
	}
	fr, err := openFrontier(ctx, cfg)
	if errors.Is(err, frontier.ErrLocked) {
		return nil, nil, fmt.Errorf("%s is held by another process, most likely a running 'darkwatch crawl' (the embedded frontier admits one process): stop the crawl or wait for it to end, then retry", path)
	}
	if err != nil {
		return nil, nil, err
	}
	return fr, fr, nil
}

// checkMarket fails for a market the frontier does not know (a typo would otherwise
// list or requeue nothing, silently).
// openFrontierCmd loads the config, opens its frontier and checks market ("" = all) for the
// subcommand name; on failure it reports on stderr and returns a nil frontier and the exit
// code. The caller closes the frontier.
func openFrontierCmd(ctx context.Context, e env, name, cfgPath, market string) (frontier.Frontier, frontier.DeadLetters, frontier.Stats, int) {
	cfg, code := loadConfig(cfgPath, e.stderr)
	if cfg == nil {
		return nil, nil, frontier.Stats{}, code
	}
	fr, dl, err := openDeadLetters(ctx, cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "darkwatch frontier %s: %v\n", name, err)
		return nil, nil, frontier.Stats{}, exitRuntime
	}
	st, err := checkMarket(ctx, fr, market)
	if err != nil {
		fr.Close()
		fmt.Fprintf(e.stderr, "darkwatch frontier %s: %v\n", name, err)
		return nil, nil, frontier.Stats{}, exitRuntime
	}
	return fr, dl, st, exitOK
}

func checkMarket(ctx context.Context, fr frontier.Frontier, market string) (frontier.Stats, error) {
	st, err := fr.Stats(ctx)
	if err != nil {
		return st, err
	}
	if market == "" {
		return st, nil
	}
	if _, ok := st.Markets[market]; !ok {
		var names []string
		for m := range st.Markets {
			names = append(names, m)
		}
		slices.Sort(names)
		return st, fmt.Errorf("market %q is not in the frontier (it holds: %s)", market, strings.Join(names, ", "))
	}
	return st, nil
}

// deadJSON is one line of `frontier dead --json`.
type deadJSON struct {
	URL      string    `json:"url"`
	Market   string    `json:"market"`
	Host     string    `json:"host"`
	Kind     string    `json:"kind,omitempty"`
	Depth    int       `json:"depth"`
	Priority int       `json:"priority"`
	Attempts int       `json:"attempts"`
	Err      string    `json:"err"`
	At       time.Time `json:"at"`
}

func runFrontierDead(ctx context.Context, e env, args []string) int {
	var limit int
	var asJSON bool
	cfgPath, market, code, ok := frontierFlags(e, "dead", args, func(fs *flag.FlagSet) {
		fs.IntVar(&limit, "limit", 50, "maximum dead letters to print, newest first (0: all)")
		fs.BoolVar(&asJSON, "json", false, "print one JSON object per line")
	})
	if !ok {
		return code
	}
	if limit < 0 {
		fmt.Fprintln(e.stderr, "darkwatch frontier dead: --limit must be >= 0")
		return exitUsage
	}
	fr, dl, st, code := openFrontierCmd(ctx, e, "dead", cfgPath, market)
	if fr == nil {
		return code
	}
	defer fr.Close()
	ds, err := dl.Dead(ctx, market, limit)
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch frontier dead:", err)
		return exitRuntime
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		for _, d := range ds {
			if err := enc.Encode(deadJSON{URL: d.URL, Market: d.Market, Host: d.Host, Kind: d.Kind, Depth: d.Depth,
				Priority: d.Priority, Attempts: d.Attempt, Err: d.Err, At: d.At.UTC()}); err != nil {
				fmt.Fprintln(e.stderr, "darkwatch frontier dead:", err)
				return exitRuntime
			}
		}
		return exitOK
	}
	total := st.Dead
	if market != "" {
		total = st.Markets[market].Dead
	}
	if err := printDead(e.stdout, ds, total); err != nil {
		fmt.Fprintln(e.stderr, "darkwatch frontier dead:", err)
		return exitRuntime
	}
	return exitOK
}

// printDead writes the dead letters as a table and a count line.
func printDead(w io.Writer, ds []frontier.DeadLetter, total int64) error {
	if len(ds) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "AT\tMARKET\tATTEMPTS\tERROR\tURL")
		for _, d := range ds {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", d.At.UTC().Format(time.RFC3339), d.Market, d.Attempt, clip(d.Err, 60), d.URL)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	switch {
	case total == 0 && len(ds) == 0:
		_, err := fmt.Fprintln(w, "no dead letters")
		return err
	case int64(len(ds)) < total:
		_, err := fmt.Fprintf(w, "%d of %d dead letters (newest first; --limit 0 lists all)\n", len(ds), total)
		return err
	}
	_, err := fmt.Fprintf(w, "%d dead letters\n", len(ds))
	return err
}

// urlFlag collects repeated --url values; unlike listFlag it does not split on commas
// (URLs may hold them).
type urlFlag []string

func (u *urlFlag) String() string { return strings.Join(*u, " ") }
func (u *urlFlag) Set(v string) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return errors.New("empty URL")
	}
	*u = append(*u, v)
	return nil
}

func runFrontierRequeue(ctx context.Context, e env, args []string) int {
	var urls urlFlag
	var all bool
	cfgPath, market, code, ok := frontierFlags(e, "requeue", args, func(fs *flag.FlagSet) {
		fs.Var(&urls, "url", "a dead-lettered URL, exactly as 'frontier dead' prints it (repeat the flag for more)")
		fs.BoolVar(&all, "all", false, "every dead letter of --market, or of every market without --market")
	})
	if !ok {
		return code
	}
	switch {
	case len(urls) == 0 && !all:
		fmt.Fprintln(e.stderr, "darkwatch frontier requeue: say which dead letters: --url U (repeatable) or --all (with --market M for one market)")
		return exitUsage
	case len(urls) > 0 && all:
		fmt.Fprintln(e.stderr, "darkwatch frontier requeue: --url and --all exclude each other")
		return exitUsage
	}
	fr, dl, _, code := openFrontierCmd(ctx, e, "requeue", cfgPath, market)
	if fr == nil {
		return code
	}
	defer fr.Close()
	var n int
	var err error
	if all {
		n, err = dl.RequeueAllDead(ctx, market)
	} else {
		n, err = dl.RequeueDead(ctx, market, urls)
	}
	if err != nil {
		// Requeued before the failure stay requeued (each step is atomic).
		fmt.Fprintf(e.stderr, "darkwatch frontier requeue: %v (%d requeued before the error)\n", err, n)
		return exitRuntime
	}
	where := "every market"
	if market != "" {
		where = "market " + market
	}
	fmt.Fprintf(e.stdout, "requeued %d dead letters (%s)\n", n, where)
	if !all {
		if u := len(slices.Compact(slices.Sorted(slices.Values(urls)))); n < u {
			fmt.Fprintf(e.stderr, "darkwatch frontier requeue: %d of the %d URLs were not dead letters (unknown, another market, or queued already); give them exactly as 'frontier dead' prints them\n", u-n, u)
		}
	}
	return exitOK
}
