package induce

import (
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"

	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/extract/price"
)

// target is the generic extractor's value of one field in one scope (a page or a card),
// and how to tell whether a text reproduces it.
type target struct {
	kind  int    // tText, tPrice, tURL, tPath
	text  string // normalised text (tText, tPath: "A > B"), or the absolute URL (tURL)
	money price.Money
	def   string // currency of bare amounts
}

const (
	tText = iota
	tPrice
	tURL
	tPath
	tStatus // text: the generic status; a match is a stock text giving that status
)

func (t target) empty() bool {
	if t.kind == tPrice {
		return t.money.Currency == ""
	}
	return t.text == ""
}

// isDefault reports whether the target is a value the extractor gives without evidence
// on the page (status active: a listing with no stock text).
func (t target) isDefault() bool {
	return t.kind == tStatus && t.text == extract.StatusActive
}

// matches reports whether the text s (already normalised) reproduces the target.
func (t target) matches(s string) bool {
	switch t.kind {
	case tPrice:
		m, ok := parsePrice(s, t.def)
		return ok && m.Currency == t.money.Currency && math.Abs(m.Amount-t.money.Amount) < 1e-9*math.Max(1, t.money.Amount)
	case tStatus:
		if s == "" { // no stock element: the extractor says active
			return t.text == extract.StatusActive
		}
		return stockStatement(s) && statusOf(s) == t.text
	case tText:
		if s == t.text {
			return true
		}
		// the generic extractor keeps at most this much of a long description
		return len(t.text) > 400 && len(s) > len(t.text) && strings.HasPrefix(s, t.text)
	default:
		return s == t.text
	}
}

var (
	stockWords = regexp.MustCompile(`(?i)stock|sold out|available|наличи|vorrätig|lager|disponible|dispon`)
	soldOut    = regexp.MustCompile(`(?i)sold out|out of stock|нет в наличии`) // as extract reads a status field
)

// stockStatement reports whether s is a short text about availability: stock words
// ("In stock", "Sold out", "Available") make at least half of its letters, so a sentence
// that only mentions one ("Escrow and multisig available") is not read as a listing's
// status.
func stockStatement(s string) bool {
	if len(s) > 80 {
		return false
	}
	stock := 0
	for _, m := range stockWords.FindAllStringIndex(s, -1) {
		stock += letters(s[m[0]:m[1]])
	}
	return stock > 0 && 2*stock >= letters(s)
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// statusOf is the status a stock text states (as the extractor reads a status field).
func statusOf(s string) string {
	if soldOut.MatchString(s) {
		return extract.StatusSoldOut
	}
	return extract.StatusActive
}

var bareAmount = regexp.MustCompile(`\d+(?:[.,]\d+)?`)

func parsePrice(s, def string) (price.Money, bool) {
	if len(s) > 200 {
		return price.Money{}, false
	}
	s = strings.ReplaceAll(s, "฿", " BTC ")
	if m, ok := price.Parse(s); ok {
		return m, true
	}
	if def != "" {
		if m := bareAmount.FindString(s); m != "" {
			if f, err := strconv.ParseFloat(strings.ReplaceAll(m, ",", "."), 64); err == nil {
				return price.Money{Amount: f, Currency: def}, true
			}
		}
	}
	return price.Money{}, false
}

// fieldTargets are the induced listing fields and how to read their generic value.
var fieldTargets = []struct {
	name string
	get  func(l *extract.Listing, def string) target
}{
	{"title", func(l *extract.Listing, _ string) target { return target{kind: tText, text: norm(l.Title)} }},
	{"price", func(l *extract.Listing, def string) target {
		return target{kind: tPrice, money: price.Money{Amount: l.Price.Amount, Currency: l.Price.Currency}, def: def}
	}},
	{"vendor", func(l *extract.Listing, _ string) target { return target{kind: tText, text: norm(l.Vendor)} }},
	{"ships_from", func(l *extract.Listing, _ string) target { return target{kind: tText, text: norm(l.ShipsFromRaw)} }},
	{"ships_to", func(l *extract.Listing, _ string) target { return target{kind: tText, text: norm(l.ShipsToRaw)} }},
	{"category", func(l *extract.Listing, _ string) target { return target{kind: tPath, text: norm(l.Category)} }},
	{"description", func(l *extract.Listing, _ string) target { return target{kind: tText, text: norm(l.Description)} }},
	{"status", func(l *extract.Listing, _ string) target { return target{kind: tStatus, text: l.Status} }},
}

// resolve makes href absolute against base ("" when it cannot be parsed).
func resolve(base *url.URL, href string) string {
	if base == nil || href == "" || len(href) > 2048 {
		return ""
	}
	u, err := base.Parse(strings.TrimSpace(href))
	if err != nil {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

// hrefOf is the absolute URL an element links to: its own href, else its first anchor's.
func hrefOf(base *url.URL, n *html.Node) string {
	if h := attr(n, "href"); h != "" {
		return resolve(base, h)
	}
	return ""
}
