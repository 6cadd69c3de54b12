package substance

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
)

//go:generate go run ./internal/gen -data ../../../shared/data -out lexicon_gen.tsv -curation curation.tsv

// lexicon.tsv is the curated lexicon (street names, Cyrillic names, NPS missing from the public
// lists, each with its source); it wins over lexicon_gen.tsv, which internal/gen derives from
// TripSit and the DEA list. signals.tsv holds the non-substance words of the offer rules.
var (
	//go:embed lexicon.tsv
	lexiconCurated string
	//go:embed lexicon_gen.tsv
	lexiconGenerated string
	//go:embed signals.tsv
	signalsTSV string
)

// term flags
const (
	flagCtx    = 1 << iota // counts only with drug context
	flagPrefix             // matches the start of a word (Cyrillic stems: "мефедрон" in "мефедрона")
	flagPill               // pill name often counterfeited with fentanyl ("m30", "blues")
	flagUmb                // umbrella word ("benzos", "nitazene", "fentanyl analogue"): reported only when nothing specific is
)

// pattern kinds
const (
	kindSubstance     = iota
	kindUnit          // quantity unit after a number: g, mg, oz, pills, г, шт
	kindContext       // drug-context word: pressed, strain, grams, purity
	kindNonOffer      // guide, ebook, test kit, fraud, documents: a mention, not an offer
	kindParaphernalia // pipe, bong, scale: a non-offer unless a drug quantity is offered
	kindNonDrugCat    // category words of non-drug sections (category field only)
	kindDrugCat       // category words of drug sections (category field only)
	kindCounterfeit   // pressed, counterfeit, fake: with a pill name, implies fentanyl
	kindFraud         // accounts, cards, logins: a non-offer unless a named drug and a quantity are offered
	kindDose          // dose unit after a number: mg, ug, mcg
	kindCount         // generic count unit after a number: pcs, pieces
	kindTest          // test kits and reagents: a non-offer unless a named drug and a quantity are offered
	kindMass          // mass unit after a number: g, oz, lb, kg, г (a quantity; "10g" of an unnamed product)
	kindStreetQty     // street quantity without a number: eight ball, teener, half oz, quarter pound, QP
	kindNonWeighed    // weighed goods that are not drugs (ammunition, jewellery, phones): no weighed-product rule
	kindPillUnit      // dosage-form count after a number: pills, tabs, blotters, caps
	kindDisclaimer    // "kit only", "no drugs included": confirms a paraphernalia/test/guide listing sells no drug
	kindCatClass      // a class word of a category path ("Opioids", "Psychedelika", "Стимуляторы"); pattern.canon is the class index
	kindEdible        // an edible form ("gummies", "chocolate bar"): with a dose and no name, a cannabis edible
	kindBlotter       // a blotter form ("print", "sheets", "gel tabs"): with no name, an LSD-like psychedelic
	kindInject        // an injectable form ("vial", "ampoules"): with a dose and no name, a steroid
	kindTimes         // "x" after a number ("10 x", "100x"): a count of units
)

var kindNames = map[string]int{
	"unit": kindUnit, "context": kindContext, "nonoffer": kindNonOffer,
	"paraphernalia": kindParaphernalia, "nondrugcat": kindNonDrugCat, "drugcat": kindDrugCat,
	"counterfeit": kindCounterfeit, "fraud": kindFraud, "dose": kindDose, "count": kindCount, "test": kindTest,
	"mass": kindMass, "streetqty": kindStreetQty, "nonweighed": kindNonWeighed, "pillunit": kindPillUnit,
	"disclaimer": kindDisclaimer, "catclass": kindCatClass, "edible": kindEdible, "blotter": kindBlotter,
	"inject": kindInject, "times": kindTimes,
}

// classOrder indexes the classes for kindCatClass patterns.
var classOrder = []string{ClassOpioid, ClassStimulant, ClassEmpathogen, ClassPsychedelic, ClassDissociative,
	ClassCannabis, ClassBenzodiazepine, ClassDepressant, ClassSteroid, ClassOther}

// lexRow is one parsed lexicon line.
type lexRow struct {
	canon  Canon
	flags  uint8
	terms  []string
	source string
}

func parseLexicon(name, data string) ([]lexRow, error) {
	var rows []lexRow
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		if len(p) != 6 {
			return nil, fmt.Errorf("%s:%d: want 6 tab-separated fields, got %d", name, n, len(p))
		}
		r := lexRow{canon: Canon{Name: p[0], Class: p[1], Family: p[2]}, source: p[5]}
		if !validClass[r.canon.Class] {
			return nil, fmt.Errorf("%s:%d: unknown class %q", name, n, r.canon.Class)
		}
		if r.canon.Family != "" && !validFamily[r.canon.Family] {
			return nil, fmt.Errorf("%s:%d: unknown family %q", name, n, r.canon.Family)
		}
		if strings.TrimSpace(r.source) == "" {
			return nil, fmt.Errorf("%s:%d: entry %q has no source", name, n, r.canon.Name)
		}
		for _, f := range strings.Split(p[3], ",") {
			switch f {
			case "-", "":
			case "ctx":
				r.flags |= flagCtx
			case "prefix":
				r.flags |= flagPrefix
			case "pill":
				r.flags |= flagPill
			case "umb":
				r.flags |= flagUmb
			default:
				return nil, fmt.Errorf("%s:%d: unknown flag %q", name, n, f)
			}
		}
		for _, t := range strings.Split(p[4], "|") {
			if t = strings.TrimSpace(t); t != "" {
				r.terms = append(r.terms, t)
			}
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}

var validClass = map[string]bool{
	ClassOpioid: true, ClassStimulant: true, ClassEmpathogen: true, ClassPsychedelic: true,
	ClassDissociative: true, ClassCannabis: true, ClassBenzodiazepine: true, ClassDepressant: true,
	ClassSteroid: true, ClassOther: true,
}

var validFamily = map[string]bool{
	FamilyFentanyl: true, FamilyNitazene: true, FamilyCathinone: true, FamilyCannabinoid: true,
	FamilyBenzo: true, FamilyPhenethylamine: true, FamilyTryptamine: true, FamilyArylcyclohex: true,
	FamilyOtherNPS: true,
}

type signalRow struct {
	kind  int
	class int // kindCatClass: index in classOrder
	terms []string
}

func parseSignals(data string) ([]signalRow, error) {
	var rows []signalRow
	sc := bufio.NewScanner(strings.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		kind, class, _ := strings.Cut(p[0], ":") // "catclass:opioid"
		k, ok := kindNames[kind]
		if !ok || len(p) < 2 || (k == kindCatClass) != (class != "") {
			return nil, fmt.Errorf("signals.tsv:%d: bad line %q", n, line)
		}
		ci := -1
		if k == kindCatClass {
			for i, c := range classOrder {
				if c == class {
					ci = i
				}
			}
			if ci < 0 {
				return nil, fmt.Errorf("signals.tsv:%d: unknown class %q", n, class)
			}
		}
		var terms []string
		for _, t := range strings.Split(p[1], "|") {
			if t = strings.TrimSpace(t); t != "" {
				terms = append(terms, t)
			}
		}
		rows = append(rows, signalRow{kind: k, class: ci, terms: terms})
	}
	return rows, sc.Err()
}

// variants returns the normalised spellings of a term: as written, with separators removed
// ("4 mmc" -> "4mmc") and, for up to 3 separators, every mix of the two ("mdmb 4en pinaca",
// "mdmb4en pinaca", ...).
func variants(term string) []string {
	n := normTerm(term)
	if n == "" {
		return nil
	}
	parts := strings.Split(n, " ")
	if len(parts) == 1 {
		return []string{n}
	}
	if len(parts) > 4 {
		return []string{n, strings.Join(parts, "")}
	}
	var out []string
	k := len(parts) - 1
	for mask := 0; mask < 1<<k; mask++ {
		var b strings.Builder
		b.WriteString(parts[0])
		for i := 1; i < len(parts); i++ {
			if mask&(1<<(i-1)) != 0 {
				b.WriteByte(' ')
			}
			b.WriteString(parts[i])
		}
		out = append(out, b.String())
	}
	return out
}
