package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/darkwatch/darkwatch/extract"
)

func init() {
	register(command{name: "extract", summary: "extract records from one saved page (no crawl)", run: runExtract})
}

// runExtract implements `darkwatch extract [--profile P|auto] [--url U] [--market M] [--json] FILE`.
func runExtract(_ context.Context, e env) int {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	profile := fs.String("profile", "auto", "profile name, auto (detect) or generic")
	pageURL := fs.String("url", "", "URL the page was fetched from (for keys and links)")
	market := fs.String("market", "", "market name (default: profile name or URL host)")
	asJSON := fs.Bool("json", false, "one JSON object per record")
	contentType := fs.String("content-type", "", "Content-Type header of the page, for its charset")
	if err := fs.Parse(e.args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "usage: darkwatch extract [--profile P|auto] [--url U] [--market M] [--json] FILE")
		return exitUsage
	}
	var (
		raw []byte
		err error
	)
	if fs.Arg(0) == "-" {
		raw, err = io.ReadAll(io.LimitReader(e.stdin, extract.MaxBodySize+1))
	} else {
		raw, err = readFileLimited(fs.Arg(0), extract.MaxBodySize+1)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "darkwatch extract: %v\n", err)
		return exitRuntime
	}
	body, err := extract.DecodeBody(raw, *contentType)
	if err != nil {
		fmt.Fprintf(e.stderr, "darkwatch extract: %v\n", err)
		return exitRuntime
	}
	x, err := extract.New(extract.Options{})
	if err != nil {
		fmt.Fprintf(e.stderr, "darkwatch extract: %v\n", err)
		return exitRuntime
	}
	if *profile != "auto" && *profile != "" && *profile != "generic" && !contains(x.Profiles(), *profile) {
		fmt.Fprintf(e.stderr, "darkwatch extract: unknown profile %q (have: %s, auto, generic)\n", *profile, strings.Join(x.Profiles(), ", "))
		return exitUsage
	}
	res, err := x.Extract(extract.Page{URL: *pageURL, Market: *market, Body: body}, *profile)
	if err != nil {
		fmt.Fprintf(e.stderr, "darkwatch extract: %v\n", err)
		return exitRuntime
	}
	if *asJSON {
		return printExtractJSON(e.stdout, e.stderr, res)
	}
	printExtractSummary(e.stdout, res)
	return exitOK
}

func readFileLimited(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// withKind marshals v and prepends "kind" to its JSON object.
func withKind(kind string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	k, _ := json.Marshal(kind)
	if len(b) <= 2 {
		return []byte(`{"kind":` + string(k) + `}`), nil
	}
	return append([]byte(`{"kind":`+string(k)+`,`), b[1:]...), nil
}

func printExtractJSON(w, errw io.Writer, res extract.Result) int {
	emit := func(kind string, v any) bool {
		b, err := withKind(kind, v)
		if err != nil {
			fmt.Fprintf(errw, "darkwatch extract: %v\n", err)
			return false
		}
		fmt.Fprintf(w, "%s\n", b)
		return true
	}
	switch res.Kind {
	case extract.KindInterstitial:
		if res.Interstitial != nil && !emit(extract.KindInterstitial, res.Interstitial) {
			return exitRuntime
		}
		return exitOK
	case extract.KindNotFound:
		if !emit(extract.KindNotFound, struct{}{}) {
			return exitRuntime
		}
		return exitOK
	}
	for _, l := range res.Listings {
		if !emit(extract.KindListing, l) {
			return exitRuntime
		}
	}
	for _, v := range res.Vendors {
		if !emit(extract.KindVendor, v) {
			return exitRuntime
		}
	}
	return exitOK
}

func printExtractSummary(w io.Writer, res extract.Result) {
	prof := res.Profile
	if prof == "" {
		prof = "generic"
	}
	fmt.Fprintf(w, "page: %s (profile %s), %d listings, %d vendors, %d links\n", res.Kind, prof, len(res.Listings), len(res.Vendors), len(res.Links))
	if res.Interstitial != nil {
		fmt.Fprintf(w, "interstitial: %s\n", res.Interstitial.Type)
	}
	for _, l := range res.Listings {
		fmt.Fprintf(w, "\nlisting %s\n  title:    %s\n", l.ID, l.Title)
		if l.Price.Currency != "" {
			fmt.Fprintf(w, "  price:    %g %s (%.2f USD)\n", l.Price.Amount, l.Price.Currency, l.Price.USD)
		}
		if l.Vendor != "" {
			fmt.Fprintf(w, "  vendor:   %s\n", l.Vendor)
		}
		if l.Category != "" {
			fmt.Fprintf(w, "  category: %s\n", l.Category)
		}
		if l.ShipsFromRaw != "" || l.ShipsToRaw != "" {
			fmt.Fprintf(w, "  ships:    %s %v -> %s %v\n", l.ShipsFromRaw, l.ShipsFrom, l.ShipsToRaw, l.ShipsTo)
		}
		for _, s := range l.Substances {
			fmt.Fprintf(w, "  substance: %s (%s)\n", s.Name, s.Class)
		}
		fmt.Fprintf(w, "  drug offer: %v\n", l.DrugOffer)
		for _, is := range l.Issues {
			fmt.Fprintf(w, "  issue:    %s: %s\n", is.Field, is.Reason)
		}
	}
	for _, v := range res.Vendors {
		fmt.Fprintf(w, "\nvendor %s\n  handle: %s\n", v.ID, v.Handle)
		for _, fp := range v.PGP {
			fmt.Fprintf(w, "  pgp:    %s\n", fp)
		}
		for _, en := range v.Entities {
			fmt.Fprintf(w, "  %s: %s\n", en.Kind, en.Value)
		}
		for _, is := range v.Issues {
			fmt.Fprintf(w, "  issue:  %s: %s\n", is.Field, is.Reason)
		}
	}
	for _, is := range res.Issues {
		fmt.Fprintf(w, "issue: %s: %s\n", is.Field, is.Reason)
	}
}
