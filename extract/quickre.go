package extract

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// quickRe is a regexp with a literal prefilter: any match must contain one of lits, so
// MatchString tries the cheap strings.Contains checks before running the regexp. The
// prefilter is a necessary condition only, so results are exactly the regexp's.
// Methods other than MatchString are the embedded regexp's.
type quickRe struct {
	*regexp.Regexp
	lits []string // nil: no prefilter
	fold bool     // lits are lower case; the prefilter only applies to ASCII input, lower-cased
}

func mustQuick(expr string) *quickRe { return newQuick(regexp.MustCompile(expr)) }

// newQuick wraps re; nil stays nil.
func newQuick(re *regexp.Regexp) *quickRe {
	if re == nil {
		return nil
	}
	q := &quickRe{Regexp: re}
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return q
	}
	lits, fold, ok := requiredLits(t.Simplify())
	if !ok || len(lits) == 0 || len(lits) > 64 {
		return q
	}
	if fold {
		for i, l := range lits {
			for _, r := range l {
				if r >= utf8.RuneSelf && foldsToASCII(r) {
					return q // e.g. the Kelvin sign matches "k" case-insensitively
				}
			}
			lits[i] = strings.ToLower(l)
		}
	}
	q.lits, q.fold = lits, fold
	return q
}

// MatchString reports whether s contains a match of the regexp.
func (q *quickRe) MatchString(s string) bool {
	if q.lits != nil {
		t := s
		if q.fold {
			if !isASCII(s) {
				return q.Regexp.MatchString(s)
			}
			t = lowerASCII(s)
		}
		found := false
		for _, l := range q.lits {
			if strings.Contains(t, l) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return q.Regexp.MatchString(s)
}

// requiredLits returns literals one of which every match of t contains (ok false: none
// known). fold reports whether some literal is matched case-insensitively.
func requiredLits(t *syntax.Regexp) (lits []string, fold bool, ok bool) {
	switch t.Op {
	case syntax.OpLiteral:
		if len(t.Rune) == 0 {
			return nil, false, false
		}
		return []string{string(t.Rune)}, t.Flags&syntax.FoldCase != 0, true
	case syntax.OpCapture:
		return requiredLits(t.Sub[0])
	case syntax.OpPlus:
		return requiredLits(t.Sub[0])
	case syntax.OpRepeat:
		if t.Min >= 1 {
			return requiredLits(t.Sub[0])
		}
		return nil, false, false
	case syntax.OpCharClass:
		// a small class of single characters: [?&]
		n := 0
		var out []string
		for i := 0; i+1 < len(t.Rune); i += 2 {
			for r := t.Rune[i]; r <= t.Rune[i+1]; r++ {
				if n++; n > 4 {
					return nil, false, false
				}
				out = append(out, string(r))
			}
		}
		return out, false, len(out) > 0
	case syntax.OpConcat:
		// the sub-expression with the most selective literals
		var best []string
		bestFold, found, bestLen := false, false, 0
		for _, s := range t.Sub {
			l, f, ok := requiredLits(s)
			if !ok {
				continue
			}
			min := -1
			for _, x := range l {
				if min < 0 || len(x) < min {
					min = len(x)
				}
			}
			if !found || min > bestLen {
				best, bestFold, found, bestLen = l, f, true, min
			}
		}
		return best, bestFold, found
	case syntax.OpAlternate:
		var out []string
		anyFold := false
		for _, s := range t.Sub {
			l, f, ok := requiredLits(s)
			if !ok {
				return nil, false, false
			}
			out = append(out, l...)
			anyFold = anyFold || f
		}
		return out, anyFold, true
	}
	return nil, false, false
}

// foldsToASCII reports whether r is case-equivalent to an ASCII rune (K, ſ).
func foldsToASCII(r rune) bool {
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lowerASCII lower-cases ASCII letters, allocating only when s has upper-case ones.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
