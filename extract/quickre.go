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
	lits  []string // nil: no prefilter
	fold  bool     // lits are lower case and compared with lower-cased ASCII input
	canon []string // fold: lits in canonical case (foldCanon), for non-ASCII input

	litSet, canonSet litMatcher
}

// litMatcher reports whether a string contains one of its literals: strings.Contains for
// a few, else one pass over the string checking the literals that start with each byte.
type litMatcher struct {
	lits  []string
	first *[256][]string // nil: few literals
}

func newLitMatcher(lits []string) litMatcher {
	m := litMatcher{lits: lits}
	if len(lits) > 6 {
		m.first = new([256][]string)
		for _, l := range lits {
			m.first[l[0]] = append(m.first[l[0]], l)
		}
	}
	return m
}

func (m *litMatcher) in(s string) bool {
	if m.first == nil {
		for _, l := range m.lits {
			if strings.Contains(s, l) {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(s); i++ {
		for _, l := range m.first[s[i]] {
			if strings.HasPrefix(s[i:], l) {
				return true
			}
		}
	}
	return false
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
	if !ok || len(lits) == 0 || len(lits) > maxLits {
		return q
	}
	for _, l := range lits {
		if strings.ContainsRune(l, utf8.RuneError) {
			return q // the regexp matches invalid UTF-8 as U+FFFD; Contains would not
		}
	}
	if fold {
		for i, l := range lits {
			for _, r := range l {
				if r >= utf8.RuneSelf && foldsToASCII(r) {
					return q // e.g. the Kelvin sign matches "k" case-insensitively
				}
			}
			q.canon = append(q.canon, foldCanon(l))
			lits[i] = strings.ToLower(l)
		}
	}
	q.lits, q.fold = lits, fold
	q.litSet, q.canonSet = newLitMatcher(q.lits), newLitMatcher(q.canon)
	return q
}

// MatchString reports whether s contains a match of the regexp.
func (q *quickRe) MatchString(s string) bool {
	return q.mayMatch(s) && q.Regexp.MatchString(s)
}

// mayMatch is the literal prefilter alone: false means s holds no match (nor does any
// substring of s); true means it may.
func (q *quickRe) mayMatch(s string) bool {
	if q.lits != nil {
		t, set := s, &q.litSet
		if q.fold {
			if isASCII(s) {
				t = lowerASCII(s)
			} else {
				t, set = foldCanon(s), &q.canonSet
			}
		}
		if !set.in(t) {
			return false
		}
	}
	return true
}

// litSet describes a sub-expression: every match contains one of lits (exact: every
// match is one of lits). fold: some literal matches case-insensitively.
type litSet struct {
	lits  []string
	fold  bool
	ok    bool
	exact bool
}

const maxLits = 64

// minLen is the length of the shortest literal (0 for none).
func (l litSet) minLen() int {
	m := -1
	for _, x := range l.lits {
		if m < 0 || len(x) < m {
			m = len(x)
		}
	}
	if m < 0 {
		return 0
	}
	return m
}

// requiredLits returns literals one of which every match of t contains (ok false: none
// known). fold reports whether some literal is matched case-insensitively.
func requiredLits(t *syntax.Regexp) (lits []string, fold bool, ok bool) {
	l := litsOf(t)
	if !l.ok || l.minLen() == 0 {
		return nil, false, false
	}
	return l.lits, l.fold, true
}

func litsOf(t *syntax.Regexp) litSet {
	switch t.Op {
	case syntax.OpLiteral:
		if len(t.Rune) == 0 {
			return litSet{}
		}
		return litSet{lits: []string{string(t.Rune)}, fold: t.Flags&syntax.FoldCase != 0, ok: true, exact: true}
	case syntax.OpEmptyMatch:
		return litSet{lits: []string{""}, ok: true, exact: true}
	case syntax.OpCapture:
		return litsOf(t.Sub[0])
	case syntax.OpPlus:
		l := litsOf(t.Sub[0])
		l.exact = false
		return l
	case syntax.OpRepeat:
		if t.Min >= 1 {
			l := litsOf(t.Sub[0])
			l.exact = l.exact && t.Min == 1 && t.Max == 1
			return l
		}
		return litSet{}
	case syntax.OpQuest:
		l := litsOf(t.Sub[0])
		if !l.exact || len(l.lits) >= maxLits {
			return litSet{}
		}
		return litSet{lits: append(append([]string(nil), l.lits...), ""), fold: l.fold, ok: true, exact: true}
	case syntax.OpCharClass:
		// a small class of single characters: [?&]
		var out []string
		for i := 0; i+1 < len(t.Rune); i += 2 {
			for r := t.Rune[i]; r <= t.Rune[i+1]; r++ {
				if len(out) >= 4 {
					return litSet{}
				}
				out = append(out, string(r))
			}
		}
		return litSet{lits: out, ok: len(out) > 0, exact: len(out) > 0}
	case syntax.OpConcat:
		// candidates: each sub's own literals, and products of runs of exact subs
		var best litSet
		consider := func(c litSet) {
			if !c.ok || len(c.lits) == 0 || len(c.lits) > maxLits {
				return
			}
			if !best.ok || c.minLen() > best.minLen() {
				best = c
				best.exact = false
			}
		}
		var run litSet // product of the current run of exact subs
		inRun := false
		allExact := true
		for _, s := range t.Sub {
			l := litsOf(s)
			consider(l)
			if !l.exact || len(l.lits)*max(len(run.lits), 1) > maxLits {
				if inRun {
					consider(run)
				}
				inRun = false
				allExact = false
				continue
			}
			if !inRun {
				run, inRun = litSet{lits: l.lits, fold: l.fold, ok: true, exact: true}, true
				continue
			}
			var prod []string
			for _, a := range run.lits {
				for _, b := range l.lits {
					prod = append(prod, a+b)
				}
			}
			run = litSet{lits: prod, fold: run.fold || l.fold, ok: true, exact: true}
		}
		if inRun {
			if allExact {
				return run
			}
			consider(run)
		}
		return best
	case syntax.OpAlternate:
		var out litSet
		out.ok, out.exact = true, true
		for _, s := range t.Sub {
			l := litsOf(s)
			if !l.ok {
				return litSet{}
			}
			out.lits = append(out.lits, l.lits...)
			out.fold = out.fold || l.fold
			out.exact = out.exact && l.exact
		}
		if len(out.lits) > maxLits {
			return litSet{}
		}
		return out
	}
	return litSet{}
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

// foldCanon maps every rune of s to the smallest rune of its case-folding orbit
// (unicode.SimpleFold), so two strings equal under the regexp's (?i) matching have the
// same canonical form. Invalid bytes become U+FFFD, as the regexp reads them.
func foldCanon(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			b = append(b, byte(r))
			continue
		}
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b = utf8.AppendRune(b, m)
	}
	return string(b)
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
