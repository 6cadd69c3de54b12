package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/darkwatch/darkwatch/extract/substance"
)

func init() {
	register(command{name: "tag", summary: "tag substances in text lines from stdin", run: runTag})
}

type tagSubstance struct {
	Name       string  `json:"name"`
	Class      string  `json:"class"`
	Family     string  `json:"family,omitempty"`
	Term       string  `json:"term"`
	Confidence float64 `json:"confidence,omitempty"`
}

type tagLine struct {
	DrugOffer  bool           `json:"drug_offer"`
	Substances []tagSubstance `json:"substances"`
}

// runTag reads lines from stdin and prints, per line, the substances found and whether the
// line offers drugs: JSON with --json, else a readable line.
func runTag(ctx context.Context, e env) int {
	fs := flag.NewFlagSet("tag", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per input line")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "Usage: darkwatch tag [--json] < lines")
		fs.PrintDefaults()
	}
	if err := fs.Parse(e.args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(e.stderr, "darkwatch tag: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	t := substance.Default()
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	w := bufio.NewWriter(e.stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	for sc.Scan() {
		if ctx.Err() != nil {
			fmt.Fprintf(e.stderr, "darkwatch tag: %v\n", ctx.Err())
			return exitRuntime
		}
		r := t.Tag(sc.Text())
		out := tagLine{DrugOffer: r.DrugOffer, Substances: make([]tagSubstance, 0, len(r.Substances))}
		for _, m := range r.Substances {
			out.Substances = append(out.Substances, tagSubstance{Name: m.Name, Class: m.Class, Family: m.Family, Term: m.Term, Confidence: m.Confidence})
		}
		if *asJSON {
			if err := enc.Encode(out); err != nil {
				fmt.Fprintf(e.stderr, "darkwatch tag: write: %v\n", err)
				return exitRuntime
			}
			continue
		}
		var parts []string
		for _, s := range out.Substances {
			p := s.Name + " (" + s.Class
			if s.Family != "" {
				p += ", " + s.Family
			}
			parts = append(parts, p+`; "`+s.Term+`")`)
		}
		verdict := "mention"
		if out.DrugOffer {
			verdict = "offer"
		}
		if len(parts) == 0 {
			parts = []string{"-"}
		}
		fmt.Fprintf(w, "%s\t%s\n", verdict, strings.Join(parts, ", "))
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(e.stderr, "darkwatch tag: read stdin: %v\n", err)
		return exitRuntime
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(e.stderr, "darkwatch tag: write: %v\n", err)
		return exitRuntime
	}
	return exitOK
}
