package substance

import (
	"bytes"
	"strings"
)

// Morphological rules: new psychoactive substances appear on markets before any list names
// them, but their names follow the chemists' naming patterns. A compound token (words joined
// by hyphens: "4-FIBF", "5F-ADB-FUB", "isobutyrfentanyl") that no lexicon term covers is
// classified by its shape:
//
//   - "...fentanyl"/"...fentanil" -> opioid, fentanyl-analogue ("isobutyrfentanyl")
//   - "...nitazene"/"...nitazepyne" -> opioid, nitazene; "...orphine", "U-nnnnn" -> opioid NPS
//   - "-PINACA/-BINACA/-PICA/-FUBINACA/-CHMINACA" with a head group (ADB, MDMB, AMB, 5F...),
//     "5F-ADB-FUB", code numbers (JWH-nnn, NM-2201, PB-22, UR-144) -> synthetic cannabinoid
//   - "...azolam"/"...azepam" -> benzodiazepine, designer
//   - ring-substituted cathinone codes (3-CMC, 4-CEC, 4-MPrC, 2-NMC), "...edrone", "...ylone",
//     "bk-...", "...propion", pyrrolidinophenones (alpha-PHP, a-PPP, 4F-PV8, 4-Cl-PVP) -> synthetic cathinone
//   - "...phenidate", "...amphetamine" -> stimulant NPS
//   - 2C-x, 25x-NBOMe, "...scaline" -> phenethylamine; 4-AcO-DMT, 5-MeO-MiPT -> tryptamine;
//     1P-LSD, 1cP-LSD, AL-LAD -> lysergamide
//   - "...ketamine", "...xetamine", 3-MeO-PCE, 2-FDCK -> arylcyclohexylamine; "...phenidine"
//     -> dissociative NPS
//
// The canonical name is the token normalised ("4-Fluoro isobutyrfentanyl" ->
// "4-fluoroisobutyrfentanyl", "5-F-ADB-FUB" -> "5f-adb-fub", "4CEC" -> "4-cec"); a name the
// lexicon knows maps to its lexicon entry. Matches have confidence morphConfidence. The pass is
// linear in the text: each word is looked at a bounded number of times.

// morphConfidence is the confidence of a shape-based match: the shape is specific, but the
// substance is not in any list we could check it against.
const morphConfidence = 0.8

// maxCompound bounds the words joined into one compound token.
const maxCompound = 6

// morphWord is one normalised word and its position.
type morphWord struct {
	start, end int // normalised byte offsets
}

// morphHit is one shape-classified compound in normalised text.
type morphHit struct {
	canon      Canon
	start, end int  // normalised byte offsets
	ctx        bool // a shape that is also a non-drug code ("PV-10"): counts only with drug context
}

// morphScan finds shape-classified compounds in one normalised field. text is the original
// field text (to see which separators joined the words), nt its normalisation.
func morphScan(text string, nt *normText, words []morphWord, out []morphHit) ([]morphWord, []morphHit) {
	s := nt.s
	words = words[:0]
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		words = append(words, morphWord{i, j})
		i = j
	}
	var parts [maxCompound]string
	prevStart, prevEnd := -1, -1 // previous compound, for "4-fluoro isobutyrfentanyl"
	for i := 0; i < len(words); {
		// a compound: words joined by one hyphen
		k := i + 1
		for k < len(words) && k-i < maxCompound && hyphenGap(text, nt, words[k-1].end, words[k].start) {
			k++
		}
		if worthClassifying(s, words[i:k]) {
			n := 0
			for w := i; w < k; w++ {
				parts[n] = string(s[words[w].start:words[w].end])
				n++
			}
			cp := parts[:n]
			c, ok := classifyParts(cp)
			start, end := words[i].start, words[k-1].end
			if !ok && n > 1 && worthClassifying(s, words[k-1:k]) {
				// "heroin-carfentanyl": the last word alone
				cp = parts[n-1 : n]
				c, ok = classifyParts(cp)
				start = words[k-1].start
			}
			if ok {
				if suffixRule(c) && start == words[i].start && prevStart >= 0 {
					// a substituent written as its own word: "4-Fluoro isobutyrfentanyl"
					if pre := substituentParts(string(s[prevStart:prevEnd])); pre != "" {
						c.Name = chemName(append(strings.Fields(pre), cp...))
						start = prevStart
					}
				}
				out = append(out, morphHit{canon: c, start: start, end: end, ctx: ambiguousShape(cp)})
			}
		}
		prevStart, prevEnd = words[i].start, words[k-1].end
		i = k
	}
	return words, out
}

// hyphenGap reports whether the original text between two normalised words is one hyphen or
// dash ("4-FIBF", "5F‐ADB").
func hyphenGap(text string, nt *normText, endPrev, startNext int) bool {
	a, b := int(nt.off[endPrev]), int(nt.off[startNext])
	if a < 0 || b > len(text) || a >= b {
		return false
	}
	switch text[a:b] {
	case "-", "‐", "‑", "–", "−":
		return true
	}
	return false
}

// worthClassifying is a cheap filter run before any string is built: ASCII only, and a
// compound of several words, a word with a digit, or a word ending in a suffix the rules use.
func worthClassifying(s []byte, ws []morphWord) bool {
	digit := false
	for _, w := range ws {
		for _, c := range s[w.start:w.end] {
			if c >= 0x80 {
				return false
			}
			digit = digit || isDigitByte(c)
		}
	}
	if len(ws) > 1 {
		return true
	}
	w := s[ws[0].start:ws[0].end]
	if digit {
		return len(w) >= 3 && !numberOrQuantity(w)
	}
	if len(w) < 4 || !suffixEnds[uint16(w[len(w)-2])<<8|uint16(w[len(w)-1])] {
		return false
	}
	for _, suf := range wordSuffixes {
		if bytes.HasSuffix(w, suf) {
			return true
		}
	}
	return false
}

// numberOrQuantity reports a number or a number with a unit ("2017", "10g", "100mg", "3x"):
// the commonest words with digits, never a code the rules read.
func numberOrQuantity(w []byte) bool {
	i := 0
	for i < len(w) && isDigitByte(w[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	switch string(w[i:]) {
	case "", "g", "mg", "kg", "ug", "mcg", "ml", "gr", "oz", "lb", "lbs", "x", "k", "pcs", "gb", "mm", "cm", "th", "st", "nd", "rd", "s":
		return true
	}
	return false
}

// suffixEnds holds the last two bytes of every word suffix: one lookup rejects most words.
var suffixEnds = func() *[1 << 16]bool {
	var t [1 << 16]bool
	for _, s := range wordSuffixes {
		t[uint16(s[len(s)-2])<<8|uint16(s[len(s)-1])] = true
	}
	return &t
}()

// wordSuffixes are the endings a one-word, digit-free name needs for any rule to apply.
var wordSuffixes = func() [][]byte {
	var out [][]byte
	for _, s := range []string{"fentanyl", "fentanil", "fentanyle", "nitazene", "nitazepyne", "nitazepine", "orphine",
		"zolam", "zepam", "propion", "inaca", "pica", "fubica", "chmica", "edrone", "ylone", "phenidate", "phenidiate",
		"amphetamine", "amfetamine", "scaline", "ketamine", "xetamine", "phenidine", "pvp", "php", "ppp", "pbp", "pvt", "pihp", "phip",
		"dmt", "det", "dpt", "dipt", "mipt", "met", "mpt", "ept", "malt", "dalt"} {
		out = append(out, []byte(s))
	}
	return out
}()

// suffixRule reports whether c came from a name-suffix rule (its name is a chemical name that
// a separate substituent word can prefix).
func suffixRule(c Canon) bool {
	return c.Family == FamilyFentanyl || c.Family == FamilyNitazene || strings.HasSuffix(c.Name, "ketamine") ||
		strings.HasSuffix(c.Name, "amphetamine") || strings.HasSuffix(c.Name, "edrone") || strings.HasSuffix(c.Name, "ylone")
}

// substituentParts returns the normalised parts of a substituent word ("4-fluoro" ->
// "4 fluoro", "para-chloro" -> "para chloro"), or "" if w is not one.
func substituentParts(w string) string {
	ps := strings.Fields(w)
	if len(ps) == 0 || len(ps) > 3 {
		return ""
	}
	last := ps[len(ps)-1]
	for _, sub := range substituents {
		if last == sub || strings.HasSuffix(last, sub) && len(ps) == 1 && isLocant(last[:len(last)-len(sub)]) {
			if len(ps) == 1 && last == sub {
				return "" // a bare "methyl" word is too weak
			}
			return strings.Join(ps, " ")
		}
	}
	return ""
}

var substituents = []string{"fluoro", "chloro", "bromo", "iodo", "methyl", "methoxy", "ethyl", "ethoxy"}

func isLocant(p string) bool {
	switch p {
	case "p", "para", "o", "ortho", "m", "meta", "n", "alpha", "a", "beta":
		return true
	}
	if p == "" {
		return false
	}
	for i := 0; i < len(p); i++ {
		if !isDigitByte(p[i]) {
			return false
		}
	}
	return len(p) <= 2
}

// classifyParts classifies a compound (normalised ASCII parts) by shape.
func classifyParts(parts []string) (Canon, bool) {
	joined := strings.Join(parts, "")
	if len(joined) < 3 || len(joined) > 60 {
		return Canon{}, false
	}
	last := parts[len(parts)-1]
	// name-suffix rules read the compound as one chemical name: the words before the last
	// must be locants, substituents or short codes ("4-fluoro-", "para-", "N-ethyl-"), not
	// other names ("heroin-fentanyl")
	sj := joined
	if len(parts) > 1 && !chemPrefix(parts[:len(parts)-1]) {
		sj = ""
	}
	op := func(fam string) Canon { return Canon{Name: chemName(parts), Class: ClassOpioid, Family: fam} }

	// ---- opioids
	switch {
	case hasLongSuffix(sj, "fentanyl", 3), hasLongSuffix(sj, "fentanil", 3), hasLongSuffix(sj, "fentanyle", 3):
		return op(FamilyFentanyl), true
	case hasLongSuffix(sj, "nitazene", 2), hasLongSuffix(sj, "nitazepyne", 0), hasLongSuffix(sj, "nitazepine", 0):
		return op(FamilyNitazene), true
	case hasLongSuffix(sj, "orphine", 2) && !strings.HasSuffix(sj, "morphine") || strings.HasSuffix(sj, "etorphine"):
		return op(FamilyOtherNPS), true
	}
	if len(parts) <= 2 && (parts[0] == "u" && len(parts) == 2 && allDigits(last) && len(last) == 5 ||
		len(parts) == 1 && len(joined) == 6 && joined[0] == 'u' && allDigits(joined[1:])) {
		// U-47700, U-49900, U-48800: the Upjohn opioid series
		return Canon{Name: "u-" + joined[1:], Class: ClassOpioid, Family: FamilyOtherNPS}, true
	}

	// ---- synthetic cannabinoids
	if c, ok := cannabinoidShape(parts, joined); ok {
		return c, true
	}

	// ---- benzodiazepines
	for _, suf := range []string{"azolam", "azepam", "zolam", "zepam"} {
		if hasLongSuffix(sj, suf, 3) && allLetters(sj[len(sj)-len(suf)-3:]) {
			return Canon{Name: chemName(parts), Class: ClassBenzodiazepine, Family: FamilyBenzo}, true
		}
	}

	// ---- cathinones and other stimulants
	stim := func(fam string) Canon { return Canon{Name: codeName(parts), Class: ClassStimulant, Family: fam} }
	if cathinoneCode(joined) {
		return stim(FamilyCathinone), true
	}
	if pyrrolidinophenone(parts, joined) {
		return stim(FamilyCathinone), true
	}
	switch {
	case hasLongSuffix(sj, "edrone", 3) && !strings.HasSuffix(sj, "phedrone") || hasLongSuffix(sj, "hedrone", 2):
		return Canon{Name: chemName(parts), Class: ClassStimulant, Family: FamilyCathinone}, true
	case hasLongSuffix(sj, "ylone", 4) || hasLongSuffix(sj, "hylone", 3):
		// pentylone, dibutylone, "N-Ethyl-Penthylone"; methylone's class (empathogen) is set
		// by the lexicon, which runs first
		return Canon{Name: chemName(parts), Class: ClassStimulant, Family: FamilyCathinone}, true
	case hasLongSuffix(sj, "propion", 3) && !strings.HasSuffix(sj, "bupropion"):
		// diethylpropion, methylpropion: N-alkyl cathinones; bupropion is an antidepressant
		return Canon{Name: chemName(parts), Class: ClassStimulant, Family: FamilyCathinone}, true
	case len(parts) >= 2 && parts[0] == "bk" && allLetters(parts[1]) && len(parts[1]) >= 3:
		return stim(FamilyCathinone), true // bk-EBDP, bk-EPDP (beta-keto)
	case hasLongSuffix(sj, "phenidate", 2), hasLongSuffix(sj, "phenidiate", 2):
		return Canon{Name: chemName(parts), Class: ClassStimulant, Family: FamilyOtherNPS}, true
	case hasLongSuffix(sj, "amphetamine", 1), hasLongSuffix(sj, "amfetamine", 1):
		return Canon{Name: chemName(parts), Class: ClassStimulant, Family: FamilyOtherNPS}, true
	}

	// ---- psychedelics
	psy := func(fam string) Canon { return Canon{Name: codeName(parts), Class: ClassPsychedelic, Family: fam} }
	if phenethylamineCode(parts, joined) {
		return psy(FamilyPhenethylamine), true
	}
	if hasLongSuffix(sj, "scaline", 1) {
		return Canon{Name: chemName(parts), Class: ClassPsychedelic, Family: FamilyPhenethylamine}, true
	}
	if tryptamineCode(parts) {
		return psy(FamilyTryptamine), true
	}
	if len(parts) == 2 && (last == "lsd" || last == "lad") && lysergPrefix[parts[0]] {
		return psy(FamilyOtherNPS), true
	}

	// ---- dissociatives
	dis := func(name string) Canon {
		return Canon{Name: name, Class: ClassDissociative, Family: FamilyArylcyclohex}
	}
	switch {
	case hasLongSuffix(sj, "ketamine", 2), hasLongSuffix(sj, "xetamine", 2):
		return dis(chemName(parts)), true
	case hasLongSuffix(sj, "phenidine", 0) && len(joined) > len("phenidine"):
		return Canon{Name: chemName(parts), Class: ClassDissociative, Family: FamilyOtherNPS}, true
	case len(parts) >= 2 && (last == "pcp" || last == "pce" || last == "pcpr" || last == "pcm") && arylPrefix(parts[:len(parts)-1]):
		return dis(codeName(parts)), true
	case strings.HasSuffix(joined, "dck") && len(joined) >= 4 && len(joined) <= 6 && strings.ContainsAny(joined, "0123456789"):
		return dis(codeName(parts)), true // 2-FDCK, 2F-DCK
	}
	return Canon{}, false
}

// hasLongSuffix reports whether s ends with suf and has at least min more bytes.
func hasLongSuffix(s, suf string, min int) bool {
	return len(s) >= len(suf)+min && strings.HasSuffix(s, suf)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigitByte(s[i]) {
			return false
		}
	}
	return true
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// cannabinoid head groups and tails (EUDA SCRA naming: head-tail-core-linked group).
var (
	scraHeads = map[string]bool{"adb": true, "mdmb": true, "amb": true, "mmb": true, "edmb": true, "ab": true, "mab": true, "app": true, "cumyl": true, "apica": true, "adamantyl": true}
	scraTails = []string{"fubinaca", "chminaca", "butinaca", "pinaca", "binaca", "hexinaca", "inaca", "fubica", "chmica", "pica", "fub", "chm", "4en", "5br"}
	// code numbers: PREFIX-digits with the digits the series uses
	scraCodes = map[string]func(string) bool{
		"jwh": func(d string) bool { return len(d) == 3 },
		"nm":  func(d string) bool { return d == "2201" },
		"mmb": func(d string) bool { return d == "2201" || d == "022" },
		"mam": func(d string) bool { return d == "2201" },
		"thj": func(d string) bool { return d == "2201" || d == "018" },
		"cbl": func(d string) bool { return d == "2201" },
		"fdu": func(d string) bool { return d == "22" },
		"pb":  func(d string) bool { return d == "22" },
		"bb":  func(d string) bool { return d == "22" },
		"npb": func(d string) bool { return d == "22" },
		"ur":  func(d string) bool { return d == "144" },
		"xlr": func(d string) bool { return d == "11" || d == "12" },
		"akb": func(d string) bool { return d == "48" },
		"sdb": func(d string) bool { return d == "005" || d == "006" },
		"rcs": func(d string) bool { return d == "4" || d == "8" },
		"hu":  func(d string) bool { return d == "210" || d == "211" || d == "308" || d == "331" },
		"mdmb": func(d string) bool {
			return d == "2201"
		},
	}
)

func cannabinoidShape(parts []string, joined string) (Canon, bool) {
	c := Canon{Class: ClassCannabis, Family: FamilyCannabinoid}
	// strip a leading halogen tail marker: "5f", "4f", "5cl", or "5"+"f"
	ps := parts
	halo := ""
	switch {
	case len(ps) > 1 && (ps[0] == "5f" || ps[0] == "4f" || ps[0] == "5cl" || ps[0] == "4cl" || ps[0] == "5br"):
		halo, ps = ps[0], ps[1:]
	case len(ps) > 2 && (ps[0] == "5" || ps[0] == "4") && (ps[1] == "f" || ps[1] == "cl"):
		halo, ps = ps[0]+ps[1], ps[2:]
	}
	name := func() string {
		n := strings.Join(ps, "-")
		if halo != "" {
			n = halo + "-" + n
		}
		return n
	}
	// head group + tail(s): MDMB-4en-PINACA, ADB-FUBINACA, 5F-ADB-FUB, 5F-MDMB-PICA
	if scraHeads[ps[0]] {
		rest := ps[1:]
		if len(rest) == 0 && halo != "" && ps[0] != "ab" {
			c.Name = name() // 5F-ADB, 5F-AMB
			return c, true
		}
		if len(rest) > 0 {
			ok := true
			for _, r := range rest {
				if !isSCRATail(r) {
					ok = false
					break
				}
			}
			if ok {
				c.Name = name()
				return c, true
			}
		}
	}
	// one word: "mdmbfubinaca", "adbbutinaca", "5fadb"
	for _, t := range scraTails {
		if len(t) < 4 || !strings.HasSuffix(joined, t) {
			continue
		}
		head := strings.TrimSuffix(joined, t)
		for _, h := range []string{"5f", "4f", "5cl", "4cl"} {
			head = strings.TrimPrefix(head, h)
		}
		head = strings.TrimSuffix(head, "4en")
		if scraHeads[head] {
			c.Name = name()
			return c, true
		}
	}
	// code numbers: JWH-250, NM-2201, 5F-NPB-22, MMB-2201
	if len(ps) == 2 && allDigits(ps[1]) {
		if ok := scraCodes[ps[0]]; ok != nil && ok(ps[1]) {
			c.Name = name()
			return c, true
		}
	}
	if len(ps) == 1 {
		w := ps[0]
		i := len(w)
		for i > 0 && isDigitByte(w[i-1]) {
			i--
		}
		if i > 0 && i < len(w) {
			if ok := scraCodes[w[:i]]; ok != nil && ok(w[i:]) {
				c.Name = name()
				if halo == "" {
					c.Name = w[:i] + "-" + w[i:]
				}
				return c, true
			}
		}
	}
	return Canon{}, false
}

func isSCRATail(p string) bool {
	for _, t := range scraTails {
		if p == t {
			return true
		}
	}
	return p == "f" || p == "b" || p == "2201"
}

// cathinoneCode recognises ring-substituted N-alkyl cathinone codes: a ring position (2, 3,
// 4 or 34), a ring substituent (M, C, F, B, Cl, Br, E, MeO, D, N), an N-alkyl (M, E, Pr, iPr, B)
// and "C": 3-CMC, 4-CEC, 4-MEC, 4-MPrC, 2-NMC, 3,4-DMMC.
func cathinoneCode(joined string) bool {
	i := 0
	for i < len(joined) && i < 2 && isDigitByte(joined[i]) {
		i++
	}
	if i == 0 || joined[0] < '2' || joined[0] > '4' || !strings.HasSuffix(joined, "c") {
		return false
	}
	if i == 2 && joined[:2] != "34" {
		return false
	}
	mid := joined[i : len(joined)-1] // ring substituent + N-alkyl
	for _, ring := range []string{"meo", "cl", "br", "dm", "m", "c", "f", "b", "e", "d", "n", "i"} {
		if !strings.HasPrefix(mid, ring) {
			continue
		}
		switch mid[len(ring):] {
		case "m", "e", "pr", "ipr", "b", "p":
			return true
		}
	}
	return false
}

// pyrrolidinophenone recognises alpha-pyrrolidino cathinones: a ring or alpha prefix and a core
// (PVP, PHP, PPP, PBP, PVT, PiHP, PV8, PV9, PV10): alpha-PHP, a-PPP, 4F-PV8, 4-Cl-PVP, 4-MePPP.
// A bare core ("PHP", "PVP") is a word elsewhere and does not count.
func pyrrolidinophenone(parts []string, joined string) bool {
	for _, core := range []string{"pihp", "phip", "pvp", "php", "ppp", "pbp", "pvt", "pv8", "pv9", "pv10"} {
		if !strings.HasSuffix(joined, core) {
			continue
		}
		pre := joined[:len(joined)-len(core)]
		if pre == "" {
			// PV8/PV9/PV10 are unambiguous codes on their own; "pv 10" needs its hyphen
			return strings.HasPrefix(core, "pv") && core != "pvp" && core != "pvt" && len(parts) <= 2
		}
		switch pre {
		case "a", "alpha", "md", "mdp", "4f", "3f", "4cl", "4c", "4m", "4me", "4meo", "4methyl", "3m", "34dm", "4e", "4br", "2f", "4et", "4ethyl", "4fluoro", "4chloro", "4methoxy", "n":
			return true
		}
		return false
	}
	return false
}

// phenethylamineCode recognises 2C-x (2C-B, 2C-T-7, 2C-B-FLY) and 25x-NBOMe/NBOH/NBF.
func phenethylamineCode(parts []string, joined string) bool {
	if strings.HasPrefix(joined, "2c") && len(parts) >= 2 && (parts[0] == "2c" || parts[0] == "2" && len(parts) >= 3 && parts[1] == "c") {
		// the 4-substituent is one to three letters (2C-B, 2C-T-7, 2C-TFM, 2C-B-FLY), not a
		// word ("2C-Plus")
		sub := parts[1]
		if parts[0] == "2" {
			sub = parts[2]
		}
		rest := joined[2:]
		if len(sub) <= 3 && allLetters(sub) && len(rest) <= 6 {
			return true
		}
	}
	if len(joined) >= 6 && strings.HasPrefix(joined, "25") && joined[2] >= 'a' && joined[2] <= 'z' {
		// 25x-NBOMe / 25xx-NBOH: one or two letters for the 4-substituent (25I, 25CN, 25T2)
		for i := 3; i <= 5 && i < len(joined); i++ {
			switch joined[i:] {
			case "nbome", "nboh", "nbf", "nbmd":
				return true
			}
		}
	}
	return false
}

var (
	tryptSubst   = map[string]bool{"meo": true, "aco": true, "ho": true, "pro": true, "me": true, "f": true, "br": true, "mepo": true, "cypo": true}
	tryptCore    = map[string]bool{"dmt": true, "det": true, "dpt": true, "dipt": true, "mipt": true, "met": true, "mpt": true, "ept": true, "eipt": true, "malt": true, "dalt": true, "mmt": true, "nmt": true, "amt": true, "pyrt": true, "mipla": true}
	lysergPrefix = map[string]bool{"1p": true, "1cp": true, "1v": true, "1b": true, "1d": true, "1s": true, "1t": true, "al": true, "eth": true, "pro": true, "1pp": true, "1bp": true}
)

// tryptamineCode recognises ring-substituted tryptamines: 4-AcO-DMT, 5-MeO-MiPT, 4-HO-MET,
// also written without hyphens (4-AcO DMT is two compounds and not seen).
func tryptamineCode(parts []string) bool {
	ps := append([]string(nil), parts...) // ps[0] may be trimmed below
	if len(ps) == 1 {
		w := ps[0]
		if len(w) < 5 || (w[0] != '4' && w[0] != '5') {
			return false
		}
		for sub := range tryptSubst {
			if strings.HasPrefix(w[1:], sub) && tryptCore[w[1+len(sub):]] {
				return true
			}
		}
		return false
	}
	if ps[0] == "4" || ps[0] == "5" {
		ps = ps[1:]
	} else if len(ps[0]) > 1 && (ps[0][0] == '4' || ps[0][0] == '5') && tryptSubst[ps[0][1:]] {
		ps[0] = ps[0][1:] // "4aco-dmt"
	} else {
		return false
	}
	switch len(ps) {
	case 2:
		return tryptSubst[ps[0]] && tryptCore[ps[1]]
	case 1:
		for sub := range tryptSubst {
			if strings.HasPrefix(ps[0], sub) && tryptCore[ps[0][len(sub):]] {
				return true
			}
		}
	}
	return false
}

// arylPrefix: 3-MeO-, 4-MeO-, 3-HO-, O- (ortho-chloro), 3-Me-, 3-F- before PCP/PCE.
func arylPrefix(ps []string) bool {
	j := strings.Join(ps, "")
	switch j {
	case "3meo", "4meo", "3ho", "4ho", "o", "3me", "4me", "3f", "4f", "3cl", "meo", "2meo", "3meo2", "3ome":
		return true
	}
	return false
}

// chemName normalises a chemical name from its parts: locants keep a hyphen, the rest is
// joined ("4 fluoro isobutyrfentanyl" -> "4-fluoroisobutyrfentanyl"), and the shorthand
// locants p/o/m (para/ortho/meta) and "4f" (4-fluoro) are spelled out.
func chemName(parts []string) string {
	var b strings.Builder
	for i, p := range parts {
		more := i < len(parts)-1
		switch {
		case more && (p == "p" || p == "para"):
			b.WriteString("4-")
		case more && (p == "o" || p == "ortho"):
			b.WriteString("2-")
		case more && (p == "m" || p == "meta"):
			b.WriteString("3-")
		case more && (p == "n" || p == "alpha" || p == "a" && i == 0):
			if p == "a" {
				p = "alpha"
			}
			b.WriteString(p + "-")
		case more && allDigits(p) && len(p) <= 2:
			b.WriteString(p + "-")
		case more && len(p) >= 2 && len(p) <= 4 && isDigitByte(p[0]) && halogen[p[1:]] != "":
			b.WriteString(p[:1] + "-" + halogen[p[1:]]) // "4f" -> "4-fluoro"
		default:
			b.WriteString(p)
		}
	}
	return b.String()
}

var halogen = map[string]string{"f": "fluoro", "cl": "chloro", "br": "bromo", "i": "iodo", "me": "methyl", "meo": "methoxy"}

// codeName normalises a code ("4cec" -> "4-cec", "a-ppp", "5f-npb-22"): parts joined by
// hyphens, a leading ring position split from its letters.
func codeName(parts []string) string {
	if len(parts) == 1 {
		w := parts[0]
		i := 0
		for i < len(w) && isDigitByte(w[i]) {
			i++
		}
		if i > 0 && i < len(w) && i <= 2 {
			return w[:i] + "-" + w[i:]
		}
		return w
	}
	return strings.Join(parts, "-")
}

// chemPrefix reports whether the words before a chemical name's last word read as part of it:
// locants, short codes ("4f", "meo") and substituent words ending like one ("fluoro",
// "methyl", "acetyl", "methoxy").
func chemPrefix(ps []string) bool {
	for _, p := range ps {
		if len(p) <= 4 || isLocant(p) {
			continue
		}
		if strings.HasSuffix(p, "o") || strings.HasSuffix(p, "yl") || strings.HasSuffix(p, "oxy") || strings.HasSuffix(p, "yr") {
			continue
		}
		return false
	}
	return true
}

// ambiguousShape reports shapes that are also product codes elsewhere: a bare PV8/PV9/PV10.
func ambiguousShape(parts []string) bool {
	j := strings.Join(parts, "")
	return j == "pv8" || j == "pv9" || j == "pv10"
}
