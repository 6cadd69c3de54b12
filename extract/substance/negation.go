package substance

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Negated and compared mentions. A listing that says "Heroin #4, fentanyl-free", "contains no
// cocaine", "stronger than morphine" or "tested for fentanyl" does not offer fentanyl, cocaine or
// morphine. A substance term is dropped when, within its clause (no . , ; : ! ? ( ) between):
//
//   - a negation or comparison cue ends right before it: "no", "without", "zero", "non", "nor",
//     "than", "free of", "instead of", "rather than", "tested for", "negative for", "unlike";
//     in a description (prose) the cue may be up to three words before it ("does not contain
//     any fentanyl") and more cues count: "not", "never", "like", "detect", "similar to", ...;
//   - or "free"/"negative" follows it joined by a hyphen ("fentanyl-free"), or as the last word
//     of its clause ("fent free.").
//
// "no" followed by a number is "number" ("No 4 heroin", "No.1 cocaine"), not a negation. The rule
// drops occurrences, not names: a name also written plainly elsewhere in the listing is kept.

// cue is a negation or comparison phrase, as normalised words.
type cue struct {
	words []string
	prose bool // only in a description (free text): titles are terse and "not"/"like" mean other things there
}

var negationCues = func() map[string][]cue {
	m := map[string][]cue{}
	add := func(prose bool, phrases ...string) {
		for _, p := range phrases {
			w := strings.Fields(p)
			last := w[len(w)-1]
			m[last] = append(m[last], cue{words: w, prose: prose})
		}
	}
	add(false, "no", "without", "nor", "free of", "free from", "instead of", "rather than", "negative for", "unlike",
		"replacement for", "replacement of", "substitute for", "alternative to", "compare to", "compared to", "compared with",
		"similar to", "без", "вместо", "нет")
	// in titles "zero", "non", "than", "test for" are strain names ("Triple Zero hash"), labels
	// ("non controlled medication"), potency claims and test kits (decided by the offer rules)
	add(true, "zero", "non", "than", "tested for", "test for", "tests for", "testing for", "чем",
		"not", "never", "like", "detect", "detects", "detecting", "screen for", "screened for", "absence of",
		"isn t", "doesn t", "don t", "won t", "didn t", "aren t", "wasn t", "не", "ни")
	return m
}()

// commerceWords after "free" make it a price word, not a negation.
var commerceWords = map[string]bool{
	"shipping": true, "shipment": true, "ship": true, "ships": true, "shipped": true, "delivery": true, "deliverie": true,
	"deliveries": true, "postage": true, "post": true, "sample": true, "samples": true, "gift": true, "gifts": true,
	"bonus": true, "tracking": true, "track": true, "reship": true, "reships": true, "stealth": true, "extra": true,
	"extras": true, "express": true, "domestic": true, "worldwide": true, "ww": true, "p": true, "us": true, "eu": true,
	"uk": true, "usa": true, "international": true, "returns": true, "escrow": true, "fe": true,
}

// proseWindow is how many words before a term a cue may end in a description.
const proseWindow = 3

// dropNegated removes negated or compared occurrences from hits (in place).
func (t *Tagger) dropNegated(hits []hit, texts [3]string, sc *scratch) []hit {
	n := 0
	for _, h := range hits {
		if !negated(texts[h.field], &sc.norm[h.field], h.start, h.end, h.field == 1 || texts[1] == "" && texts[2] == "" && h.field == 0 && isProse(texts[0])) {
			hits[n] = h
			n++
		}
	}
	return hits[:n]
}

// isProse reports whether free text (Tag) reads as prose rather than a title: long enough to
// hold sentences.
func isProse(s string) bool { return len(s) > 160 }

// negated reports whether the term at normalised [start,end) of one field is negated or compared.
func negated(text string, nt *normText, start, end int, prose bool) bool {
	s := nt.s
	// following: "fentanyl-free", "fent free."
	if ws, we := nextWord(s, end); ws >= 0 {
		switch string(s[ws:we]) {
		case "free", "negative":
			if ns, ne := nextWord(s, we); ns >= 0 && commerceWords[string(s[ns:ne])] {
				break // "SPEEDPASTE-FREE SHIPMENT", "MDMA free sample"
			}
			gap := gapText(text, nt, end, ws)
			if g := strings.TrimSpace(gap); g == gap && (g == "-" || g == "‐" || g == "–") {
				return true
			}
			if ns, _ := nextWord(s, we); ns < 0 || clauseBreak(gapText(text, nt, we, ns)) {
				if !clauseBreak(gap) {
					return true
				}
			}
		}
	}
	window := 1
	if prose {
		window = proseWindow
	}
	// preceding: up to window words back within the clause (one more for two-word cues)
	pos := start
	var words [proseWindow + 1][2]int
	nw := 0
	for nw < window+1 {
		ws, we := prevWord(s, pos)
		if ws < 0 || clauseBreak(gapText(text, nt, we, pos)) {
			break
		}
		words[nw] = [2]int{ws, we}
		nw++
		pos = ws
	}
	for i := 0; i < nw && i < window; i++ {
		w := string(s[words[i][0]:words[i][1]])
		for _, c := range negationCues[w] {
			if c.prose && !prose {
				continue
			}
			if len(c.words) == 2 {
				if i+1 >= nw || string(s[words[i+1][0]:words[i+1][1]]) != c.words[0] {
					continue
				}
			}
			if w == "no" || w == "нет" {
				// "No 4 heroin", "No.1 cocaine": a number, not a negation
				if ns, _ := nextWord(s, words[i][1]); ns >= 0 && isDigitByte(s[ns]) {
					continue
				}
			}
			return true
		}
	}
	return false
}

// imitation reports whether the term at normalised [start,end) names what a product imitates:
// "fake xanax", "counterfeit adderall", or a name in quotes ("pink 'cocaine'").
func imitation(text string, nt *normText, start, end int) bool {
	a, b := int(nt.off[start]), int(nt.off[end])
	if a > 0 && b < len(text) && b > a {
		r1, _ := utf8.DecodeLastRuneInString(text[:a])
		r2, _ := utf8.DecodeRuneInString(text[b:])
		if isQuote(r1) && (isQuote(r2) || strings.ContainsAny(text[a:b], "'\"‘’“”«»`„")) {
			return true // 'cocaine', "Xanax" bars (the term runs past the closing quote)
		}
	}
	s := nt.s
	if ws, we := prevWord(s, start); ws >= 0 && !clauseBreak(gapText(text, nt, we, start)) {
		switch string(s[ws:we]) {
		case "fake", "fakes", "counterfeit", "replica", "bootleg", "imitation", "faux", "поддельный", "поддельные":
			return true
		}
	}
	return pressedOther(nt, start, end)
}

// pressedOther reports whether the text states that its pills are pressed with another
// substance than the term at [start,end): "Xanax bars (bromazolam press)", "M30 pressed
// with fentanyl". The term then names the brand the press imitates.
func pressedOther(nt *normText, start, end int) bool {
	if !nt.pressDone {
		nt.pressDone = true
		nt.press = pressTargets(nt.s, nt.press[:0])
	}
	for _, w := range nt.press {
		if w[1] <= start || w[0] >= end {
			return true
		}
	}
	return false
}

// pressTargets appends the spans of the words a press names: the word before "press"
// ("bromazolam press") and the word after "pressed with"; at most 8.
func pressTargets(s []byte, out [][2]int) [][2]int {
	for i := 0; i < len(s) && len(out) < 8; {
		j := bytes.Index(s[i:], []byte("press"))
		if j < 0 {
			break
		}
		j += i
		i = j + 5
		if j > 0 && s[j-1] != ' ' {
			continue // "compress", "espresso"
		}
		we := j + 5
		for we < len(s) && s[we] != ' ' {
			we++
		}
		switch string(s[j:we]) {
		case "press":
			if ws, e := prevWord(s, j); ws >= 0 && !isDigitByte(s[ws]) {
				out = append(out, [2]int{ws, e})
			}
		case "pressed":
			if ns, ne := nextWord(s, we); ns >= 0 && string(s[ns:ne]) == "with" {
				if xs, xe := nextWord(s, ne); xs >= 0 {
					out = append(out, [2]int{xs, xe})
				}
			}
		}
	}
	return out
}

func isQuote(r rune) bool {
	switch r {
	case '\'', '"', '‘', '’', '“', '”', '«', '»', '`', '„':
		return true
	}
	return false
}

// prevWord returns the normalised word ending before pos (-1 if none).
func prevWord(s []byte, pos int) (int, int) {
	e := pos
	for e > 0 && s[e-1] == ' ' {
		e--
	}
	if e == 0 {
		return -1, -1
	}
	b := e
	for b > 0 && s[b-1] != ' ' {
		b--
	}
	return b, e
}

// nextWord returns the normalised word starting at or after pos (-1 if none).
func nextWord(s []byte, pos int) (int, int) {
	b := pos
	for b < len(s) && s[b] == ' ' {
		b++
	}
	if b >= len(s) {
		return -1, -1
	}
	e := b
	for e < len(s) && s[e] != ' ' {
		e++
	}
	return b, e
}

// gapText is the original text between normalised offsets a (end of a word) and b (start of the
// next).
func gapText(text string, nt *normText, a, b int) string {
	if a < 0 || b >= len(nt.off) || a >= len(nt.off) {
		return ""
	}
	x, y := int(nt.off[a]), int(nt.off[b])
	if x < 0 || y > len(text) || x >= y {
		return ""
	}
	return text[x:y]
}

// clauseBreak reports punctuation that ends a clause: . , ; : ! ? brackets, a bar, a line
// break, or a dash between spaces (" - ").
func clauseBreak(gap string) bool {
	if gap == "" {
		return false
	}
	if strings.ContainsAny(gap, ".,;:!?()[]{}|\n\r•") {
		return true
	}
	return strings.Contains(gap, " - ") || strings.Contains(gap, " – ") || strings.Contains(gap, " — ")
}
