// Command gen builds lexicon_gen.tsv, the machine-derived part of the substance lexicon, from
// the public lexicons in the shared data directory (TripSit drugs.json, DEA controlled-substance
// list via DOPE). It keeps drug names, chemical names, codes and brand names only: street slang
// is never copied wholesale (it over-matches); curated street names live in lexicon.tsv.
//
// Usage (from extract/substance): go generate  (or go run ./internal/gen -data DIR -out FILE)
package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/darkwatch/darkwatch/extract/substance"
)

func main() {
	data := flag.String("data", "", "shared data directory (default: $DARKWATCH_SHARED or ../../../shared/data)")
	out := flag.String("out", "lexicon_gen.tsv", "output file")
	cur := flag.String("curation", "curation.tsv", "drop/ctx/rename directives")
	flag.Parse()
	if *data == "" {
		*data = os.Getenv("DARKWATCH_SHARED")
	}
	if *data == "" {
		*data = "../../../shared/data"
	}
	c, err := readCuration(*cur)
	if err != nil {
		log.Fatal(err)
	}
	g := &gen{cur: c, entries: map[string]*entry{}}
	if err := g.tripsit(filepath.Join(*data, "lexicon-tripsit", "drugs.json")); err != nil {
		log.Fatal(err)
	}
	if err := g.dea(filepath.Join(*data, "lexicon-dope", "dea_controlled.csv")); err != nil {
		log.Fatal(err)
	}
	if err := g.write(*out); err != nil {
		log.Fatal(err)
	}
}

type curation struct {
	drop   map[string]bool   // term never matched
	ctx    map[string]bool   // term needs drug context
	rename map[string]string // source key -> canonical name
	skip   map[string]bool   // source key not a drug of interest
}

// readCuration reads lines "drop TERM", "ctx TERM", "rename KEY NAME", "skip KEY" (tab separated).
func readCuration(path string) (*curation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("curation: %w", err)
	}
	defer f.Close()
	c := &curation{drop: map[string]bool{}, ctx: map[string]bool{}, rename: map[string]string{}, skip: map[string]bool{}}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		switch {
		case p[0] == "drop" && len(p) >= 2:
			for _, t := range p[1:] {
				c.drop[strings.ToLower(strings.TrimSpace(t))] = true
			}
		case p[0] == "ctx" && len(p) >= 2:
			for _, t := range p[1:] {
				c.ctx[strings.ToLower(strings.TrimSpace(t))] = true
			}
		case p[0] == "skip" && len(p) >= 2:
			for _, t := range p[1:] {
				c.skip[strings.ToLower(strings.TrimSpace(t))] = true
			}
		case p[0] == "rename" && len(p) == 3:
			c.rename[p[1]] = p[2]
		default:
			return nil, fmt.Errorf("curation line %d: bad directive %q", n, line)
		}
	}
	return c, sc.Err()
}

type entry struct {
	name, class, family string
	terms, ctxTerms     map[string]bool
	sources             map[string]bool
}

type gen struct {
	cur     *curation
	entries map[string]*entry
}

func (g *gen) add(name, class, family, source string, terms ...string) {
	if n, ok := g.cur.rename[name]; ok {
		name = n
	}
	if c, ok := substance.LookupCanon(name); ok {
		class, family = c.Class, c.Family
	}
	e := g.entries[name]
	if e == nil {
		e = &entry{name: name, class: class, family: family, terms: map[string]bool{}, ctxTerms: map[string]bool{}, sources: map[string]bool{}}
		g.entries[name] = e
	}
	e.sources[source] = true
	for _, t := range terms {
		t = clean(t)
		if t == "" || g.cur.drop[t] || len([]rune(t)) < 3 && !hasDigit(t) {
			continue
		}
		if strings.ContainsAny(t, "[](),") && len(t) > 30 { // IUPAC names are never written in listings
			continue
		}
		if len(t) > 40 {
			continue
		}
		if g.cur.ctx[t] {
			e.ctxTerms[t] = true
		} else {
			e.terms[t] = true
		}
	}
}

func clean(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	t = strings.Trim(t, "®™*\"'")
	return strings.Join(strings.Fields(t), " ")
}

func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }

// classOf infers a class and NPS family from TripSit categories and the name.
func classOf(name string, cats []string) (string, string) {
	has := map[string]bool{}
	for _, c := range cats {
		has[c] = true
	}
	class := ""
	switch {
	case has["opioid"]:
		class = substance.ClassOpioid
	case has["benzodiazepine"]:
		class = substance.ClassBenzodiazepine
	case has["dissociative"]:
		class = substance.ClassDissociative
	case has["psychedelic"]:
		class = substance.ClassPsychedelic
	case has["empathogen"]:
		class = substance.ClassEmpathogen
	case has["stimulant"]:
		class = substance.ClassStimulant
	case has["depressant"], has["barbiturate"]:
		class = substance.ClassDepressant
	case has["deliriant"], has["nootropic"]:
		class = substance.ClassOther
	}
	if class == "" {
		return "", ""
	}
	return class, familyOf(name, class, has["research-chemical"])
}

var (
	reCannabinoid = regexp.MustCompile(`pinaca|pica|binaca|chminaca|fubinaca|jwh|am-?2201|ur-?144|xlr-?11|akb-?48|pb-?22|cumyl|mdmb|cp-?47`)
	reNitazene    = regexp.MustCompile(`nitazen|etazene`)
	reCathinone   = regexp.MustCompile(`cathinone|drone$|^\d-?[a-z]?m[ec]c$|mmc$|mec$|cmc$|fmc$|pvp|pvt|php|pbp|pihp|pentylone|butylone|ethylone|eutylone|methylone|hexen|mdpv|naphyrone|bk-`)
	rePhen        = regexp.MustCompile(`^2c-|^25.-nb|nbome|nboh|^do[a-z]{1,2}$|mescaline|escaline|^tma|^3c-|bromo-dragonfly|aleph`)
	reTrypt       = regexp.MustCompile(`dmt|det$|dipt|mipt|dpt|dalt|amt$|^5-meo|^4-ho|^4-aco|tryptamine|psilo|^met$|ept$|mpt$`)
	reAryl        = regexp.MustCompile(`pcp|pce|dck|ketamine|mxe|methoxetamine|pcpy|pcmo|ethketamine|tiletamine`)
	reFentanyl    = regexp.MustCompile(`fentan|fentanil`)
)

func familyOf(name, class string, rc bool) string {
	switch {
	case reFentanyl.MatchString(name):
		return substance.FamilyFentanyl
	case reNitazene.MatchString(name):
		return substance.FamilyNitazene
	case reCannabinoid.MatchString(name):
		return substance.FamilyCannabinoid
	}
	if !rc {
		return ""
	}
	switch {
	case class == substance.ClassBenzodiazepine:
		return substance.FamilyBenzo
	case reCathinone.MatchString(name) && (class == substance.ClassStimulant || class == substance.ClassEmpathogen):
		return substance.FamilyCathinone
	case rePhen.MatchString(name):
		return substance.FamilyPhenethylamine
	case reTrypt.MatchString(name):
		return substance.FamilyTryptamine
	case reAryl.MatchString(name):
		return substance.FamilyArylcyclohex
	}
	return substance.FamilyOtherNPS
}

func (g *gen) tripsit(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("tripsit: %w", err)
	}
	var drugs map[string]struct {
		Name       string   `json:"name"`
		Pretty     string   `json:"pretty_name"`
		Aliases    []string `json:"aliases"`
		Categories []string `json:"categories"`
	}
	if err := json.Unmarshal(b, &drugs); err != nil {
		return fmt.Errorf("tripsit %s: %w", path, err)
	}
	keys := make([]string, 0, len(drugs))
	for k := range drugs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d := drugs[k]
		if g.cur.skip[k] {
			continue
		}
		class, family := classOf(k, d.Categories)
		name := k
		if n, ok := g.cur.rename[k]; ok {
			name = n
		}
		if c, ok := substance.LookupCanon(name); ok {
			class, family = c.Class, c.Family
		}
		if class == "" {
			continue
		}
		terms := append([]string{k, d.Pretty}, d.Aliases...)
		g.add(name, class, family, "TripSit drugs.json", terms...)
	}
	return nil
}

var reParen = regexp.MustCompile(`\(([^()]{2,20})\)`)

// dea adds the NPS of the DEA controlled-substance list (fentanyl analogues, nitazenes,
// synthetic cannabinoids, cathinones, phenethylamines, tryptamines): the head name and any short
// code in parentheses.
func (g *gen) dea(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("dea: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	if _, err := r.Read(); err != nil {
		return fmt.Errorf("dea header: %w", err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("dea: %w", err)
		}
		subst, syn := rec[0], rec[4]
		low := strings.ToLower(subst)
		var class, family string
		switch {
		case reFentanyl.MatchString(low):
			class, family = substance.ClassOpioid, substance.FamilyFentanyl
		case reNitazene.MatchString(low):
			class, family = substance.ClassOpioid, substance.FamilyNitazene
		case reCannabinoid.MatchString(low) || strings.Contains(low, "indole") || strings.Contains(low, "indazole"):
			class, family = substance.ClassCannabis, substance.FamilyCannabinoid
		case strings.Contains(low, "cathinone") || strings.Contains(low, "pyrrolidino") && strings.Contains(low, "phen"):
			class, family = substance.ClassStimulant, substance.FamilyCathinone
		default:
			continue
		}
		var raw []string
		head := strings.TrimSpace(reParen.ReplaceAllString(subst, ""))
		raw = append(raw, head)
		for _, m := range reParen.FindAllStringSubmatch(subst+" "+syn, -1) {
			raw = append(raw, m[1])
		}
		if len(syn) <= 25 && !strings.ContainsAny(syn, "[]") {
			raw = append(raw, syn)
		}
		// chemical fragments ("1-adamantyl", "1r,3s") are not names
		var terms []string
		for _, t := range raw {
			c := strings.TrimPrefix(clean(t), "also known as ")
			if c == "" || strings.HasSuffix(c, "amino") || strings.HasSuffix(c, "oxy") || len(c) < 5 && !hasDigit(c) || strings.Contains(c, ",") || strings.HasSuffix(c, "yl") || len(c) > 30 {
				continue
			}
			terms = append(terms, c)
		}
		if len(terms) == 0 {
			continue
		}
		name := terms[0]
		for _, t := range terms {
			if hasDigit(t) && len(t) <= 15 {
				name = t // prefer the short code ("4-MEC")
				break
			}
		}
		if n, ok := g.cur.rename[name]; ok {
			name = n
		}
		if e, ok := g.byTerm(terms); ok {
			name = e
		}
		g.add(name, class, family, "DEA controlled substances list (DOPE dea_controlled.csv)", terms...)
	}
	return nil
}

// byTerm finds an existing entry sharing a term, so a DEA row joins its TripSit entry.
func (g *gen) byTerm(terms []string) (string, bool) {
	for _, t := range terms {
		t = clean(t)
		if e, ok := g.entries[t]; ok {
			return e.name, true
		}
		for _, e := range g.entries {
			if e.terms[t] || e.ctxTerms[t] {
				return e.name, true
			}
		}
	}
	return "", false
}

func (g *gen) write(path string) error {
	names := make([]string, 0, len(g.entries))
	for n := range g.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# Code generated by internal/gen from lexicon-tripsit and lexicon-dope; DO NOT EDIT.\n")
	b.WriteString("# name\tclass\tfamily\tflags\tterms\tsource\n")
	for _, n := range names {
		e := g.entries[n]
		srcs := keys(e.sources)
		if len(e.terms) > 0 {
			fmt.Fprintf(&b, "%s\t%s\t%s\t-\t%s\t%s\n", e.name, e.class, e.family, strings.Join(keys(e.terms), "|"), strings.Join(srcs, "; "))
		}
		if len(e.ctxTerms) > 0 {
			fmt.Fprintf(&b, "%s\t%s\t%s\tctx\t%s\t%s\n", e.name, e.class, e.family, strings.Join(keys(e.ctxTerms), "|"), strings.Join(srcs, "; "))
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
