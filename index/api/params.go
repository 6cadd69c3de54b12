package api

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/darkwatch/darkwatch/index"
)

// searchParams lists every query parameter of /api/v1/search; any other is a 400 (a typo
// must not silently widen a search).
var searchParams = []string{"q", "substance", "class", "family", "vendor", "actor", "market", "ships_from",
	"ships_to", "entity", "drug_offer", "min_usd", "max_usd", "min_unit_usd", "max_unit_usd", "since", "until",
	"first_seen_since", "sort", "from", "size", "agg", "untagged"}

// checkQuery parses a raw query string as url.ParseQuery does, but fails on the first
// malformed pair with a 400 naming its parameter: r.URL.Query() drops such a pair without a
// word, and a dropped filter widens a search.
func checkQuery(raw string) error {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(key)
		if err != nil {
			return badRequest("%s: malformed escape in a parameter name (%v)", strconv.Quote(clipString(key, 64)), err)
		}
		if strings.Contains(key, ";") {
			return badRequest("%s: ';' in a parameter name: separate parameters with '&'", strconv.Quote(clipString(k, 64)))
		}
		if _, err := url.QueryUnescape(value); err != nil {
			return badRequest("%s: malformed escape in the value (%v)", clipString(k, 64), err)
		}
		if strings.Contains(value, ";") {
			return badRequest("%s: ';' in the value: escape it as %%3B", clipString(k, 64))
		}
	}
	return nil
}

// clipString cuts s to at most n bytes on a rune boundary (for messages).
func clipString(s string, n int) string {
	c, _ := clip(s, n)
	return c
}

// knownParams rejects a parameter not in known (a typo must not widen an answer).
func knownParams(q url.Values, known []string) error {
	for k := range q {
		if !slices.Contains(known, k) {
			return badRequest("%s: unknown parameter (known: %s)", clipString(k, 64), strings.Join(known, ", "))
		}
	}
	return nil
}

// list returns the values of a repeated or comma-separated parameter.
func list(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func single(q url.Values, name string) (string, error) {
	if len(q[name]) > 1 {
		return "", badRequest("%s: given %d times, want once", name, len(q[name]))
	}
	return strings.TrimSpace(q.Get(name)), nil
}

func optFloat(q url.Values, name string) (*float64, error) {
	v, err := single(q, name)
	if err != nil || v == "" {
		return nil, err
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, badRequest("%s: not a number: %q", name, v)
	}
	if f < 0 {
		return nil, badRequest("%s: negative: %q", name, v)
	}
	return &f, nil
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v, err := single(q, name)
	if err != nil || v == "" {
		return def, err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badRequest("%s: not an integer: %q", name, v)
	}
	if n < lo || n > hi {
		return 0, badRequest("%s: %d out of range [%d, %d]", name, n, lo, hi)
	}
	return n, nil
}

// parseTime reads the time bound in parameter name (index.ParseTime).
func parseTime(name, s string, now time.Time) (time.Time, error) {
	t, err := index.ParseTime(s, now)
	if err != nil {
		return time.Time{}, badRequest("%s: %v", name, err)
	}
	return t, nil
}

// parseSearch maps the query parameters of /api/v1/search to an index.Query. Every error
// names its parameter.
func (s *Server) parseSearch(q url.Values) (index.Query, error) {
	if err := knownParams(q, searchParams); err != nil {
		return index.Query{}, err
	}
	var (
		iq  index.Query
		err error
	)
	iq.Text = strings.Join(q["q"], " ")
	if len(iq.Text) > 1000 {
		return iq, badRequest("q: longer than 1000 bytes")
	}
	iq.Substance, iq.Class, iq.Family = list(q, "substance"), list(q, "class"), list(q, "family")
	iq.Vendor, iq.Actor, iq.Market = list(q, "vendor"), list(q, "actor"), list(q, "market")
	iq.ShipsFrom, iq.ShipsTo, iq.Entity = list(q, "ships_from"), list(q, "ships_to"), list(q, "entity")
	for _, cc := range [][2]any{{"ships_from", iq.ShipsFrom}, {"ships_to", iq.ShipsTo}} {
		for _, c := range cc[1].([]string) {
			if !isCountry(c) {
				return iq, badRequest("%s: %q is not an ISO 3166-1 alpha-2 code or WW", cc[0], c)
			}
		}
	}
	iq.Untagged = list(q, "untagged")
	for _, u := range iq.Untagged {
		if !slices.Contains(index.UntaggedValues, strings.ToLower(u)) {
			return iq, badRequest("untagged: %q is not one of %s", u, strings.Join(index.UntaggedValues, ", "))
		}
	}
	if v, err := single(q, "drug_offer"); err != nil {
		return iq, err
	} else if v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return iq, badRequest("drug_offer: not a boolean: %q", v)
		}
		iq.DrugOffer = &b
	}
	for _, f := range []struct {
		name string
		dst  **float64
	}{{"min_usd", &iq.MinUSD}, {"max_usd", &iq.MaxUSD}, {"min_unit_usd", &iq.MinUnitUSD}, {"max_unit_usd", &iq.MaxUnitUSD}} {
		if *f.dst, err = optFloat(q, f.name); err != nil {
			return iq, err
		}
	}
	if iq.MinUSD != nil && iq.MaxUSD != nil && *iq.MinUSD > *iq.MaxUSD {
		return iq, badRequest("min_usd: %v is greater than max_usd %v", *iq.MinUSD, *iq.MaxUSD)
	}
	if iq.MinUnitUSD != nil && iq.MaxUnitUSD != nil && *iq.MinUnitUSD > *iq.MaxUnitUSD {
		return iq, badRequest("min_unit_usd: %v is greater than max_unit_usd %v", *iq.MinUnitUSD, *iq.MaxUnitUSD)
	}
	now := s.opts.Now()
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"since", &iq.SeenSince}, {"until", &iq.SeenUntil}, {"first_seen_since", &iq.FirstSeenSince}} {
		v, err := single(q, f.name)
		if err != nil {
			return iq, err
		}
		if *f.dst, err = parseTime(f.name, v, now); err != nil {
			return iq, err
		}
	}
	if iq.Sort, err = single(q, "sort"); err != nil {
		return iq, err
	}
	if iq.Sort != "" {
		if _, err := index.ParseSort(iq.Sort, iq.Text != ""); err != nil {
			return iq, badRequest("sort: unknown sort %q (want relevance, price, unit_price, first_seen, last_seen or id, optionally prefixed with -)", iq.Sort)
		}
	}
	if iq.From, err = intParam(q, "from", 0, 0, 1_000_000); err != nil {
		return iq, err
	}
	if iq.Size, err = intParam(q, "size", 50, 1, s.opts.MaxPage); err != nil {
		return iq, err
	}
	iq.Aggs = list(q, "agg")
	for _, a := range iq.Aggs {
		if !slices.Contains(index.AggNames, a) {
			return iq, badRequest("agg: unknown aggregation %q (want one of %s)", a, strings.Join(index.AggNames, ", "))
		}
	}
	if _, _, err := index.Normalize(iq); err != nil {
		return iq, badRequest("%v", err)
	}
	return iq, nil
}

func isCountry(c string) bool {
	if len(c) != 2 {
		return false
	}
	for _, r := range c {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// pathID returns the {id...} path value, validated.
func pathID(r interface{ PathValue(string) string }) (string, error) {
	id := r.PathValue("id")
	if id == "" {
		return "", badRequest("id: empty")
	}
	if len(id) > 512 || strings.ContainsAny(id, "\x00\r\n") {
		return "", badRequest("id: %s", "invalid")
	}
	return id, nil
}
