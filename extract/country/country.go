package country

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxInput is the number of bytes of s that Parse looks at.
const MaxInput = 1 << 14

type entry struct{ a2, a3, name string }

var (
	byA2     = map[string]entry{}
	byA3     = map[string]string{}
	phrases  = map[string]string{} // normalised phrase -> code
	prefixes = map[string]bool{}   // every word prefix of a phrase, the phrase included
	maxWords int
)

// stopA2 and stopA3 are codes that are also common upper-case words or
// units in titles ("SHIPS TO", "100 MG", "MDA"); they count only when
// written as names.
var stopA2 = set("TO IN IS AT BE ME NO MY AS AM OR IT IF ON BY GO DO SO HE WE ID LA MG GR KG ML LB CC AD NE RE NA CO VA GA AL AR IL PM TV ST MS MT SC SD TN KY MN NC PA")
var stopA3 = set("AND ARE CAN COM DOM GIN PER MAR NOR PAN TON LIE GUM MAC VAT FIN GAB SUR COD TUN BEN JAM ARM AGO BRA EST ALA ATA FRO GEO GUY IRL KEN MDA NAM PRY DMA")

// lowerOK are codes accepted in lower case.
var lowerOK = map[string]string{"usa": "US", "uk": "GB", "ww": "WW", "eu": "EU", "uae": "AE", "rsa": "ZA"}

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

func init() {
	for _, line := range iso {
		f := strings.Split(line, "|")
		e := entry{f[0], f[1], f[2]}
		byA2[e.a2] = e
		byA3[e.a3] = e.a2
		addPhrase(e.name, e.a2)
		if f[3] != "" {
			for _, a := range strings.Split(f[3], ";") {
				addPhrase(a, e.a2)
			}
		}
	}
	for code, names := range regions {
		for _, n := range names {
			addPhrase(n, code)
		}
	}
	for _, n := range notPlaces {
		addPhrase(n, "")
	}
}

func addPhrase(p, code string) {
	words := words(strings.ToLower(p))
	if len(words) == 0 {
		return
	}
	key := strings.Join(words, " ")
	if _, dup := phrases[key]; !dup {
		phrases[key] = code
	}
	for n := 1; n <= len(words); n++ {
		prefixes[strings.Join(words[:n], " ")] = true
	}
	if len(words) > maxWords {
		maxWords = len(words)
	}
}

// words splits s into runs of letters.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}

type tok struct {
	orig, low string
	brk       bool // a phrase break precedes the token (; ! ? | newline →)
	stop      bool // an exclusion ends before the token (breaks and . ( ) [ ] /)
	glued     bool // digits touch the token ("PS4", "44MM", "LR3"): never a code
	hyphen    bool // part of a hyphenated word ("HI-FI"): a code only in a code list
}

// Parse returns the ISO 3166-1 alpha-2 codes named in s, plus "WW" for
// worldwide and "EU" for Europe / the European Union, deduplicated in
// order of appearance. Names (English, common aliases, Russian in any
// case ending) match in any letter case; alpha-2 and alpha-3 codes match
// only in upper case and not when they are also common words ("TO", "IN",
// "CAN", "MDA"); "uk", "usa", "ww", "eu" match in any case.
func Parse(s string) []string {
	in, _ := parse(s)
	return in
}

// Excluded returns the codes named after an exclusion word ("Worldwide
// except USA, Australia" -> [US AU]; "кроме", "excluding", "not to", "no")
// up to the end of the sentence or bracket. Parse leaves them out.
func Excluded(s string) []string {
	_, ex := parse(s)
	return ex
}

// flagsToCodes replaces flag emojis (pairs of regional indicator symbols, "🇩🇪") by their
// alpha-2 codes (" DE ").
func flagsToCodes(s string) string {
	const ri0, ri1 = 0x1F1E6, 0x1F1FF
	has := false
	for _, r := range s {
		if r >= ri0 && r <= ri1 {
			has = true
			break
		}
	}
	if !has {
		return s
	}
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if r := rs[i]; r >= ri0 && r <= ri1 {
			if i+1 < len(rs) && rs[i+1] >= ri0 && rs[i+1] <= ri1 {
				b.WriteByte(' ')
				b.WriteRune('A' + (r - ri0))
				b.WriteRune('A' + (rs[i+1] - ri0))
				b.WriteByte(' ')
				i++
			}
			continue // a lone indicator is dropped
		}
		b.WriteRune(rs[i])
	}
	return b.String()
}

// exclusionWords start an exclusion that runs to the next sentence break.
var exclusionWords = set("except excluding exclude excludes excl but not no кроме исключением исключая außer ausser ausgenommen sauf excepté hormis excepto salvo tranne eccetto behalve uitgezonderd oprócz utom förutom")

func parse(s string) (in, ex []string) {
	if len(s) > MaxInput {
		s = s[:MaxInput]
	}
	s = flagsToCodes(s)
	s = joinDottedInitials(s)
	toks := tokenize(s)
	listMode := isCodeList(toks)
	seen := map[string]bool{}
	add := func(c string, excluded bool) {
		if c == "" || seen[c] {
			return
		}
		seen[c] = true
		if excluded {
			ex = append(ex, c)
		} else {
			in = append(in, c)
		}
	}
	excluding := false
	buf := make([]byte, 0, 64)
	for i := 0; i < len(toks); {
		if toks[i].stop {
			excluding = false
		}
		if !listMode && exclusionWords[toks[i].low] {
			excluding = true
			i++
			continue
		}
		// longest phrase first, extending word by word while the words
		// so far are the start of some phrase
		buf = buf[:0]
		best, matched := "", 0
		for n := 1; n <= maxWords && i+n <= len(toks); n++ {
			if n > 1 {
				if toks[i+n-1].brk {
					break
				}
				buf = append(buf, ' ')
			}
			buf = append(buf, toks[i+n-1].low...)
			if !prefixes[string(buf)] {
				break
			}
			if c, ok := phrases[string(buf)]; ok {
				best, matched = c, n
			}
		}
		if matched > 0 {
			add(best, excluding)
			i += matched
			continue
		}
		if c := code(toks[i], listMode); c != "" {
			add(c, excluding)
		}
		i++
	}
	return in, ex
}

// tokenize splits s into runs of letters and marks the breaks before them.
func tokenize(s string) []tok {
	var toks []tok
	brk, stop := false, false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) {
			switch r {
			case ';', '!', '?', '|', '\n', '→':
				brk, stop = true, true
			case '.', '(', ')', '[', ']', '/':
				stop = true
			}
			i += size
			continue
		}
		j := i
		for j < len(s) {
			r2, sz := utf8.DecodeRuneInString(s[j:])
			if !unicode.IsLetter(r2) {
				break
			}
			j += sz
		}
		w := s[i:j]
		glued := i > 0 && isDigitByte(s[i-1]) || j < len(s) && (isDigitByte(s[j]) || s[j] == '-' && j+1 < len(s) && isDigitByte(s[j+1]))
		hyphen := i > 1 && s[i-1] == '-' && isASCIILetter(s[i-2]) || j+1 < len(s) && s[j] == '-' && isASCIILetter(s[j+1])
		toks = append(toks, tok{orig: w, low: strings.ToLower(w), brk: brk, stop: stop, glued: glued, hyphen: hyphen})
		brk, stop = false, false
		i = j
	}
	return toks
}

// labelWords may surround a list of codes ("Ships from: IT").
var labelWords = set("ships ship shipping shipped from to origin destination destinations country countries only and or via")

// isCodeList reports whether every token is an upper-case code (or a label
// word), as in "IT → WW, EU" or "Ships from: BE": then alpha-2 codes that
// are also English words count too (alpha-3 words such as "CAN" never do).
func isCodeList(toks []tok) bool {
	codes := 0
	for _, t := range toks {
		if labelWords[t.low] {
			continue
		}
		if t.glued || t.orig != strings.ToUpper(t.orig) || !isASCII(t.orig) {
			return false
		}
		if _, ok := lowerOK[t.low]; ok {
			codes++
			continue
		}
		_, a2 := byA2[t.orig]
		_, a3 := byA3[t.orig]
		a3 = a3 && !stopA3[t.orig]
		if !(len(t.orig) == 2 && a2 || len(t.orig) == 3 && a3) {
			return false
		}
		codes++
	}
	return codes > 0
}

// commonCodes are the codes markets use in running text ("from UK", "USA
// only"); in running text other codes are too often abbreviations ("PS",
// "MK", "ETH", "STP") and count only in a code list.
var commonCodes = set(`US GB UK DE NL FR ES CA AU NZ BE CH AT SE DK FI PL CZ PT IE RU UA CN HK JP BR MX ZA
	USA GBR DEU NLD FRA ESP ITA CAN AUS NZL BEL CHE AUT SWE NOR DNK FIN POL CZE PRT RUS UKR CHN HKG IND JPN BRA MEX COL ZAF`)

func code(t tok, listMode bool) string {
	if t.glued || t.hyphen && !listMode {
		return ""
	}
	if c, ok := lowerOK[t.low]; ok {
		return c
	}
	if t.orig == strings.ToUpper(t.orig) && isASCII(t.orig) && (listMode || commonCodes[t.orig]) {
		switch len(t.orig) {
		case 2:
			if _, ok := byA2[t.orig]; ok && (listMode || !stopA2[t.orig]) {
				return t.orig
			}
		case 3:
			if a2, ok := byA3[t.orig]; ok && !stopA3[t.orig] {
				return a2
			}
		}
	}
	if !isASCII(t.low) {
		return russianCode(t.low)
	}
	return ""
}

func russianCode(w string) string {
	if c, ok := russian[w]; ok {
		return c
	}
	n := utf8.RuneCountInString(w)
	for stem, c := range russian {
		sn := utf8.RuneCountInString(stem)
		if sn >= 5 && n > sn && n-sn <= 3 && strings.HasPrefix(w, stem) {
			return c
		}
	}
	return ""
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// joinDottedInitials rewrites "U.S.A." / "U.K." / "e.u." to "USA" / "UK" / "eu".
func joinDottedInitials(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		j := i
		var letters []byte
		for j+1 < len(s) && isASCIILetter(s[j]) && s[j+1] == '.' && (j == i || true) && (j == 0 || !isASCIILetter(s[j-1]) || len(letters) > 0) {
			letters = append(letters, s[j])
			j += 2
		}
		if len(letters) >= 2 {
			b.Write(letters)
			i = j
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// Name returns the English name of an ISO 3166-1 alpha-2 or alpha-3 code,
// "Worldwide" for WW and "European Union" for EU; "" if unknown.
func Name(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	if n, ok := regionNames[code]; ok {
		return n
	}
	if code == "UK" {
		code = "GB"
	}
	if e, ok := byA2[code]; ok {
		return e.name
	}
	if a2, ok := byA3[code]; ok {
		return byA2[a2].name
	}
	return ""
}

// Codes returns every ISO 3166-1 alpha-2 code Parse knows, in table order,
// followed by the pseudo-codes WW and EU.
func Codes() []string {
	out := make([]string, 0, len(iso)+2)
	for _, line := range iso {
		out = append(out, line[:2])
	}
	return append(out, "WW", "EU")
}
