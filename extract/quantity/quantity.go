package quantity

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Quantity is an amount of goods as written in a title or offer.
type Quantity struct {
	Count  float64 // multiplier: 10 in "10 x 80mg"; 1 when absent
	Amount float64 // amount per item as written: 80 in "10 x 80mg"
	Unit   string  // normalised: g mg ug kg oz lb ml pill tab blotter unit
	Grams  float64 // total mass in grams when Unit is a mass
	Units  float64 // total count when Unit is a count, or the explicit count of "100 pills x 350mg"
}

// MaxInput is the number of bytes of s that Parse and ParseAll look at.
const MaxInput = 1 << 16

// Parse returns the first quantity in s.
func Parse(s string) (Quantity, bool) {
	all := parse(s, 1)
	if len(all) == 0 {
		return Quantity{}, false
	}
	return all[0], true
}

// ParseAll returns every quantity in s in order of appearance.
func ParseAll(s string) []Quantity { return parse(s, -1) }

// UnitPrice returns usd per gram for a mass, per unit for a count, 0 if unknown.
func UnitPrice(usd float64, q Quantity) float64 {
	if !(usd > 0) {
		return 0
	}
	switch {
	case q.Grams > 0:
		return usd / q.Grams
	case q.Units > 0:
		return usd / q.Units
	}
	return 0
}

type unitDef struct {
	unit  string
	grams float64 // grams per unit; 0 for counts
}

// units maps lower-case spellings to normalised units.
var units = map[string]unitDef{
	"g": {"g", 1}, "gs": {"g", 1}, "gr": {"g", 1}, "grs": {"g", 1}, "gram": {"g", 1}, "grams": {"g", 1}, "gramm": {"g", 1}, "gramms": {"g", 1},
	"gramme": {"g", 1}, "grammes": {"g", 1}, "grammi": {"g", 1}, "gramos": {"g", 1}, "gm": {"g", 1}, "gms": {"g", 1},
	"г": {"g", 1}, "гр": {"g", 1}, "грамм": {"g", 1}, "грамма": {"g", 1}, "граммов": {"g", 1}, "гр.": {"g", 1}, "г.": {"g", 1},
	"mg": {"mg", 0.001}, "mgs": {"mg", 0.001}, "milligram": {"mg", 0.001}, "milligrams": {"mg", 0.001}, "мг": {"mg", 0.001},
	"ug": {"ug", 1e-6}, "µg": {"ug", 1e-6}, "μg": {"ug", 1e-6}, "mcg": {"ug", 1e-6}, "microgram": {"ug", 1e-6}, "micrograms": {"ug", 1e-6}, "мкг": {"ug", 1e-6},
	"kg": {"kg", 1000}, "kgs": {"kg", 1000}, "kilo": {"kg", 1000}, "kilos": {"kg", 1000}, "kilogram": {"kg", 1000}, "kilograms": {"kg", 1000}, "кг": {"kg", 1000},
	"oz": {"oz", 28.3495}, "ozs": {"oz", 28.3495}, "ounce": {"oz", 28.3495}, "ounces": {"oz", 28.3495}, "унция": {"oz", 28.3495}, "унций": {"oz", 28.3495},
	"lb": {"lb", 453.592}, "lbs": {"lb", 453.592}, "pound": {"lb", 453.592}, "pounds": {"lb", 453.592},
	"ml": {"ml", 0}, "мл": {"ml", 0},
	"pill": {"pill", 0}, "pills": {"pill", 0}, "caps": {"pill", 0}, "capsule": {"pill", 0}, "capsules": {"pill", 0},
	"таблеток": {"pill", 0}, "таблетки": {"pill", 0}, "таблетка": {"pill", 0}, "капсул": {"pill", 0},
	"tab": {"tab", 0}, "tabs": {"tab", 0}, "geltab": {"tab", 0}, "geltabs": {"tab", 0},
	"bar": {"pill", 0}, "bars": {"pill", 0},
	"dose": {"unit", 0}, "doses": {"unit", 0}, "seed": {"unit", 0}, "seeds": {"unit", 0},
	"vial": {"unit", 0}, "vials": {"unit", 0}, "amp": {"unit", 0}, "amps": {"unit", 0}, "ampoule": {"unit", 0}, "ampoules": {"unit", 0},
	"cart": {"unit", 0}, "carts": {"unit", 0}, "cartridge": {"unit", 0}, "cartridges": {"unit", 0}, "tablet": {"tab", 0}, "tablets": {"tab", 0}, "таб": {"tab", 0}, "таб.": {"tab", 0},
	"blotter": {"blotter", 0}, "blotters": {"blotter", 0}, "blot": {"blotter", 0}, "blots": {"blotter", 0},
	"марка": {"blotter", 0}, "марки": {"blotter", 0}, "марок": {"blotter", 0},
	"pcs": {"unit", 0}, "pc": {"unit", 0}, "piece": {"unit", 0}, "pieces": {"unit", 0}, "unit": {"unit", 0}, "units": {"unit", 0},
	"шт": {"unit", 0}, "шт.": {"unit", 0}, "штук": {"unit", 0}, "штуки": {"unit", 0},
}

func isCount(u string) bool {
	switch u {
	case "pill", "tab", "blotter", "unit":
		return true
	}
	return false
}

type num struct {
	v          float64
	start, end int
	integer    bool
}

// parse scans s for "[count x] amount unit [x count]".
func parse(s string, limit int) []Quantity {
	if len(s) > MaxInput {
		s = s[:MaxInput]
	}
	var out []Quantity
	// pending is a leading multiplier such as "100x DOC blotter 1mg" or
	// "5x FlavRX 1000mg": it applies to the next mass within pendingSpan bytes.
	const pendingSpan = 48
	pending, pendingEnd := 0.0, 0
	emit := func(q Quantity, at int) bool {
		if pending > 0 && at <= pendingEnd && q.Count == 1 && (q.Grams > 0 || q.Unit == "ml") {
			q.Count = pending
			q.Grams = round6(q.Grams * pending)
		}
		pending = 0
		out = append(out, q)
		return limit > 0 && len(out) >= limit
	}
	for i := 0; i < len(s); {
		if wordBoundary(s, i) {
			if q, end, ok := wordQuantityAt(s, i); ok {
				if emit(q, i) {
					break
				}
				i = end
				continue
			}
		}
		n, ok := numberAt(s, i)
		if !ok {
			_, size := utf8.DecodeRuneInString(s[i:])
			// skip the rest of a word so "A215" or "mp3" give no number
			if isWordRune(s, i) {
				j := i + size
				for j < len(s) && isWordRune(s, j) {
					_, sz := utf8.DecodeRuneInString(s[j:])
					j += sz
				}
				i = j
				continue
			}
			i += size
			continue
		}
		q, end, ok := quantityAt(s, n)
		if !ok {
			// "10x tablets", "100x DOC Blotter 1mg"
			if k, isTimes := timesAt(s, n.end); isTimes && n.integer && n.v >= 2 && n.v <= 100000 && !starAt(s, n.end) && !(n.v >= 1990 && n.v < 2100) {
				if u, ue, isUnit := unitAt(s, k); isUnit && isCount(u.unit) {
					if emit(build(1, n.v, u), n.start) {
						break
					}
					i = ue
					continue
				}
				pending, pendingEnd = n.v, k+pendingSpan
			}
			i = n.end
			continue
		}
		if emit(q, n.start) {
			break
		}
		i = end
	}
	return out
}

func wordBoundary(s string, i int) bool {
	return i == 0 || !isWordRune(s, prevRuneStart(s, i))
}

// wordQuantities are quantities written in words, lower case.
var wordQuantities = []struct {
	text   string
	amount float64
	unit   string
}{
	{"quarter pound", 0.25, "lb"}, {"half pound", 0.5, "lb"}, {"qp", 0.25, "lb"},
	{"half ounce", 0.5, "oz"}, {"half oz", 0.5, "oz"}, {"half an ounce", 0.5, "oz"},
	{"quarter ounce", 0.25, "oz"}, {"quarter oz", 0.25, "oz"}, {"qtr oz", 0.25, "oz"},
	{"eighth", 0.125, "oz"}, {"8th", 0.125, "oz"}, {"one ounce", 1, "oz"}, {"an ounce", 1, "oz"},
	{"half gram", 0.5, "g"}, {"one gram", 1, "g"}, {"half kilo", 0.5, "kg"}, {"one kilo", 1, "kg"},
}

// wordQuantityAt matches a word quantity starting at s[i].
func wordQuantityAt(s string, i int) (Quantity, int, bool) {
	c := s[i] | 0x20
	if c != 'q' && c != 'h' && c != 'e' && c != 'o' && c != 'a' && s[i] != '8' {
		return Quantity{}, 0, false
	}
	for _, w := range wordQuantities {
		end := i + len(w.text)
		if end > len(s) || !strings.EqualFold(s[i:end], w.text) || isWordRune(s, end) {
			continue
		}
		for k, u := range units {
			if k == w.unit {
				return build(1, w.amount, u), end, true
			}
		}
	}
	return Quantity{}, 0, false
}

// quantityAt tries the forms that start with number n.
func quantityAt(s string, n num) (Quantity, int, bool) {
	// "10 x 80mg", "10x 80 mg", "10 * 1g", "10 pills x 350mg"
	count := 1.0
	j := n.end
	if u, ue, ok := unitAt(s, j); ok && isCount(u.unit) {
		// "100 pills x 350mg" keeps the mass per pill and the pill count
		if k, ok := timesAt(s, ue); ok {
			if m, ok := numberAfter(s, k); ok {
				if u2, ue2, ok := unitAt(s, m.end); ok && !isCount(u2.unit) && u2.grams > 0 {
					q := build(n.v, m.v, u2)
					q.Units = n.v
					return q, ue2, true
				}
			}
		}
		return build(1, n.v, u), ue, true
	}
	if k, ok := timesAt(s, j); ok && n.integer {
		if m, ok := numberAfter(s, k); ok {
			if u, ue, ok := unitAt(s, m.end); ok {
				count = n.v
				return build(count, m.v, u), ue, true
			}
		}
	}
	u, ue, ok := unitAt(s, j)
	if !ok {
		return Quantity{}, 0, false
	}
	// "80mg x 10", "5g x2": trailing integer count not followed by a unit
	if k, ok := timesAt(s, ue); ok {
		if m, ok := numberAfter(s, k); ok && m.integer && m.v > 0 && m.v <= 100000 {
			if _, _, isUnit := unitAt(s, m.end); !isUnit && !nextWordRune(s, m.end) {
				return build(m.v, n.v, u), m.end, true
			}
		}
	}
	return build(count, n.v, u), ue, true
}

func build(count, amount float64, u unitDef) Quantity {
	q := Quantity{Count: count, Amount: amount, Unit: u.unit}
	if u.grams > 0 {
		q.Grams = round6(count * amount * u.grams)
	} else if isCount(u.unit) {
		q.Units = count * amount
	}
	return q
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// timesAt matches optional spaces, a multiplication sign, optional spaces.
func timesAt(s string, i int) (int, bool) {
	j := skipSpaces(s, i)
	if j >= len(s) {
		return 0, false
	}
	r, size := utf8.DecodeRuneInString(s[j:])
	switch r {
	case 'x', 'X', '*', '×', 'х', 'Х': // latin x, Cyrillic ha
	default:
		return 0, false
	}
	k := j + size
	if k < len(s) && !isDigit(s[k]) && isWordRune(s, k) {
		return 0, false // "x" is the start of a word
	}
	return skipSpaces(s, k), true
}

// starAt reports whether the multiplication sign after s[i:] is '*', which
// is too often decoration ("**JULY 2017** 14G") to start a multiplier alone.
func starAt(s string, i int) bool {
	j := skipSpaces(s, i)
	return j < len(s) && s[j] == '*'
}

func skipSpaces(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != ' ' && r != '\t' && r != '\u00a0' && r != '\u202f' && r != '\u2009' {
			break
		}
		i += size
	}
	return i
}

// unitAt matches optional spaces then a unit word ending at a word boundary.
func unitAt(s string, i int) (unitDef, int, bool) {
	j := skipSpaces(s, i)
	if j-i > 2 {
		return unitDef{}, 0, false
	}
	k := j
	for k < len(s) && k-j < 24 {
		r, size := utf8.DecodeRuneInString(s[k:])
		if !unicode.IsLetter(r) && r != 'µ' {
			break
		}
		k += size
	}
	if k == j {
		return unitDef{}, 0, false
	}
	if k < len(s) && isDigit(s[k]) {
		return unitDef{}, 0, false // "G13", "2C-B" style codes
	}
	word := strings.ToLower(s[j:k])
	if _, ok := units[word]; !ok {
		// "10gCocaine": a lower-case unit glued to a capitalised word
		if c := camelCut(s[j:k]); c > 0 {
			if u, ok := units[s[j:j+c]]; ok {
				return u, j + c, true
			}
		}
	}
	// a trailing '.' belongs to abbreviations like "гр." and "шт."
	if k < len(s) && s[k] == '.' {
		if u, ok := units[word+"."]; ok {
			return u, k + 1, true
		}
	}
	u, ok := units[word]
	if !ok {
		return unitDef{}, 0, false
	}
	return u, k, true
}

// numberAt parses a number starting exactly at s[i]: digits with an optional
// decimal part ("0.5", "0,5", "1,000"), or a fraction ("1/2", "½").
func numberAt(s string, i int) (num, bool) {
	if i > 0 && i <= len(s) && isWordRune(s, prevRuneStart(s, i)) {
		return num{}, false
	}
	return numberAfter(s, i)
}

// numberAfter is numberAt without the word-boundary check, for the number
// after a multiplication sign ("10x80mg").
func numberAfter(s string, i int) (num, bool) {
	if i >= len(s) {
		return num{}, false
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if f, ok := fractions[r]; ok {
		return num{v: f, start: i, end: i + size}, true
	}
	if (s[i] == '.' || s[i] == ',') && i+1 < len(s) && isDigit(s[i+1]) && !(i > 0 && (s[i-1] == '.' || s[i-1] == ',')) {
		// ".5g"
		k := i + 1
		for k < len(s) && isDigit(s[k]) && k-i < 10 {
			k++
		}
		v, err := strconv.ParseFloat("0."+s[i+1:k], 64)
		if err != nil {
			return num{}, false
		}
		return num{v: v, start: i, end: k}, true
	}
	if !isDigit(s[i]) {
		return num{}, false
	}
	j := i
	for j < len(s) && isDigit(s[j]) && j-i < 12 {
		j++
	}
	intPart := s[i:j]
	// "1 ½"
	if j < len(s) {
		if k := skipSpaces(s, j); k-j <= 1 {
			r, size := utf8.DecodeRuneInString(s[k:])
			if f, ok := fractions[r]; ok {
				v, _ := strconv.ParseFloat(intPart, 64)
				return num{v: v + f, start: i, end: k + size}, true
			}
		}
	}
	// fraction "1/2", "1/8"
	if j+1 < len(s) && s[j] == '/' && isDigit(s[j+1]) {
		k := j + 1
		for k < len(s) && isDigit(s[k]) && k-j < 4 {
			k++
		}
		a, _ := strconv.ParseFloat(intPart, 64)
		b, _ := strconv.ParseFloat(s[j+1:k], 64)
		// real fractions: 1/2, 3/4, 1/8, 1/16 ("225/240MG" is two doses)
		if (b == 2 || b == 3 || b == 4 || b == 8 || b == 16) && a > 0 && a < b {
			return num{v: a / b, start: i, end: k}, true
		}
		return num{}, false
	}
	// decimal or thousands
	if j+1 < len(s) && (s[j] == '.' || s[j] == ',') && isDigit(s[j+1]) {
		k := j + 1
		for k < len(s) && isDigit(s[k]) && k-j < 10 {
			k++
		}
		frac := s[j+1 : k]
		// another separator ("1,000,000", "1.000,5"): handle simple thousands only
		if s[j] == ',' && len(frac) == 3 && strings.TrimLeft(intPart, "0") != "" && !(k < len(s) && (s[k] == '.' || s[k] == ',') && k+1 < len(s) && isDigit(s[k+1]) && s[k] == ',') {
			v, _ := strconv.ParseFloat(intPart+frac, 64)
			end := k
			if k+1 < len(s) && s[k] == '.' && isDigit(s[k+1]) {
				m := k + 1
				for m < len(s) && isDigit(s[m]) && m-k < 10 {
					m++
				}
				v, _ = strconv.ParseFloat(intPart+frac+"."+s[k+1:m], 64)
				end = m
			}
			return num{v: v, start: i, end: end, integer: v == math.Trunc(v)}, true
		}
		v, err := strconv.ParseFloat(intPart+"."+frac, 64)
		if err != nil {
			return num{}, false
		}
		return num{v: v, start: i, end: k}, true
	}
	v, err := strconv.ParseFloat(intPart, 64)
	if err != nil {
		return num{}, false
	}
	return num{v: v, start: i, end: j, integer: true}, true
}

// camelCut returns the length of the lower-case prefix of w that is
// followed by an upper-case letter, or 0.
func camelCut(w string) int {
	for i, r := range w {
		if unicode.IsUpper(r) {
			if i > 0 && !unicode.IsUpper(rune(w[0])) {
				return i
			}
			return 0
		}
	}
	return 0
}

var fractions = map[rune]float64{'½': 0.5, '¼': 0.25, '¾': 0.75, '⅛': 0.125, '⅓': 1.0 / 3, '⅔': 2.0 / 3}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isWordRune(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func nextWordRune(s string, i int) bool { return isWordRune(s, i) }

func prevRuneStart(s string, i int) int {
	_, size := utf8.DecodeLastRuneInString(s[:i])
	return i - size
}
