package extract

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/darkwatch/darkwatch/deploy/testenv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/darkwatch/darkwatch/extract/country"
	"github.com/darkwatch/darkwatch/extract/entity"
)

// sharedData is testenv.SharedData (skipped locally, a failure in CI when absent).
func sharedData(t testing.TB) string {
	t.Helper()
	return testenv.SharedData(t, "")
}

var (
	testX     *Extractor
	testXOnce sync.Once
)

func testExtractor(t testing.TB) *Extractor {
	testXOnce.Do(func() {
		x, err := New(Options{})
		if err != nil {
			panic(err)
		}
		testX = x
	})
	return testX
}

// pageURL is a synthetic URL for a saved page, so keys and links resolve.
func pageURL(market, rel string) string {
	return "http://" + market + "market.onion/" + filepath.ToSlash(rel)
}

type expectedRow struct {
	Market   string          `json:"market"`
	Page     string          `json:"page"`
	Function string          `json:"function"`
	Index    *int            `json:"output_index"`
	Expected json.RawMessage `json:"expected"`
	Expr     string          `json:"expected_expr"`
}

type scoreKey struct{ market, field string }

// sortedScoreKeys is the keys of m by market, then field.
func sortedScoreKeys(m map[scoreKey]int) []scoreKey {
	keys := make([]scoreKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].market != keys[j].market {
			return keys[i].market < keys[j].market
		}
		return keys[i].field < keys[j].field
	})
	return keys
}

// upstreamErrors are expected values that the page itself contradicts; they are reported,
// not scored.
var upstreamErrors = map[string]string{
	"dream/html_files/listings/listing_2.html get_price_and_currency": "50.96 USD appears nowhere in the page (its price is ฿0.000272 ($3.11)); the upstream test copies listing_0's value",
}

// TestSharedExpectedValues checks every value of expected_values.jsonl for a field we
// model (seller, title, price, currency, origin, destinations, category, pgp, plus
// description and contact) and prints a score table per market and field.
func TestSharedExpectedValues(t *testing.T) { sharedExpected(t, "auto", 1.0) }

// TestSharedExpectedValuesGeneric runs the same checks with the generic extractor only, as
// if Dream, Empire, Cryptonia and Apollon were unknown markets; it reports the score per
// market and field and fails below 95% (measured 2026-11-27: 198/203 = 97.5%, was 94.1%
// before the held-out work; the misses are two Empire descriptions that upstream starts
// with the title and three Cryptonia digital listings whose origin
// upstream reads as "Worldwide"). TestRealPagesGenericOnly covers every page and field.
func TestSharedExpectedValuesGeneric(t *testing.T) { sharedExpected(t, "generic", 0.95) }

func sharedExpected(t *testing.T, profile string, target float64) {
	root := filepath.Join(sharedData(t), "msc-darkweb-scraping")
	f, err := os.Open(filepath.Join(root, "expected_values.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	x := testExtractor(t)
	cache := map[string]Result{}
	extractPage := func(market, rel string) Result {
		if r, ok := cache[rel]; ok {
			return r
		}
		body, err := os.ReadFile(filepath.Join(root, rel))
		if os.IsNotExist(err) { // some rows name "x.html" for a file saved as "x"
			body, err = os.ReadFile(filepath.Join(root, strings.TrimSuffix(rel, ".html")))
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err = DecodeBody(body, "")
		if err != nil {
			t.Fatal(err)
		}
		r, err := x.Extract(Page{URL: pageURL(market, rel), Market: market, Body: body}, profile)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		cache[rel] = r
		return r
	}
	total := map[scoreKey]int{}
	pass := map[scoreKey]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var row expectedRow
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		if row.Expected == nil && row.Function == "get_listing_infos" {
			// search-result cards, given as a Python expression: one check per card field
			v, err := parsePyLiteral(row.Expr)
			if err != nil {
				t.Fatalf("%s: %v", row.Page, err)
			}
			for field, msgs := range checkCards(extractPage(row.Market, row.Page), v) {
				k := scoreKey{row.Market, field}
				total[k] += msgs.total
				pass[k] += msgs.total - len(msgs.errs)
				for _, m := range msgs.errs {
					if target >= 1 {
						t.Errorf("%s cards (%s): %s", row.Page, field, m)
					} else {
						t.Logf("%s cards (%s): %s", row.Page, field, m)
					}
				}
			}
			continue
		}
		if row.Expected == nil {
			continue // other expected_expr rows are not modelled fields
		}
		idx := -1
		if row.Index != nil {
			idx = *row.Index
		}
		field, check := expectedCheck(row.Market, row.Function, idx)
		if check == nil {
			continue
		}
		if why, bad := upstreamErrors[row.Page+" "+row.Function]; bad {
			t.Logf("not scored: %s %s: %s", row.Page, row.Function, why)
			continue
		}
		res := extractPage(row.Market, row.Page)
		var exp any
		if err := json.Unmarshal(row.Expected, &exp); err != nil {
			t.Fatal(err)
		}
		k := scoreKey{row.Market, field}
		total[k]++
		if msg := check(res, exp); msg == "" {
			pass[k]++
		} else if target >= 1 {
			t.Errorf("%s %s (%s): %s", row.Page, row.Function, field, msg)
		} else {
			t.Logf("%s %s (%s): %s", row.Page, row.Function, field, msg)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	keys := sortedScoreKeys(total)
	var all, ok int
	t.Logf("%-10s %-13s %6s %6s", "market", "field", "pass", "total")
	for _, k := range keys {
		t.Logf("%-10s %-13s %6d %6d  %5.1f%%", k.market, k.field, pass[k], total[k], 100*float64(pass[k])/float64(total[k]))
		all += total[k]
		ok += pass[k]
	}
	t.Logf("%-10s %-13s %6d %6d  %5.1f%%", "ALL", "", ok, all, 100*float64(ok)/float64(all))
	if all == 0 {
		t.Fatal("no modelled values found")
	}
	if float64(ok) < target*float64(all) {
		t.Errorf("%d/%d values reproduced, want >= %.0f%%", ok, all, 100*target)
	}
}

type checkFunc func(Result, any) string

func firstListing(r Result) (Listing, string) {
	if len(r.Listings) == 0 {
		return Listing{}, fmt.Sprintf("no listing (kind %s)", r.Kind)
	}
	return r.Listings[0], ""
}

func firstVendor(r Result) (Vendor, string) {
	if len(r.Vendors) == 0 {
		return Vendor{}, fmt.Sprintf("no vendor (kind %s)", r.Kind)
	}
	return r.Vendors[0], ""
}

func norm(s string) string { return strings.ToLower(oneLine(s)) }

func checkOrigin(r Result, exp any) string {
	l, msg := firstListing(r)
	if msg != "" {
		return msg
	}
	want := country.Parse(fmt.Sprint(exp))
	if len(want) == 0 {
		if !strings.Contains(norm(l.ShipsFromRaw), norm(fmt.Sprint(exp))) {
			return fmt.Sprintf("ships_from_raw %q lacks %q", l.ShipsFromRaw, exp)
		}
		return ""
	}
	if !slices.Equal(want, l.ShipsFrom) {
		return fmt.Sprintf("ships_from %v (raw %q), want %v (%q)", l.ShipsFrom, l.ShipsFromRaw, want, exp)
	}
	return ""
}

func checkDestinations(r Result, exp any) string {
	l, msg := firstListing(r)
	if msg != "" {
		return msg
	}
	list, _ := exp.([]any)
	for _, e := range list {
		s := fmt.Sprint(e)
		codes := country.Parse(s)
		if len(codes) == 0 {
			if !strings.Contains(norm(l.ShipsToRaw), norm(s)) {
				return fmt.Sprintf("ships_to_raw %q lacks %q", l.ShipsToRaw, s)
			}
			continue
		}
		for _, c := range codes {
			if !slices.Contains(l.ShipsTo, c) {
				return fmt.Sprintf("ships_to %v lacks %s (%q)", l.ShipsTo, c, s)
			}
		}
	}
	return ""
}

// categoryPath turns [[name, id, parent, level], ...] into "a > b > c" by level.
func categoryPath(exp any) string {
	list, _ := exp.([]any)
	type lv struct {
		name  string
		level float64
	}
	var parts []lv
	for _, e := range list {
		t, _ := e.([]any)
		if len(t) < 4 {
			continue
		}
		lvl, _ := t[3].(float64)
		parts = append(parts, lv{fmt.Sprint(t[0]), lvl})
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].level < parts[j].level })
	var names []string
	for _, p := range parts {
		names = append(names, p.name)
	}
	return strings.Join(names, " > ")
}

func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

func expectedCheck(market, fn string, idx int) (string, checkFunc) {
	switch fn {
	case "get_seller_name_from_listing":
		return "seller", func(r Result, exp any) string {
			l, msg := firstListing(r)
			if msg != "" {
				return msg
			}
			if l.Vendor != exp {
				return fmt.Sprintf("vendor %q, want %q", l.Vendor, exp)
			}
			if l.VendorID != l.Market+"/"+l.Vendor {
				return fmt.Sprintf("vendor_id %q", l.VendorID)
			}
			return ""
		}
	case "get_seller_name":
		return "seller", func(r Result, exp any) string {
			v, msg := firstVendor(r)
			if msg != "" {
				return msg
			}
			if v.Handle != exp {
				return fmt.Sprintf("handle %q, want %q", v.Handle, exp)
			}
			return ""
		}
	case "get_listing_title":
		return "title", func(r Result, exp any) string {
			l, msg := firstListing(r)
			if msg != "" {
				return msg
			}
			if oneLine(l.Title) != oneLine(fmt.Sprint(exp)) {
				return fmt.Sprintf("title %q, want %q", l.Title, exp)
			}
			return ""
		}
	case "get_listing_text", "get_description":
		return "description", func(r Result, exp any) string {
			l, msg := firstListing(r)
			if msg != "" {
				return msg
			}
			if !strings.Contains(oneLine(l.Description), oneLine(fmt.Sprint(exp))) {
				return fmt.Sprintf("description %q lacks %q", truncate(oneLine(l.Description), 80), truncate(oneLine(fmt.Sprint(exp)), 80))
			}
			return ""
		}
	case "get_price_and_currency":
		return "price", func(r Result, exp any) string {
			l, msg := firstListing(r)
			if msg != "" {
				return msg
			}
			t, _ := exp.([]any)
			amt, _ := t[0].(float64)
			if !approx(l.Price.Amount, amt) || l.Price.Currency != t[1] {
				return fmt.Sprintf("price %v %s, want %v", l.Price.Amount, l.Price.Currency, exp)
			}
			return ""
		}
	case "get_fiat_currency_and_price":
		if idx == 0 {
			return "currency", func(r Result, exp any) string {
				l, msg := firstListing(r)
				if msg != "" {
					return msg
				}
				if l.Price.Currency != exp {
					return fmt.Sprintf("currency %q, want %q", l.Price.Currency, exp)
				}
				return ""
			}
		}
		return "price", func(r Result, exp any) string {
			l, msg := firstListing(r)
			if msg != "" {
				return msg
			}
			if f, _ := exp.(float64); !approx(l.Price.Amount, f) {
				return fmt.Sprintf("price %v, want %v", l.Price.Amount, exp)
			}
			return ""
		}
	case "get_fiat_price":
		return "price", func(r Result, exp any) string {
			l, msg := firstListing(r)
			if msg != "" {
				return msg
			}
			if exp == nil {
				switch l.Price.Currency {
				case "", "BTC", "XMR", "LTC":
					return ""
				}
				return fmt.Sprintf("price %v %s, want no fiat price", l.Price.Amount, l.Price.Currency)
			}
			if f, _ := exp.(float64); !approx(l.Price.Amount, f) || l.Price.Currency != "USD" {
				return fmt.Sprintf("price %v %s, want %v USD", l.Price.Amount, l.Price.Currency, exp)
			}
			return ""
		}
	case "get_origin_country":
		return "origin", checkOrigin
	case "get_origin_country_and_destinations_and_payment_type", "get_origin_country_and_destinations":
		switch idx {
		case 0:
			return "origin", checkOrigin
		case 1:
			return "destinations", checkDestinations
		}
	case "get_destination_countries":
		return "destinations", checkDestinations
	case "get_categories", "get_listing_categories":
		return "category", func(r Result, exp any) string {
			l, msg := firstListing(r)
			if msg != "" {
				return msg
			}
			if want := categoryPath(exp); l.Category != want {
				return fmt.Sprintf("category %q, want %q", l.Category, want)
			}
			return ""
		}
	case "get_currently_selected_main_category", "get_currently_selected_parent_sub_category":
		return "category", func(r Result, exp any) string {
			if len(r.Listings) == 0 {
				return fmt.Sprintf("no listings (kind %s)", r.Kind)
			}
			for _, l := range r.Listings {
				if !slices.Contains(strings.Split(l.Category, " > "), fmt.Sprint(exp)) {
					return fmt.Sprintf("listing %s category %q lacks %q", l.ID, l.Category, exp)
				}
			}
			return ""
		}
	case "get_pgp_key":
		return "pgp", func(r Result, exp any) string {
			v, msg := firstVendor(r)
			if msg != "" {
				return msg
			}
			want, err := entity.PGPFingerprints(fmt.Sprint(exp))
			if err != nil && len(want) == 0 {
				return "expected key does not parse: " + err.Error()
			}
			if !slices.Equal(v.PGP, want) {
				return fmt.Sprintf("pgp %v, want %v", v.PGP, want)
			}
			return ""
		}
	case "is_pgp_key":
		return "pgp", func(r Result, exp any) string {
			has := false
			for _, v := range r.Vendors {
				has = has || len(v.PGP) > 0
			}
			for _, l := range r.Listings {
				for _, e := range l.Entities {
					has = has || e.Kind == "pgp"
				}
			}
			if has != (exp == true) {
				return fmt.Sprintf("pgp found %v, want %v (kind %s)", has, exp, r.Kind)
			}
			return ""
		}
	case "get_seller_info":
		if idx == 6 {
			return "contact", func(r Result, exp any) string {
				v, msg := firstVendor(r)
				if msg != "" {
					return msg
				}
				if exp == nil {
					return ""
				}
				for _, e := range v.Entities {
					if strings.EqualFold(e.Value, fmt.Sprint(exp)) {
						return ""
					}
				}
				return fmt.Sprintf("entities %v lack %q", v.Entities, exp)
			}
		}
	}
	return "", nil
}

type cardResult struct {
	total int
	errs  []string
}

// checkCards compares the listings of a search page with get_listing_infos' tuple:
// (urls, titles, _, vendors, vendor urls, _, _, categories).
func checkCards(r Result, v any) map[string]*cardResult {
	out := map[string]*cardResult{"card_url": {}, "card_title": {}, "card_seller": {}, "card_category": {}}
	t, _ := v.([]any)
	if len(t) < 8 {
		out["card_url"].total = 1
		out["card_url"].errs = []string{"unexpected tuple"}
		return out
	}
	urls, _ := t[0].([]any)
	titles, _ := t[1].([]any)
	vendors, _ := t[3].([]any)
	cats, _ := t[7].([]any)
	for i := range urls {
		var l Listing
		if i < len(r.Listings) {
			l = r.Listings[i]
		}
		check := func(field, got, want string) {
			out[field].total++
			if got != want {
				out[field].errs = append(out[field].errs, fmt.Sprintf("card %d: %q, want %q", i, got, want))
			}
		}
		u := fmt.Sprint(urls[i])
		gotURL := l.URL
		if j := strings.Index(gotURL, ".onion"); j >= 0 {
			gotURL = gotURL[j+len(".onion"):]
		}
		if !strings.HasSuffix(gotURL, u) {
			check("card_url", gotURL, u)
		} else {
			check("card_url", u, u)
		}
		if i < len(titles) {
			check("card_title", l.Title, oneLine(fmt.Sprint(titles[i])))
		}
		if i < len(vendors) {
			check("card_seller", l.Vendor, fmt.Sprint(vendors[i]))
		}
		if i < len(cats) {
			var names []string
			levels, _ := cats[i].([]any)
			for _, c := range levels {
				if ct, ok := c.([]any); ok && len(ct) > 0 {
					names = append(names, fmt.Sprint(ct[0]))
				}
			}
			check("card_category", l.Category, strings.Join(names, " > "))
		}
	}
	return out
}
