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
	// digits without separators, and where each group starts in them
	var digits [64]byte
	var starts [16]int
	var seps [16]byte
	nd, ng := 0, 1
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= '0' && c <= '9':
			if nd == len(digits) {
				return 0, false
			}
			digits[nd] = c
			nd++
		case c == '.' || c == ',':
			if ng == len(starts) {
				return 0, false
			}
			seps[ng-1] = c
			starts[ng] = nd
			ng++
		}
		// anything else (spaces, apostrophes) is a thousands separator
		// inside the current group
	}
	nseps := ng - 1
	glen := func(k int) int {
		if k+1 < ng {
			return starts[k+1] - starts[k]
		}
		return nd - starts[k]
	}
	if nd == 0 {
		return 0, false
	}
	dec := -1 // index of the separator that is the decimal mark
	nDot, nComma := 0, 0
	for _, c := range seps[:nseps] {
		if c == '.' {
			nDot++
		} else {
			nComma++
		}
	}
	switch {
	case nseps == 0:
	case nDot > 0 && nComma > 0:
		last := seps[nseps-1]
		for k, c := range seps[:nseps-1] {
			if c == last || glen(k+1) != 3 {
				return 0, false
			}
		}
		dec = nseps - 1
	case nseps > 1:
		for k := range nseps {
			if glen(k+1) != 3 {
				return 0, false
			}
		}
	default: // a single '.' or ','
		// fiat prices have at most two decimals: a lone mark before exactly
		// three digits after a non-zero integer part groups thousands.
		intNonZero := false
		for _, c := range digits[:starts[1]] {
			if c != '0' {
				intNonZero = true
			}
		}
		if fiatThousands && !crypto && glen(1) == 3 && intNonZero {
			dec = -1
		} else {
			dec = 0
		}
	}
	if nseps > 0 && dec != 0 && glen(0) > 3 {
		return 0, false
	}
	var out [80]byte
	n := 0
	if glen(0) == 0 {
		out[n] = '0'
		n++
	}
	for k := range ng {
		if k > 0 && k-1 == dec {
			out[n] = '.'
			n++
		}
		n += copy(out[n:], digits[starts[k]:starts[k]+glen(k)])
	}
	v, err := strconv.ParseFloat(string(out[:n]), 64)
	if err != nil {
		return 0, false
	}
	return v, true
}
