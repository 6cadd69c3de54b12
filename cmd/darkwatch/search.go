package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/index"
)

func init() {
	register(command{name: "search", summary: "search indexed listings: search [filters] [QUERY]", run: runSearch})
}

// listFlag collects repeated and comma-separated values: --substance a,b --substance c.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// triBool is an optional boolean flag: unset, --drug-offer, --drug-offer=false.
type triBool struct{ v *bool }

func (t *triBool) String() string {
	if t == nil || t.v == nil {
		return ""
	}
	return strconv.FormatBool(*t.v)
}
func (t *triBool) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	t.v = &b
	return nil
}
func (t *triBool) IsBoolFlag() bool { return true }

// optFloat is an optional number flag.
type optFloat struct{ v *float64 }

func (o *optFloat) String() string {
	if o == nil || o.v == nil {
		return ""
	}
	return strconv.FormatFloat(*o.v, 'f', -1, 64)
}
func (o *optFloat) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	o.v = &f
	return nil
}

// parseInterleaved parses flags that may come before or after the query words.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return words, nil
		}
		if args[0] == "--" { // unreachable: Parse consumes "--"; kept for clarity
			return append(words, args[1:]...), nil
		}
		words = append(words, args[0])
		args = args[1:]
	}
}

func runSearch(ctx context.Context, e env) int {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var (
		cfgPath                                                                           = fs.String("config", "", "config file (default: embedded index under ./darkwatch-data)")
		asJSON                                                                            = fs.Bool("json", false, "print one JSON object per line")
		limit                                                                             = fs.Int("limit", 50, "maximum listings to print (0: all)")
		from                                                                              = fs.Int("from", 0, "skip this many listings (paging)")
		sortBy                                                                            = fs.String("sort", "", "relevance | price | -price | unit_price | first_seen | -last_seen | id (default: relevance with a query, else -last_seen)")
		since, until, firstSince                                                          string
		substance, class, family, vendor, actor, market, shipsFrom, shipsTo, entity, aggs listFlag
		drug                                                                              triBool
		minUSD, maxUSD, minUnit, maxUnit                                                  optFloat
	)
	fs.Var(&substance, "substance", "canonical substance name (repeat or comma-separate for OR)")
	fs.Var(&class, "class", "substance class: opioid, stimulant, ...")
	fs.Var(&family, "family", "NPS family: nitazene, fentanyl-analogue, ...")
	fs.Var(&vendor, "vendor", "vendor id (market/handle) or handle")
	fs.Var(&actor, "actor", "actor id (same operator across markets)")
	fs.Var(&market, "market", "market name")
	fs.Var(&shipsFrom, "ships-from", "origin country (ISO 3166 alpha-2, WW)")
	fs.Var(&shipsTo, "ships-to", "destination country (ISO 3166 alpha-2, WW)")
	fs.Var(&entity, "entity", "PGP fingerprint, crypto address or contact (listing's or its vendor's)")
	fs.Var(&drug, "drug-offer", "only drug offers (--drug-offer=false: only non-drug listings)")
	fs.StringVar(&since, "since", "", "last seen since: 7d, 36h, 2026-01-10 or RFC 3339")
	fs.StringVar(&until, "until", "", "last seen until (same forms as --since)")
	fs.StringVar(&firstSince, "first-seen-since", "", "first seen since (same forms as --since)")
	fs.Var(&minUSD, "min-usd", "minimum headline price in USD")
	fs.Var(&maxUSD, "max-usd", "maximum headline price in USD")
	fs.Var(&minUnit, "min-unit-usd", "minimum USD per gram or per unit")
	fs.Var(&maxUnit, "max-unit-usd", "maximum USD per gram or per unit")
	fs.Var(&aggs, "agg", "count by: substance, class, family, market, vendor, ships_from, ships_to")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: darkwatch search [-config F] [--json] [--limit N] [filters] [QUERY]")
		fs.PrintDefaults()
	}
	words, err := parseInterleaved(fs, e.args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *limit < 0 || *from < 0 {
		fmt.Fprintln(e.stderr, "darkwatch search: --limit and --from must be >= 0")
		return exitUsage
	}
	now := time.Now()
	q := index.Query{
		Text: strings.Join(words, " "), Substance: substance, Class: class, Family: family,
		Vendor: vendor, Actor: actor, Market: market, ShipsFrom: shipsFrom, ShipsTo: shipsTo,
		Entity: entity, DrugOffer: drug.v, MinUSD: minUSD.v, MaxUSD: maxUSD.v,
		MinUnitUSD: minUnit.v, MaxUnitUSD: maxUnit.v, Sort: *sortBy, From: *from, Size: *limit, Aggs: aggs,
	}
	for _, tf := range []struct {
		s   string
		dst *time.Time
	}{{since, &q.SeenSince}, {until, &q.SeenUntil}, {firstSince, &q.FirstSeenSince}} {
		if *tf.dst, err = index.ParseTime(tf.s, now); err != nil {
			fmt.Fprintln(e.stderr, "darkwatch search:", err)
			return exitUsage
		}
	}
	if _, _, err := index.Normalize(q); err != nil {
		fmt.Fprintln(e.stderr, "darkwatch search:", err)
		return exitUsage
	}
	cfg, code := loadConfig(*cfgPath, e.stderr)
	if cfg == nil {
		return code
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch search:", err)
		return exitRuntime
	}
	defer st.Close()
	res, err := st.Search(ctx, q)
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch search:", err)
		if errors.Is(err, index.ErrBadQuery) {
			return exitUsage
		}
		return exitRuntime
	}
	if *asJSON {
		err = printSearchJSON(e.stdout, res, q.Aggs)
	} else {
		err = printSearchTable(e.stdout, res, q)
	}
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch search:", err)
		return exitRuntime
	}
	return exitOK
}

// printSearchJSON prints one listing per line, then, when aggregations were asked for,
// one {"kind":"aggregations",...} line.
func printSearchJSON(w io.Writer, res index.Result, aggs []string) error {
	enc := json.NewEncoder(w)
	for _, l := range res.Listings {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	if len(aggs) > 0 {
		return enc.Encode(struct {
			Kind  string                    `json:"kind"`
			Total int                       `json:"total"`
			Aggs  map[string][]index.Bucket `json:"aggs"`
		}{"aggregations", res.Total, res.Aggs})
	}
	return nil
}

func printSearchTable(w io.Writer, res index.Result, q index.Query) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tMARKET\tVENDOR\tUSD\tUSD/UNIT\tSUBSTANCES\tFROM\tLAST SEEN\tTITLE")
	for _, l := range res.Listings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, l.Market, dash(l.Vendor),
			money(l.Price.USD), money(l.UnitPriceUSD), dash(substanceNames(l.Substances)),
			dash(strings.Join(l.ShipsFrom, ",")), l.LastSeen.UTC().Format("2006-01-02 15:04"), clip(l.Title, 60))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d of %d listings\n", len(res.Listings), res.Total)
	for _, a := range q.Aggs {
		parts := make([]string, 0, len(res.Aggs[a]))
		for _, b := range res.Aggs[a] {
			parts = append(parts, fmt.Sprintf("%s %d", b.Key, b.Count))
		}
		fmt.Fprintf(w, "%s: %s\n", a, dash(strings.Join(parts, ", ")))
	}
	return nil
}

func substanceNames(ss []extract.Substance) string {
	var names []string
	for _, s := range ss {
		names = append(names, s.Name)
	}
	return strings.Join(index.Uniq(names), ",")
}

func money(v float64) string {
	if v == 0 {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
