package substance

import (
	"strconv"
	"strings"
)

// Context in the class decision (docs/extraction.md, "Context: category and dose form").
//
// A listing page shows the market's own category path ("Drugs > Benzos > Pills",
// "Drogen > Psychedelika", "Наркотики > Стимуляторы"), and a title that names no substance
// still shows its dose form: "250ug x 10 hits" is an LSD-like blotter, "Gummy bears 250mg" a
// cannabis edible, "Test 250mg/ml 10ml vial" an injectable steroid. The rules, in order:
//
//  1. a substance named in the title or description is what the listing offers, whatever the
//     category says (a named substance wins over a category);
//  2. an ambiguous street word (lexicon flag ctx) of another class than a clear category yields
//     to the category: "Bars 500mg" under "Cannabis > Edibles" is a chocolate bar;
//  3. a clear category (its deepest segment with a class word or a substance name) names the
//     class when title and description name nothing: a class-only substance with where
//     "category" (name: the class's generic name, ClassName);
//  4. failing that, the dose form in the title of an unnamed offer (form.class): a class-only
//     substance with where "context" (offsets in the title).
//
// Class-only substances carry a low confidence (catConfidence, contextConfidence) and a
// generic name (Generic reports them), so a search by substance name never returns them and
// the untagged-offers view lists them.

const (
	whereContext      = "context"
	catConfidence     = 0.5
	contextConfidence = 0.35
)

// classNames is the generic name of each class: the substance a class-only match reports.
var classNames = map[string]string{
	ClassOpioid: "opioid", ClassStimulant: "stimulant", ClassEmpathogen: "empathogen",
	ClassPsychedelic: "psychedelic", ClassDissociative: "dissociative", ClassCannabis: "cannabis",
	ClassBenzodiazepine: "benzodiazepine", ClassDepressant: "depressant", ClassSteroid: "anabolic steroid",
	ClassOther: "prescription drug",
}

// ClassName returns the generic substance name of a class ("" for an unknown class).
func ClassName(class string) string { return classNames[class] }

// form holds the dose forms and units one field shows, with the first span (original byte
// offsets) of a quantity and of a form word as evidence.
type form struct {
	ug, mcg, iu, ml, seeds, imperial, times bool
	edible, blotter, inject                 bool
	mgMax                                   float64 // the largest dose in mg
	qtyS, qtyE, wordS, wordE                int     // spans; qtyE == 0 / wordE == 0: none
}

// unit records a unit found right after a number. u is the normalised unit, text the original
// field, [off, end) the unit's span in it.
func (f *form) unit(kind uint8, u []byte, text string, off, end int) {
	n, numStart := numberBefore(text, off)
	known := true
	switch kind {
	case kindTimes:
		f.times = true
		known = false
	case kindDose:
		switch string(u) {
		case "ug", "microgram", "micrograms", "мкг":
			f.ug = true
		case "mcg", "mcgs":
			f.mcg = true
		case "iu":
			f.iu = true
		default: // mg
			f.mgMax = max(f.mgMax, n)
		}
	case kindMass:
		switch string(u) {
		case "oz", "ozs", "ounce", "ounces", "ounze", "lb", "lbs", "pound", "pounds":
			f.imperial = true
		default:
			known = false
		}
	case kindUnit:
		switch string(u) {
		case "qp", "hp":
			f.imperial = true
		case "seed", "seeds":
			f.seeds = true
		case "ml", "мл":
			f.ml = true
		default:
			known = false
		}
	default:
		known = false
	}
	if known && f.qtyE == 0 && numStart >= 0 && end > numStart {
		f.qtyS, f.qtyE = numStart, end
	}
}

// word records a form word (kindEdible, kindBlotter, kindInject) at [s, e).
func (f *form) word(kind uint8, s, e int) {
	switch kind {
	case kindEdible:
		f.edible = true
	case kindBlotter:
		f.blotter = true
	case kindInject:
		f.inject = true
	}
	if f.wordE == 0 && e > s {
		f.wordS, f.wordE = s, e
	}
}

// numberBefore reads the number that ends right before off in text ("250" in "250ug",
// "0.5" in "0.5 mg", "190" in "180-190mg"); -1 start when there is none.
func numberBefore(text string, off int) (float64, int) {
	i := min(off, len(text))
	for i > 0 && text[i-1] == ' ' {
		i--
	}
	end := i
	for i > 0 && (isDigitByte(text[i-1]) || text[i-1] == '.' || text[i-1] == ',') && end-i < 12 {
		i--
	}
	for i < end && (text[i] == '.' || text[i] == ',') {
		i++
	}
	if i == end {
		return 0, -1
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(text[i:end], ",", "."), 64)
	if err != nil {
		return 0, i
	}
	return v, i
}

// imperialStreetQty reports a street quantity counted in ounces or pounds ("QP", "half oz",
// "quarter pound"): the way cannabis flower is sold (DEA slang 2018).
func imperialStreetQty(term []byte) bool {
	t := string(term)
	for _, w := range []string{"oz", "ounce", "pound", "lb", "qp", "zip", "half o", "quarter o", "half p", "q p"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// catEvidence is the class a category path gives: its deepest class word or substance.
type catEvidence struct {
	class      string
	start, end int // original byte offsets of the term in the category
	pos        int // normalised offset, to keep the deepest
}

func (c *catEvidence) add(class string, pos int, nt *normText, ns, ne int) {
	if class == "" || c.class != "" && pos < c.pos {
		return
	}
	c.class, c.pos = class, pos
	c.start, c.end = int(nt.off[ns]), max(int(nt.off[ne]), int(nt.off[ns]))
}

// classOnly is the match of a class named by context, not by a substance.
func (t *Tagger) classOnly(class, where, term string, start, end int, conf float64) Match {
	return Match{Name: classNames[class], Class: class, Where: where, Term: term, Start: start, End: end, Confidence: conf}
}

// class reads the class of an unnamed drug offer from the dose form of its title and returns
// the span of its evidence in the title (Match.Where "context"). Each rule is a form only one class
// is sold in (sources in signals.tsv):
//
//   - an edible form with a dose (gummies, chocolate, cookies 100mg): cannabis edible;
//   - an injectable form (vials, ampoules) or IU, or mg with ml: steroid (and peptide hormones);
//   - µg doses, or blotter words (print, sheets, gel tabs): LSD-like psychedelic (LSD and the
//     NBOMes are the drugs dosed in micrograms on blotter; "mcg" only with a pill count,
//     pharmaceuticals use it too);
//   - seeds, or flower sold by the ounce or pound (oz, QP, half pound): cannabis;
//   - a pill of 80-350 mg counted out ("10 x Tomorrowland 240mg", "100 pills 220mg"): an
//     ecstasy press (pressed MDMA tablets state their weight; branded medicines are named).
func (f *form) class(pills bool) (class string, start, end int) {
	span := func(wordFirst bool) (int, int) {
		if wordFirst && f.wordE > 0 || f.qtyE == 0 {
			return f.wordS, f.wordE
		}
		return f.qtyS, f.qtyE
	}
	switch {
	case f.edible && (f.mgMax > 0 || f.ml):
		class = ClassCannabis
		start, end = span(true)
	case f.inject || f.iu || f.ml && f.mgMax > 0:
		class = ClassSteroid
		start, end = span(f.inject)
	case f.ug || f.blotter || f.mcg && pills:
		class = ClassPsychedelic
		start, end = span(!f.ug && !f.mcg)
	case f.seeds || f.imperial:
		class = ClassCannabis
		start, end = span(false)
	case f.mgMax >= 80 && f.mgMax <= 350 && (pills || f.times):
		class = ClassEmpathogen
		start, end = span(false)
	}
	if class != "" && end <= start {
		return "", 0, 0
	}
	return class, start, end
}
