package substance

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Match is one substance found in a text.
type Match struct {
	Name       string  // canonical name
	Class      string  // DESIGN.md §10 class
	Family     string  // NPS family, empty for classic drugs
	Term       string  // matched text as written, lower case
	Where      string  // "title", "description", "category"; empty for Tag
	Start, End int     // byte offsets of the term in the field's text
	Confidence float64 // 1 for unambiguous names, lower for context-dependent street words
}

// Result is the tagging of one text or listing.
type Result struct {
	Substances []Match // one per canonical name, sorted by field then position
	DrugOffer  bool    // the text offers drugs (not a guide, test kit, paraphernalia or fraud item)
	Score      float64 // 0..1 strength of the drug-offer evidence
	// CategoryClass is the class the category path names (its deepest class word or
	// substance), "" when it names none (TagFields only).
	CategoryClass string
}

// Fields are the parts of a listing the tagger reads.
type Fields struct {
	Title, Description, Category string
}

// Tagger matches the lexicon against text. Its lexicon is immutable after construction; the
// scans of category paths are cached (bounded, behind a lock). It is safe for concurrent use.
type Tagger struct {
	ac       *acMatcher
	pats     []pattern
	canon    []Canon
	byName   map[string]int // canonical name -> canon index
	byTerm   map[string]int // normalised term -> canon index
	umb      map[int]bool   // canon indexes of umbrella words (flagUmb rows)
	bufs     sync.Pool
	catMu    sync.RWMutex
	catCache map[string]*catScan // category path -> its scan (categoryScan)
	terms    int                 // distinct normalised substance terms
}

type pattern struct {
	kind  uint8
	flags uint8
	canon int32
	n     int32 // byte length
}

var (
	defaultOnce   sync.Once
	defaultTagger *Tagger
)

// Default returns the tagger over the embedded lexicon, built once.
func Default() *Tagger {
	defaultOnce.Do(func() {
		t, err := build(lexiconCurated, lexiconGenerated, signalsTSV)
		if err != nil {
			panic(fmt.Sprintf("substance: embedded lexicon: %v", err)) // covered by tests
		}
		defaultTagger = t
	})
	return defaultTagger
}

func build(curated, generated, signals string) (*Tagger, error) {
	t := &Tagger{byName: map[string]int{}, byTerm: map[string]int{}, umb: map[int]bool{}, catCache: map[string]*catScan{}}
	t.bufs.New = func() any { return &scratch{} }
	var rows []lexRow
	for _, src := range []struct{ name, data string }{{"lexicon.tsv", curated}, {"lexicon_gen.tsv", generated}} {
		r, err := parseLexicon(src.name, src.data)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	sig, err := parseSignals(signals)
	if err != nil {
		return nil, err
	}
	// canonical entries first: canon.go is the contract
	for _, c := range Canonical {
		t.addCanon(c)
	}
	// the generic names of class-only matches (context.go); those no substance has are umbrellas
	for _, class := range classOrder {
		if _, ok := t.byName[classNames[class]]; !ok {
			t.umb[t.addCanon(Canon{Name: classNames[class], Class: class})] = true
		}
	}
	var pats []string
	seen := map[string]bool{}
	for _, r := range rows {
		ci, ok := t.byName[r.canon.Name]
		if !ok {
			ci = t.addCanon(r.canon)
		}
		if r.flags&flagUmb != 0 {
			t.umb[ci] = true
		}
		terms := append([]string{r.canon.Name}, r.terms...)
		for _, term := range terms {
			for _, v := range variants(term) {
				if seen[v] || quantityLike(v) {
					continue // first row wins: curated over generated; "25g" is a weight, not 25G-NBOMe
				}
				seen[v] = true
				t.byTerm[v] = ci
				pats = append(pats, v)
				t.pats = append(t.pats, pattern{kind: kindSubstance, flags: r.flags, canon: int32(ci), n: int32(len(v))})
			}
		}
	}
	t.terms = len(pats)
	for _, s := range sig {
		for _, term := range s.terms {
			for _, v := range variants(term) {
				key := fmt.Sprintf("%d:%d:%s", s.kind, s.class, v)
				if seen[key] {
					continue
				}
				seen[key] = true
				pats = append(pats, v)
				t.pats = append(t.pats, pattern{kind: uint8(s.kind), canon: int32(s.class), n: int32(len(v))})
			}
		}
	}
	t.ac = newACMatcher(pats)
	return t, nil
}

func (t *Tagger) addCanon(c Canon) int {
	if i, ok := t.byName[c.Name]; ok {
		return i
	}
	t.canon = append(t.canon, c)
	i := len(t.canon) - 1
	t.byName[c.Name] = i
	if _, ok := t.byTerm[normTerm(c.Name)]; !ok {
		t.byTerm[normTerm(c.Name)] = i
	}
	return i
}

// Lookup returns the canonical entry for a canonical name or any lexicon term; failing
// those, for a name whose shape the tagger recognises ("isobutyrfentanyl", "4-CEC"), the
// entry Tag would report for it.
func (t *Tagger) Lookup(name string) (Canon, bool) {
	if i, ok := t.byName[strings.ToLower(strings.TrimSpace(name))]; ok {
		return t.canon[i], true
	}
	n := normTerm(name)
	if i, ok := t.byTerm[n]; ok {
		return t.canon[i], true
	}
	if parts := strings.Fields(n); len(parts) > 0 && len(parts) <= maxCompound && isASCII(n) {
		if c, ok := classifyParts(parts); ok {
			if i, ok := t.byName[c.Name]; ok {
				return t.canon[i], true
			}
			return c, true
		}
	}
	return Canon{}, false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Generic reports whether a canonical name is a generic word, not one substance: an umbrella
// ("benzodiazepine", "nitazene", "synthetic cannabinoid") or a class-only name ("opioid",
// "psychedelic"; context.go).
func (t *Tagger) Generic(name string) bool {
	i, ok := t.byName[name]
	return ok && t.umb[i]
}

// Size returns the number of canonical substances and of distinct normalised terms.
func (t *Tagger) Size() (substances, terms int) { return len(t.canon), t.terms }

// Tag tags free text (a forum post, a page, one line).
func (t *Tagger) Tag(text string) Result {
	return t.tag([3]string{text}, [3]string{""})
}

// TagFields tags a listing; Where is "title", "description" or "category".
func (t *Tagger) TagFields(f Fields) Result {
	return t.tag([3]string{f.Title, f.Description, f.Category}, [3]string{"title", "description", "category"})
}

// hit is one accepted occurrence in normalised text.
type hit struct {
	pat        int32
	field      int
	start, end int // in normalised bytes
}

type scratch struct {
	norm  [3]normText
	hits  []hit
	sigs  []hit
	words []morphWord
	morph []morphHit // shape-classified compounds; hit.pat = -1-index
	weak  []uint8
}

// weak reasons of a reported substance
const (
	weakUmb  = 1 << iota // an umbrella word
	weakImit             // an imitated brand: "fake xanax", a name in quotes
	weakAmb              // an ambiguous street word (flag ctx): yields to a clear category of another class
)

// signals seen in a field
type signals struct {
	qty, mass, pills, nonWeighed, count, dose, context, nonOffer, fraud, test, para, nonDrugCat, drugCat, counterfeit, disclaimer bool
	form                                                                                                                          // dose forms and units for the context rules (context.go)
}

func (t *Tagger) tag(texts [3]string, where [3]string) Result {
	sc := t.bufs.Get().(*scratch)
	defer t.bufs.Put(sc)
	sc.hits, sc.sigs, sc.morph = sc.hits[:0], sc.sigs[:0], sc.morph[:0]
	var sig [3]signals
	var cat catEvidence // the category's class: its deepest class word or substance (context.go)
	for f, text := range texts {
		if text == "" {
			continue
		}
		nt := &sc.norm[f]
		if f == 2 {
			// category paths repeat across a market's listings: their scan is cached
			cs := t.categoryScan(text)
			nt.s, nt.off = append(nt.s[:0], cs.norm.s...), append(nt.off[:0], cs.norm.off...)
			sc.hits, sc.sigs = append(sc.hits, cs.hits...), append(sc.sigs, cs.sigs...)
			sig[2], cat = cs.sig, cs.cat
			continue // a category path is a section, not a product: no shape-recognised names
		}
		normalize(text, nt)
		sc.hits, sc.sigs = t.scanField(f, text, nt, sc.hits, sc.sigs, &sig[f], &cat)
		// names no lexicon lists, recognised by their shape (morph.go)
		n0 := len(sc.morph)
		sc.words, sc.morph = morphScan(text, nt, sc.words, sc.morph)
		for i := n0; i < len(sc.morph); i++ {
			m := &sc.morph[i]
			if j, ok := t.byName[m.canon.Name]; ok {
				m.canon = t.canon[j] // a name the lexicon knows keeps its lexicon entry
			} else if j, ok := t.byTerm[m.canon.Name]; ok {
				m.canon = t.canon[j]
			}
			sc.hits = append(sc.hits, hit{pat: int32(-1 - i), field: f, start: m.start, end: m.end})
		}
	}
	hits := resolveOverlaps(sc.hits)
	// negated and compared mentions ("no fentanyl", "fentanyl-free", "stronger than morphine",
	// "tested for fentanyl") do not name what is offered
	hits = t.dropNegated(hits, texts, sc)
	// signal words: the longest wins too ("reagent tested" is context, not a test kit); a signal
	// word inside a longer substance term is part of the name ("ketamine needles", "fish scale")
	k := 0
	for _, h := range resolveOverlaps(sc.sigs) {
		for k < len(hits) && (hits[k].field < h.field || hits[k].field == h.field && hits[k].end <= h.start) {
			k++
		}
		if k < len(hits) && hits[k].field == h.field && hits[k].start <= h.start && h.end <= hits[k].end &&
			hits[k].end-hits[k].start > h.end-h.start && hits[k].pat >= 0 && t.pats[hits[k].pat].flags&flagCtx == 0 {
			continue
		}
		g := &sig[h.field]
		switch t.pats[h.pat].kind {
		case kindContext:
			g.context = true
		case kindNonOffer:
			g.nonOffer = true
		case kindFraud:
			g.fraud = true
		case kindTest:
			g.test = true
		case kindParaphernalia:
			g.para = true
		case kindNonDrugCat:
			g.nonDrugCat = true
		case kindDrugCat:
			g.drugCat = true
		case kindCounterfeit:
			g.counterfeit = true
		case kindNonWeighed:
			g.nonWeighed = true
		case kindDisclaimer:
			g.disclaimer = true
		case kindEdible, kindBlotter, kindInject:
			g.form.word(t.pats[h.pat].kind, int(sc.norm[h.field].off[h.start]), int(sc.norm[h.field].off[h.end]))
		case kindStreetQty:
			g.qty = true
			g.imperial = g.imperial || imperialStreetQty(sc.norm[h.field].s[h.start:h.end])
		}
	}

	// context: any unambiguous substance, a quantity with a unit, a drug-context word, or a drug category
	strong, qty, ctxWord, counterfeit := false, false, false, false
	var strongIn [3]bool
	for _, h := range hits {
		if h.pat < 0 && !sc.morph[-1-h.pat].ctx || h.pat >= 0 && t.pats[h.pat].flags&flagCtx == 0 {
			strong = true
			strongIn[h.field] = true
		}
	}
	count := false
	for f := range sig {
		count = count || sig[f].count
		qty = qty || sig[f].qty
		ctxWord = ctxWord || sig[f].context
		counterfeit = counterfeit || sig[f].counterfeit
	}
	drugCat := sig[2].drugCat && !sig[2].nonDrugCat
	// two different ambiguous words of one class support each other ("hash cookies",
	// "chocolate edibles", "ice crystal")
	ctxPair := false
	for i, h := range hits {
		if h.pat < 0 || t.pats[h.pat].flags&flagCtx == 0 {
			continue
		}
		for _, g := range hits[:i] {
			if g.pat >= 0 && g.pat != h.pat && t.pats[g.pat].flags&flagCtx != 0 &&
				t.canon[t.pats[g.pat].canon].Class == t.canon[t.pats[h.pat].canon].Class {
				ctxPair = true
				break
			}
		}
		if ctxPair || i > 64 { // bounded: a pair shows up early or not at all
			break
		}
	}
	context := strong || qty || ctxWord || drugCat || ctxPair

	hitCanon := func(h hit) Canon {
		if h.pat < 0 {
			return sc.morph[-1-h.pat].canon
		}
		return t.canon[t.pats[h.pat].canon]
	}
	fentanylNamed := false
	for _, h := range hits {
		if hitCanon(h).Family == FamilyFentanyl {
			fentanylNamed = true
		}
	}
	fent := t.canon[t.byName["fentanyl"]]

	var res Result
	weak := sc.weak[:0] // per reported substance: weakUmb, weakImit
	for _, h := range hits {
		var p pattern
		if h.pat >= 0 {
			p = t.pats[h.pat]
		} else if sc.morph[-1-h.pat].ctx {
			p.flags = flagCtx
		}
		c := hitCanon(h)
		conf := 1.0
		if h.pat < 0 {
			conf = morphConfidence
		}
		amb := p.flags&flagCtx != 0
		if amb {
			// next to a named drug an ambiguous word is a descriptor ("mephedrone crystals",
			// "hash oil"), not a second substance; title and description describe one product, so
			// a name in either makes the other's ambiguous words descriptors ("Ketamine needles" /
			// "needle shards")
			if !context || strongIn[h.field] || h.field <= 1 && (strongIn[0] || strongIn[1]) {
				continue
			}
			conf = 0.6
			if strong || qty && ctxWord || drugCat {
				conf = 0.75
			}
		}
		if p.flags&flagPill != 0 && (counterfeit || fentanylNamed) {
			// pressed "M30"/"blues": sold as oxycodone, made of fentanyl (DEA "One Pill Can Kill")
			if fentanylNamed {
				continue // the fentanyl term itself is reported
			}
			c, conf = fent, 0.5
		}
		if h.field == 1 { // description: mentions are weaker than names in the title
			conf *= 0.9
		}
		var w uint8
		if h.pat >= 0 && t.umb[int(t.pats[h.pat].canon)] {
			w |= weakUmb
		}
		if p.flags&flagPill == 0 && imitation(texts[h.field], &sc.norm[h.field], h.start, h.end) {
			w |= weakImit
		}
		text := texts[h.field]
		off := sc.norm[h.field].off
		m := Match{
			Name: c.Name, Class: c.Class, Family: c.Family,
			Where: where[h.field], Start: int(off[h.start]), End: int(off[h.end]),
			Confidence: conf,
		}
		if m.End < m.Start {
			m.End = m.Start
		}
		m.Term = strings.ToLower(strings.TrimSpace(text[m.Start:m.End]))
		if h.field == 2 && w&weakImit == 0 {
			cat.add(c.Class, h.start, &sc.norm[2], h.start, h.end)
		}
		if amb {
			w |= weakAmb
		}
		if i := indexByName(res.Substances, c.Name); i >= 0 {
			// keep the first occurrence (title before description before category) with the
			// strongest confidence seen; one plain occurrence makes the name plain
			if conf > res.Substances[i].Confidence {
				res.Substances[i].Confidence = conf
			}
			weak[i] &= w
			continue
		}
		res.Substances = append(res.Substances, m)
		weak = append(weak, w)
	}
	// umbrella words ("benzos", "nitazene", "synthetic cannabinoid") and imitated brands ("fake
	// xanax", "pink 'cocaine'") are context, not the substance, once a specific name is found
	// A category names a section ("Cannabis", "Шишки и спайс"), not the product: its names count
	// only when title and description name nothing specific.
	// An ambiguous word of another class than a clear category yields to the category
	// ("Bars" in "Cannabis > Edibles" is a chocolate bar, not alprazolam).
	if cat.class != "" {
		n := 0
		for i, m := range res.Substances {
			if weak[i]&weakAmb == 0 || m.Class == cat.class || m.Where == "category" {
				res.Substances[n], weak[n] = m, weak[i]
				n++
			}
		}
		res.Substances, weak = res.Substances[:n], weak[:n]
	}
	specific, named := false, false
	for i, w := range weak {
		specific = specific || w&^weakAmb == 0
		named = named || w&^weakAmb == 0 && res.Substances[i].Where != "category"
	}
	if specific {
		n := 0
		for i, m := range res.Substances {
			if weak[i]&^weakAmb == 0 && !(named && m.Where == "category") {
				res.Substances[n] = m
				n++
			}
		}
		res.Substances = res.Substances[:n]
	}
	sc.weak = weak
	sort.SliceStable(res.Substances, func(i, j int) bool {
		a, b := res.Substances[i], res.Substances[j]
		if fa, fb := fieldOrder(a.Where), fieldOrder(b.Where); fa != fb {
			return fa < fb
		}
		return a.Start < b.Start
	})

	res.CategoryClass = cat.class
	// a clear category names the class when the title and description name no substance
	if len(res.Substances) == 0 && cat.class != "" {
		term := strings.ToLower(strings.TrimSpace(texts[2][cat.start:cat.end]))
		res.Substances = append(res.Substances, t.classOnly(cat.class, where[2], term, cat.start, cat.end, catConfidence))
	}
	res.DrugOffer, res.Score = offer(res.Substances, sig, qty || count, strong)
	// an unnamed offer: the dose form may still tell the class ("250ug x 10 hits": LSD-like)
	if res.DrugOffer && len(res.Substances) == 0 {
		// the title's (descriptions ramble); offsets are in the title
		if cls, a, b := sig[0].form.class(sig[0].pills || sig[0].counterfeit); cls != "" {
			term := strings.ToLower(strings.TrimSpace(texts[0][a:b]))
			res.Substances = append(res.Substances, t.classOnly(cls, whereContext, term, a, b, contextConfidence))
		}
	}
	return res
}

// scanField runs the automaton over one normalised field: substance hits and signal hits are
// appended, units and category class words recorded in sg and cat.
func (t *Tagger) scanField(f int, text string, nt *normText, hits, sigs []hit, sg *signals, cat *catEvidence) ([]hit, []hit) {
	s := nt.s
	t.ac.scan(s, func(id int32, end int) {
		p := &t.pats[id]
		if p.kind == kindCatClass && f != 2 {
			return // class words of a category path count in the category only
		}
		start := end - int(p.n)
		switch p.kind {
		case kindUnit, kindDose, kindCount, kindMass, kindPillUnit, kindTimes:
			// a unit counts right after a number: "10g", "10 g", "0,5 г", "100mg"
			if !rightOK(s, end, 0) && !(end < len(s) && isDigitByte(s[end])) {
				return
			}
			if isDigitByte(s[start-1]) || s[start-1] == ' ' && start >= 2 && isDigitByte(s[start-2]) {
				sg.form.unit(p.kind, s[start:end], text, int(nt.off[start]), int(nt.off[end]))
				if p.kind == kindTimes {
					return
				}
				if p.kind == kindCount {
					sg.count = true
					return
				}
				sg.qty = true
				if p.kind == kindDose {
					sg.dose = true
				}
				if p.kind == kindMass && rightOK(s, end, 0) {
					sg.mass = true
				}
				if p.kind == kindPillUnit {
					sg.pills = true
				}
			}
			return
		}
		if !leftOK(s, start, p) || !rightOK(s, end, p.flags) && !(p.kind == kindSubstance && rightTransition(s, start, end, p)) {
			return
		}
		if p.kind == kindCatClass {
			cat.add(classOrder[p.canon], start, nt, start, end)
			return
		}
		if p.kind == kindSubstance {
			hits = append(hits, hit{pat: id, field: f, start: start, end: end})
		} else {
			sigs = append(sigs, hit{pat: id, field: f, start: start, end: end})
		}
	})
	return hits, sigs
}

// catScan is the cached scan of one category path.
type catScan struct {
	norm       normText
	hits, sigs []hit
	sig        signals
	cat        catEvidence
}

// maxCategoryCache bounds the category cache; a market has tens to hundreds of categories.
const (
	maxCategoryCache  = 4096
	maxCachedCategory = 512 // bytes
)

// categoryScan returns the scan of a category path (field 2), from the cache when it was seen.
func (t *Tagger) categoryScan(text string) *catScan {
	t.catMu.RLock()
	cs := t.catCache[text]
	t.catMu.RUnlock()
	if cs != nil {
		return cs
	}
	cs = &catScan{}
	normalize(text, &cs.norm)
	cs.hits, cs.sigs = t.scanField(2, text, &cs.norm, nil, nil, &cs.sig, &cs.cat)
	if len(text) > maxCachedCategory {
		return cs // a path this long is no market's menu: not worth keeping
	}
	t.catMu.Lock()
	if len(t.catCache) >= maxCategoryCache {
		clear(t.catCache)
	}
	t.catCache[text] = cs
	t.catMu.Unlock()
	return cs
}

func fieldOrder(w string) int {
	switch w {
	case "description":
		return 1
	case "category":
		return 2
	}
	return 0
}

// offer decides whether tagged text offers drugs. Non-offer words in the title (or free text)
// or category win: guides, ebooks, test kits, fraud and documents mention drugs without selling
// them. Paraphernalia wins unless a drug quantity is offered too. In a description, non-offer
// words count only when the title names no substance (descriptions ramble).
func offer(subs []Match, sig [3]signals, qty, strong bool) (bool, float64) {
	var neg, fraud, para, dose bool
	for f := range sig {
		neg = neg || sig[f].nonOffer || sig[f].nonDrugCat
		fraud = fraud || sig[f].fraud
		para = para || sig[f].para
		dose = dose || sig[f].dose
	}
	if len(subs) == 0 {
		// no substance named, but dosed units ("50x 240mg", "100ug") and nothing else: an
		// unnamed drug offer (pill brands, custom mixes) with a low score
		if sig[0].dose && !neg && !fraud && !para && !sig[0].test {
			return true, 0.3
		}
		// a mass and nothing else ("10g Chocolata", "King Amnesia 14 g"): a product sold by
		// weight is a drug far more often than not on these markets, unless the text says
		// ammunition, jewellery, a phone (nonweighed) or anything non-offer
		if (sig[0].mass || sig[0].pills || sig[0].seeds) && !neg && !fraud && !para && !sig[0].test && !sig[0].nonWeighed && !sig[1].nonWeighed && !sig[2].nonWeighed {
			return true, 0.25 // "100 pills LUCKYS", "50 tabs Pelican Print" likewise
		}
		return false, 0
	}
	maxConf, inTitle := 0.0, false
	for _, m := range subs {
		maxConf = max(maxConf, m.Confidence)
		if m.Where == "title" || m.Where == "" {
			inTitle = true
		}
	}
	if sig[0].nonOffer || sig[2].nonOffer || sig[2].nonDrugCat || sig[1].nonOffer && !inTitle {
		return false, 0.1 * maxConf
	}
	// fraud words next to a named drug are strain or brand names ("Amazon" mushrooms)
	if (sig[0].fraud || sig[2].fraud || sig[1].fraud && !inTitle) && !strong {
		return false, 0.1 * maxConf
	}
	// a disclaimer ("kit only", "paraphernalia only", "no drugs included") confirms the test or
	// paraphernalia reading even when a drug and a quantity are named ("scale 0.001g for weed")
	disc := sig[0].disclaimer || sig[1].disclaimer || sig[2].disclaimer
	if (sig[0].test || sig[2].test || sig[1].test && !inTitle) && (!(qty && strong) || disc) {
		return false, 0.1 * maxConf
	}
	if (sig[0].para || sig[2].para || sig[1].para && !inTitle) && (!qty || disc) {
		return false, 0.1 * maxConf
	}
	score := 0.6 * maxConf
	if qty {
		score += 0.3
	}
	_ = dose
	if sig[2].drugCat {
		score += 0.1
	}
	return true, min(score, 1)
}

func leftOK(s []byte, start int, p *pattern) bool {
	if start == 0 || s[start-1] == ' ' {
		return true
	}
	if p.kind != kindSubstance || p.n < 3 || isDigitByte(s[start]) || s[start] >= 0x80 {
		return false
	}
	// "100mdma": a word may start right after a number when the term starts with a letter
	if isDigitByte(s[start-1]) {
		return true
	}
	// "100gCocaine", "5mgXanax": or right after a number and its unit
	i := start
	for i > 0 && start-i < 3 && s[i-1] >= 'a' && s[i-1] <= 'z' {
		i--
	}
	if i == 0 || !isDigitByte(s[i-1]) {
		return false
	}
	switch string(s[i:start]) {
	case "g", "gr", "mg", "kg", "ug", "oz", "ml", "x":
		return true
	}
	return false
}

func rightOK(s []byte, end int, flags uint8) bool {
	return end >= len(s) || s[end] == ' ' || flags&flagPrefix != 0
}

// rightTransition accepts "xanax2mg", "oxy30": a letter-final term followed by a number.
func rightTransition(s []byte, start, end int, p *pattern) bool {
	return p.n >= 3 && end < len(s) && isDigitByte(s[end]) && !isDigitByte(s[end-1]) && s[end-1] < 0x80
}

// resolveOverlaps keeps, among overlapping substance hits of one field, the longest
// (leftmost on ties): "crystal meth" beats "crystal" and "meth".
func resolveOverlaps(hs []hit) []hit {
	out, _ := resolveOverlapsSteps(hs)
	return out
}

// resolveOverlapsSteps is resolveOverlaps, also returning how many kept hits it compared
// (linear in len(hs): TestResolveOverlapsLinear).
func resolveOverlapsSteps(hs []hit) ([]hit, int) {
	sort.Slice(hs, func(i, j int) bool {
		if hs[i].field != hs[j].field {
			return hs[i].field < hs[j].field
		}
		if hs[i].start != hs[j].start {
			return hs[i].start < hs[j].start
		}
		if hs[i].end != hs[j].end {
			return hs[i].end > hs[j].end
		}
		// same span: a lexicon term (pat >= 0) before a shape match (pat < 0), else the
		// pattern listed first (signals.tsv order: "guide" is a non-offer word before it is a
		// non-drug category word)
		if (hs[i].pat < 0) != (hs[j].pat < 0) {
			return hs[j].pat < 0
		}
		return hs[i].pat < hs[j].pat
	})
	out, steps := hs[:0], 0
	for _, h := range hs {
		keep := true
		for k := len(out) - 1; k >= 0 && out[k].field == h.field; k-- {
			steps++
			o := out[k]
			if o.end <= h.start {
				// kept hits do not overlap and are sorted by start, so their ends increase:
				// nothing earlier reaches h (keeps this linear on "ice ice ice ...")
				break
			}
			if h.start < o.end && o.start < h.end {
				if h.end-h.start > o.end-o.start {
					out = append(out[:k], out[k+1:]...)
					continue
				}
				keep = false
				break
			}
		}
		if keep {
			out = append(out, h)
		}
	}
	return out, steps
}

// quantityLike reports whether a normalised term reads as a number and a unit ("25g", "10 mg").
func quantityLike(v string) bool {
	i := 0
	for i < len(v) && isDigitByte(v[i]) {
		i++
	}
	if i == 0 || i == len(v) {
		return false
	}
	switch strings.TrimSpace(v[i:]) {
	case "g", "mg", "ug", "kg", "ml", "gr", "oz", "x", "lb":
		return true
	}
	return false
}

// indexByName finds a canonical name among the matches so far (a handful: a linear scan beats
// a map here).
func indexByName(ms []Match, name string) int {
	for i := range ms {
		if ms[i].Name == name {
			return i
		}
	}
	return -1
}
