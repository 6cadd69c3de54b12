package price

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// scanNumber returns the end of the number starting at s[i]: digit groups
// joined by '.', ',' and, when spaces is true, by a single space-like rune
// or apostrophe followed by exactly three digits ("1 200", "1'200").
func scanNumber(s string, i int, spaces bool) int {
	j := i
	for j < len(s) && (isDigit(rune(s[j]))) {
		j++
	}
	groups := 1
	for j < len(s) && groups < 12 {
		r, size := utf8.DecodeRuneInString(s[j:])
		switch {
		case r == '.' || r == ',':
			k := j + size
			n := digitsAt(s, k)
			if n == 0 {
				return j
			}
			j = k + n
		case spaces && (r == ' ' || r == '\u00a0' || r == '\u2009' || r == '\u202f' || r == '\'' || r == '’'):
			k := j + size
			n := digitsAt(s, k)
			if n != 3 || j-i > 3 && !strings.ContainsAny(s[i:j], " \u00a0\u2009\u202f'’") {
				return j
			}
			// a following '.'/',' + digits is fine ("1 200,50"); another space group too.
			j = k + n
		default:
			return j
		}
		groups++
	}
	return j
}

func digitsAt(s string, k int) int {
	n := 0
	for k+n < len(s) && isDigit(rune(s[k+n])) {
		n++
	}
	return n
}

// parseNumber interprets a number written with any of the common grouping
// conventions. The rules, in order:
//   - spaces and apostrophes are thousands separators;
//   - with both '.' and ',', the last one is the decimal mark ("1.234,56", "1,234.56");
//   - a mark that occurs more than once is a thousands separator ("1,234,567");
//   - a single '.' or ',' followed by exactly three digits after a non-zero
//     integer part is a thousands separator ("1,200", "1.200 €"), because
//     fiat prices have at most two decimals, unless crypto is true or
//     fiatThousands is false; otherwise it is a decimal mark ("30,50",
//     "1,5", "0.500", "1.500 BTC").
func parseNumber(raw string, crypto, fiatThousands bool) (float64, bool) {
	var b strings.Builder
	var groups []string
	var seps []rune
	cur := strings.Builder{}
	for _, r := range raw {
		switch {
		case isDigit(r):
			cur.WriteRune(r)
		case r == '.' || r == ',':
			groups = append(groups, cur.String())
			seps = append(seps, r)
			cur.Reset()
		default: // space-like thousands separators
			// merge into the current group
		}
	}
	groups = append(groups, cur.String())
	if len(groups) == 0 || len(groups[0]) == 0 && len(seps) == 0 {
		return 0, false
	}
	dec := -1 // index of the separator that is the decimal mark
	nDot, nComma := 0, 0
	for _, r := range seps {
		if r == '.' {
			nDot++
		} else {
			nComma++
		}
	}
	switch {
	case len(seps) == 0:
	case nDot > 0 && nComma > 0:
		last := seps[len(seps)-1]
		for k, r := range seps[:len(seps)-1] {
			if r == last || len(groups[k+1]) != 3 {
				return 0, false
			}
		}
		dec = len(seps) - 1
	case len(seps) > 1:
		for k := range seps {
			if len(groups[k+1]) != 3 {
				return 0, false
			}
		}
	default: // a single '.' or ','
		// fiat prices have at most two decimals: a lone mark before exactly
		// three digits after a non-zero integer part groups thousands.
		if fiatThousands && !crypto && len(groups[1]) == 3 && strings.TrimLeft(groups[0], "0") != "" {
			dec = -1
		} else {
			dec = 0
		}
	}
	if len(seps) > 0 && dec != 0 && len(groups[0]) > 3 {
		return 0, false
	}
	for k, g := range groups {
		if k > 0 && k-1 == dec {
			b.WriteByte('.')
		}
		b.WriteString(g)
	}
	str := b.String()
	if str == "" || str == "." {
		return 0, false
	}
	if str[0] == '.' {
		str = "0" + str
	}
	v, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}
