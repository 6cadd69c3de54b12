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
	Where      string  `json:"where,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
}

type tagLine struct {
	DrugOffer     bool           `json:"drug_offer"`
	Substances    []tagSubstance `json:"substances"`
	CategoryClass string         `json:"category_class,omitempty"`
}

// tagInput is one JSON input line: a listing's fields, tagged as the extractor tags them.
type tagInput struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Category    string `json:"category"`
}

// readTagInput reads one input line: a JSON object ({"title", "description", "category"}) is
// a listing (substance.Tagger.TagFields, where = title/description/category/context), any
// other line is free text (Tagger.Tag). A line that starts with "{" but is not such an
// object is an error naming the line.
func readTagInput(t *substance.Tagger, line string, n int) (substance.Result, error) {
	if !strings.HasPrefix(strings.TrimSpace(line), "{") {
		return t.Tag(line), nil
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	var in tagInput
	if err := dec.Decode(&in); err != nil {
		return substance.Result{}, fmt.Errorf("line %d: not a JSON listing {\"title\", \"description\", \"category\"}: %v", n, err)
	}
	if dec.More() {
		return substance.Result{}, fmt.Errorf("line %d: more than one JSON value", n)
	}
	return t.TagFields(substance.Fields{Title: in.Title, Description: in.Description, Category: in.Category}), nil
}

// runTag reads lines from stdin and prints, per line, the substances found and whether the
// line offers drugs: JSON with --json, else a readable line. A line may be plain text or a
// JSON listing with title, description and category (the same decision as a crawl).
func runTag(ctx context.Context, e env) int {
	fs := flag.NewFlagSet("tag", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per input line")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "Usage: darkwatch tag [--json] < lines")
		fmt.Fprintln(e.stderr, `Each line is free text, or a JSON listing: {"title": "...", "description": "...", "category": "Drugs > Benzos"}`)
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
	for n := 1; sc.Scan(); n++ {
		if ctx.Err() != nil {
			fmt.Fprintf(e.stderr, "darkwatch tag: %v\n", ctx.Err())
			return exitRuntime
		}
		r, err := readTagInput(t, sc.Text(), n)
		if err != nil {
			fmt.Fprintf(e.stderr, "darkwatch tag: %v\n", err)
			return exitUsage
		}
		out := tagLine{DrugOffer: r.DrugOffer, Substances: make([]tagSubstance, 0, len(r.Substances)), CategoryClass: r.CategoryClass}
		for _, m := range r.Substances {
			out.Substances = append(out.Substances, tagSubstance{Name: m.Name, Class: m.Class, Family: m.Family, Term: m.Term, Where: m.Where, Confidence: m.Confidence})
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
			if s.Where != "" {
				p += "; " + s.Where
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
