package price

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Money is an amount in one currency as written on a page.
type Money struct {
	Amount   float64
	Currency string // USD EUR GBP AUD CAD RUB BTC XMR LTC (mBTC is normalised to BTC)
}

// MaxInput is the number of bytes of s that Parse and ParseAll look at;
// the rest is ignored so that hostile pages cannot make parsing slow.
const MaxInput = 1 << 16

// Parse returns the first price in s: a number with a currency marker
// directly before or after it ("$1,200.00", "USD 45", "45 USD", "1 200 ₽").
func Parse(s string) (Money, bool) {
	all := parse(s, 1)
	if len(all) == 0 {
		return Money{}, false
	}
	return all[0], true
}

// ParseAll returns every price in s in order of appearance.
func ParseAll(s string) []Money { return parse(s, -1) }

type tokKind uint8

const (
	tNum tokKind = iota + 1
	tCur
	tOther
)

type token struct {
	kind     tokKind
	start    int    // byte offsets in s
	end      int    //
	raw      string // number text for tNum
	kilo     bool   // tNum: "1.5k"
	cur      string // currency code for tCur
	scale    float64
	used     bool
	spaceGap int // whitespace bytes between the previous token and this one
}

func parse(s string, limit int) []Money {
	if len(s) > MaxInput {
		s = s[:MaxInput]
	}
	toks := lex(s)
	var out []Money
	for i := range toks {
		t := &toks[i]
		if t.kind != tNum {
			continue
		}
		cur := bindCurrency(toks, i)
		if cur == nil {
			continue
		}
		if isRatePair(toks, i, cur) {
			cur.used = true
			continue
		}
		v, ok := parseNumber(t.raw, isCrypto(cur.cur), true)
		if !ok {
			continue
		}
		if q := dollarCode(s, toks, i, cur); q != nil {
			q.used = true
			cur = q
		}
		if t.kilo {
			v *= 1000
		}
		cur.used = true
		if cur.scale != 1 {
			v /= math.Round(1 / cur.scale) // mBTC: divide to keep 12.5 -> 0.0125 exact
		}
		out = append(out, Money{Amount: v, Currency: cur.cur})
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

// bindCurrency finds the currency marker of the number toks[i]: an unused
// marker directly before it, else one directly after it that is not itself
// the tight prefix of the next number ("10 $20").
func bindCurrency(toks []token, i int) *token {
	if i > 0 {
		p := &toks[i-1]
		if p.kind == tCur && !p.used && toks[i].spaceGap <= 2 {
			if isRateLabel(toks, i-1) {
				return nil // "BTC/USD 9304.76" is an exchange rate
			}
			return p
		}
	}
	if i+1 < len(toks) {
		n := &toks[i+1]
		if n.kind == tCur && !n.used && n.spaceGap <= 2 {
			if i+2 < len(toks) && toks[i+2].kind == tNum && toks[i+2].spaceGap == 0 {
				return nil
			}
			if i+3 < len(toks) && isRateLabel(toks, i+3) {
				return nil
			}
			return n
		}
	}
	return nil
}

// dollarCode is the code that names which dollar a bare "$" is: "CAD $351.75",
// "$472.5 CAD", "AUD $20" (a code directly before the "$" or directly after the number).
// nil when the "$" stands alone (USD) or cur is not a bare "$".
func dollarCode(s string, toks []token, i int, cur *token) *token {
	if cur.cur != "USD" || s[cur.start:cur.end] != "$" {
		return nil
	}
	dollar := func(t *token) bool {
		return t.kind == tCur && !t.used && t.end-t.start == 3 && (t.cur == "CAD" || t.cur == "AUD" || t.cur == "USD")
	}
	if i > 0 && cur == &toks[i-1] {
		if i > 1 && dollar(&toks[i-2]) && cur.spaceGap <= 2 {
			return &toks[i-2]
		}
		if i+1 < len(toks) && dollar(&toks[i+1]) && toks[i+1].spaceGap <= 2 &&
			(i+2 >= len(toks) || toks[i+2].kind != tNum || toks[i+2].spaceGap > 2) {
			return &toks[i+1]
		}
	}
	return nil
}

// isRateLabel reports whether the marker toks[j] is the second half of a
// pair such as "BTC/USD 9304.76" (an exchange rate, not a price).
func isRateLabel(toks []token, j int) bool {
	if j < 2 {
		return false
	}
	slash := toks[j-1]
	return toks[j].kind == tCur && slash.kind == tOther && slash.raw == "/" && toks[j-2].kind == tCur && toks[j].spaceGap == 0 && slash.spaceGap == 0
}

// isRatePair reports the numbers of an exchange-rate statement such as
// "1 BTC = 9304 USD" or "1 XMR ≈ $150": an "=" (or "≈", "~") between two
// amounts whose left side is exactly 1. "45 USD = 0.0012 BTC" is a price
// shown in two currencies and is kept.
func isRatePair(toks []token, i int, cur *token) bool {
	// toks[i] on the left: number [cur] "=" ...
	for j := i + 1; j < len(toks) && j <= i+2; j++ {
		if isEquals(toks[j]) {
			return isOne(toks[i].raw)
		}
		if toks[j].kind != tCur {
			break
		}
	}
	// toks[i] on the right: ... "=" [cur] number, left number within 2 tokens
	for j := i - 1; j >= 0 && j >= i-2; j-- {
		if isEquals(toks[j]) {
			for k := j - 1; k >= 0 && k >= j-2; k-- {
				if toks[k].kind == tNum {
					return isOne(toks[k].raw)
				}
			}
			return false
		}
		if toks[j].kind != tCur {
			break
		}
	}
	return false
}

func isEquals(t token) bool {
	return t.kind == tOther && (t.raw == "=" || t.raw == "≈" || t.raw == "~")
}

func isOne(raw string) bool {
	v, ok := parseNumber(raw, true, false)
	return ok && v == 1
}

func isCrypto(c string) bool { return c == "BTC" || c == "XMR" || c == "LTC" }

// lex splits s into numbers, currency markers and other single tokens.
func lex(s string) []token {
	toks := make([]token, 0, min(len(s)/6+4, 4096))
	gap := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isSpace(r) {
			gap += size
			i += size
			continue
		}
		if isDigit(r) || ((r == '.' || r == ',') && i+1 < len(s) && isDigit(rune(s[i+1])) && !prevAlnum(s, i)) {
			if prevLetter(s, i) {
				// part of a word such as "A215" or "mp3": skip the whole run.
				j := i
				for j < len(s) && (isDigit(rune(s[j])) || s[j] == '.' || s[j] == ',') {
					j++
				}
				toks = append(toks, token{kind: tOther, start: i, end: j, spaceGap: gap})
				gap = 0
				i = j
				continue
			}
			end := scanNumber(s, i, true)
			t := token{kind: tNum, start: i, end: end, raw: s[i:end], spaceGap: gap}
			// "45,-" / "45.-" / "45,–": whole amount, dash for zero cents
			if end+1 < len(s) && (s[end] == ',' || s[end] == '.') && s[end+1] == '-' {
				end += 2
				t.end = end
			} else if strings.HasPrefix(s[end:], ",–") || strings.HasPrefix(s[end:], ".–") {
				end += 1 + len("–")
				t.end = end
			}
			// "1.5k" multiplier.
			if end < len(s) && (s[end] == 'k' || s[end] == 'K') && !nextLetter(s, end+1) {
				t.kilo = true
				end++
				t.end = end
			}
			// "5 тыс. руб." / "5к ₽": thousands
			if k := skipSpace(s, end); !t.kilo {
				for _, w := range []string{"тыс.", "тысяч", "тыс", "к"} {
					if strings.HasPrefix(s[k:], w) && !nextLetter(s, k+len(w)) {
						t.kilo = true
						end = k + len(w)
						t.end = end
						break
					}
				}
			}
			if end < len(s) && isLetterByte(s, end) && !startsCurrency(s, end) {
				// "5g", "10x": a number glued to a word is not a price amount.
				t.kind = tOther
			}
			toks = append(toks, t)
			gap = 0
			i = end
			continue
		}
		if code, scale, n := matchCurrency(s, i); n > 0 {
			toks = append(toks, token{kind: tCur, start: i, end: i + n, cur: code, scale: scale, spaceGap: gap})
			gap = 0
			i += n
			continue
		}
		if unicode.IsLetter(r) {
			j := i
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r2) && !isDigit(r2) {
					break
				}
				j += sz
			}
			// consecutive words are one barrier token: only adjacency matters
			if n := len(toks); n > 0 && toks[n-1].kind == tOther && toks[n-1].raw == "" && toks[n-1].end+gap == i {
				toks[n-1].end = j
			} else {
				toks = append(toks, token{kind: tOther, start: i, end: j, spaceGap: gap})
			}
			gap = 0
			i = j
			continue
		}
		toks = append(toks, token{kind: tOther, start: i, end: i + size, raw: s[i : i+size], spaceGap: gap})
		gap = 0
		i += size
	}
	return toks
}

func startsCurrency(s string, i int) bool {
	_, _, n := matchCurrency(s, i)
	return n > 0
}

type marker struct {
	text  string // lower case
	code  string
	scale float64
	word  bool // must end at a word boundary (letters)
}

// markers, longest first within the same first byte is not required:
// matchCurrency picks the longest match.
var markers = []marker{
	{"us$", "USD", 1, false}, {"usd", "USD", 1, true}, {"$", "USD", 1, false},
	{"dollars", "USD", 1, true}, {"dollar", "USD", 1, true},
	{"au$", "AUD", 1, false}, {"a$", "AUD", 1, false}, {"aud", "AUD", 1, true},
	{"ca$", "CAD", 1, false}, {"c$", "CAD", 1, false}, {"cad", "CAD", 1, true},
	{"€", "EUR", 1, false}, {"eur", "EUR", 1, true}, {"euro", "EUR", 1, true}, {"euros", "EUR", 1, true}, {"евро", "EUR", 1, true},
	{"£", "GBP", 1, false}, {"gbp", "GBP", 1, true},
	{"₽", "RUB", 1, false}, {"rub", "RUB", 1, true}, {"rur", "RUB", 1, true}, {"руб.", "RUB", 1, false}, {"руб", "RUB", 1, true},
	{"рублей", "RUB", 1, true}, {"рубля", "RUB", 1, true}, {"рубль", "RUB", 1, true}, {"р.", "RUB", 1, false}, {"р", "RUB", 1, true}, {"roubles", "RUB", 1, true}, {"rubles", "RUB", 1, true},
	{"₿", "BTC", 1, false}, {"฿", "BTC", 1, false}, {"btc", "BTC", 1, true}, {"xbt", "BTC", 1, true}, {"bitcoin", "BTC", 1, true}, {"bitcoins", "BTC", 1, true},
	{"mbtc", "BTC", 0.001, true},
	{"xmr", "XMR", 1, true}, {"monero", "XMR", 1, true},
	{"ltc", "LTC", 1, true}, {"litecoin", "LTC", 1, true}, {"litecoins", "LTC", 1, true},
}

// markerFirst holds the lower-case first bytes of ASCII markers.
var markerFirst = func() (t [256]bool) {
	for _, m := range markers {
		t[m.text[0]] = true
	}
	for _, b := range blocked {
		t[b[0]] = true
	}
	return t
}()

// blocked are dollar-like prefixes of other currencies: "NZ$5" is not USD.
var blocked = []string{"nz$", "hk$", "s$", "r$", "mx$", "z$", "nt$"}

// matchCurrency returns the currency marker starting at s[i], its scale and byte length.
func matchCurrency(s string, i int) (string, float64, int) {
	if c := s[i]; c < utf8.RuneSelf && !markerFirst[c|0x20] && c != '$' {
		return "", 0, 0
	}
	if prevLetter(s, i) {
		// markers must start a word ("usdt" inside "busdt" etc.), except symbols
		r, _ := utf8.DecodeRuneInString(s[i:])
		if r != '$' && r != '€' && r != '£' && r != '₽' && r != '₿' && r != '฿' {
			return "", 0, 0
		}
		// "AU$": the letters before "$" belong to the marker, handled at their start;
		// "NZ$" etc. are blocked there too.
		if r == '$' {
			return "", 0, 0
		}
	}
	// ASCII-lower the next bytes into a stack buffer; markers that start
	// with a non-ASCII rune (€, ₽, руб) are compared with EqualFold.
	var buf [16]byte
	nb := copy(buf[:], s[i:])
	ascii := s[i] < utf8.RuneSelf
	if ascii {
		for k := range nb {
			if 'A' <= buf[k] && buf[k] <= 'Z' {
				buf[k] += 'a' - 'A'
			}
		}
	}
	hasPrefixFold := func(p string) bool {
		if len(p) > nb {
			return false
		}
		if ascii {
			return string(buf[:len(p)]) == p
		}
		return strings.EqualFold(s[i:i+len(p)], p)
	}
	for _, b := range blocked {
		if hasPrefixFold(b) {
			return "", 0, 0
		}
	}
	best := -1
	for k, m := range markers {
		if !hasPrefixFold(m.text) {
			continue
		}
		n := len(m.text)
		if m.word && nextLetter(s, i+n) {
			continue
		}
		if best < 0 || n > len(markers[best].text) {
			best = k
		}
	}
	if best < 0 {
		return "", 0, 0
	}
	m := markers[best]
	// "р." alone is only a ruble sign right after a number; keep it but it
	// cannot bind as a prefix of a word.
	return m.code, m.scale, len(m.text)
}

func skipSpace(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isSpace(r) {
			break
		}
		i += size
	}
	return i
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' || r == '\u2009' || r == '\u202f' || r == '\u2007'
}

func prevLetter(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r)
}

func prevAlnum(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || isDigit(r)
}

func nextLetter(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

func isLetterByte(s string, i int) bool { return nextLetter(s, i) }
