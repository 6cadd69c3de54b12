package main

// End-to-end tests of issue 7: crawl the in-process testbed with `darkwatch crawl --once`
// into each index backend, then ask `darkwatch search --json` representative questions and
// compare the listing id sets with the testbed truth filtered with the same semantics
// (index.Query); cut Elasticsearch off during a crawl and check that the spooled records
// were replayed; check that the Elasticsearch mappings are what Kibana users need.

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/elastic"
)

const (
	e2eSeed     = 5
	e2eListings = 40
	// envOutage sets the Elasticsearch outage of TestE2EElasticOutage ("30s"; default 30s
	// in CI, 8s locally).
	envOutage = "DARKWATCH_ES_OUTAGE"
)

// e2eQuery is one `darkwatch search` question and the truth's answer to it.
type e2eQuery struct {
	name string
	args []string
	// tagger marks substance/class/family questions, whose answers depend on the substance
	// tagger matching the truth.
	tagger bool
	want   []string // sorted listing ids
}

// startTestbed serves a testbed world in-process for the test.
func startTestbed(t *testing.T, opts testbed.Options) (*testbed.World, *testbed.Server) {
	t.Helper()
	w, err := testbed.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := w.Listen(testbed.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return w, srv
}

// e2eConfig writes a darkwatch config for the testbed: base is the YAML of everything but
// the markets, which writeTestbedConfig adds with the testbed's SOCKS address.
func e2eConfig(t *testing.T, dir, base string, srv *testbed.Server, w *testbed.World) string {
	t.Helper()
	baseF, cfgF := filepath.Join(dir, "base.yaml"), filepath.Join(dir, "darkwatch.yaml")
	if err := os.WriteFile(baseF, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeTestbedConfig(cfgF, "", baseF, srv.SOCKSAddr(), w.Markets()); err != nil {
		t.Fatal(err)
	}
	return cfgF
}

// baseYAML is the config of a test crawl: data under dir, no per-host delay unless given,
// the index backend, JSON logs (the outage test reads the spool's log lines).
func baseYAML(dir, backend, esURL, prefix string, hostDelay time.Duration, inflight int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "data_dir: %s\nlog:\n  level: info\n  format: json\n", dir)
	fmt.Fprintf(&b, "crawl:\n  workers: 8\n  per_host_delay: %s\n  per_host_inflight: %d\n", hostDelay, inflight)
	fmt.Fprintf(&b, "index:\n  backend: %s\n", backend)
	if backend == "elasticsearch" {
		fmt.Fprintf(&b, "  elasticsearch:\n    urls: [%q]\n    index_prefix: %s\n", esURL, prefix)
	}
	return b.String()
}

// lockedBuffer is a bytes.Buffer safe for the crawl's concurrent log writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runCrawlMain runs `darkwatch crawl -config cfg --once` and returns its stdout and stderr.
func runCrawlMain(ctx context.Context, cfg string) (code int, stdout, stderr string) {
	var out, errb lockedBuffer
	code = Main(ctx, []string{"crawl", "-config", cfg, "--once", "--progress", "off"}, nil, &out, &errb)
	return code, out.String(), errb.String()
}

// searchMain runs `darkwatch search -config cfg --json --limit 0 args...` and returns the
// listings it printed.
func searchMain(t *testing.T, cfg string, args ...string) []extract.Listing {
	t.Helper()
	var out, errb bytes.Buffer
	all := append([]string{"search", "-config", cfg, "--json", "--limit", "0"}, args...)
	if code := Main(context.Background(), all, nil, &out, &errb); code != exitOK {
		t.Fatalf("darkwatch %s: exit %d: %s", strings.Join(all, " "), code, errb.String())
	}
	var ls []extract.Listing
	dec := json.NewDecoder(&out)
	for {
		var l extract.Listing
		if err := dec.Decode(&l); err == io.EOF {
			return ls
		} else if err != nil {
			t.Fatalf("search output: %v", err)
		}
		ls = append(ls, l)
	}
}

func listingIDs(ls []extract.Listing) []string {
	ids := make([]string, 0, len(ls))
	for _, l := range ls {
		ids = append(ids, l.ID)
	}
	slices.Sort(ids)
	return ids
}

// diffIDs returns the ids only in want and only in got.
func diffIDs(want, got []string) (missing, extra []string) {
	w, g := map[string]bool{}, map[string]bool{}
	for _, id := range want {
		w[id] = true
	}
	for _, id := range got {
		g[id] = true
		if !w[id] {
			extra = append(extra, id)
		}
	}
	for _, id := range want {
		if !g[id] {
			missing = append(missing, id)
		}
	}
	return missing, extra
}

// ---- the truth, filtered with index.Query semantics ----

// truthIndex answers queries over the truth.
type truthIndex struct {
	tr      testbed.Truth
	vendors map[string]extract.Vendor
}

func newTruthIndex(tr testbed.Truth) *truthIndex {
	ti := &truthIndex{tr: tr, vendors: map[string]extract.Vendor{}}
	for _, v := range tr.Vendors {
		ti.vendors[v.ID] = v
	}
	return ti
}

func (ti *truthIndex) filter(keep func(l extract.Listing) bool) []string {
	var ids []string
	for _, l := range ti.tr.Listings {
		if keep(l) {
			ids = append(ids, l.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// hasEntity is the Entity filter: the listing's own entities or its vendor's PGP
// fingerprints and entities.
func (ti *truthIndex) hasEntity(l extract.Listing, value string) bool {
	if slices.ContainsFunc(l.Entities, func(e extract.Entity) bool { return e.Value == value }) {
		return true
	}
	v, ok := ti.vendors[l.VendorID]
	return ok && slices.Contains(index.VendorEntityValues(v), value)
}

func subField(l extract.Listing, f func(extract.Substance) string) []string {
	var out []string
	for _, s := range l.Substances {
		out = append(out, strings.ToLower(f(s)))
	}
	return index.Uniq(out)
}

// mostCommon returns the value counted most often (ties: the smallest value) and its count.
func mostCommon(counts map[string]int) (string, int) {
	best, n := "", 0
	for k, c := range counts {
		if c > n || (c == n && k < best) {
			best, n = k, c
		}
	}
	return best, n
}

// tokens approximates the Unicode word segmentation (UAX #29) of the standard analyzers
// (Elasticsearch's standard, Bleve's unicode tokenizer) for the texts of the testbed:
// runs of letters and digits, joined across one ' . : between letters and one . , between
// digits, lower-cased.
func tokens(s string) []string {
	rs := []rune(s)
	word := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' }
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for i, r := range rs {
		switch {
		case word(r):
			cur = append(cur, r)
		case len(cur) > 0 && i+1 < len(rs):
			prev, next := rs[i-1], rs[i+1]
			letters := unicode.IsLetter(prev) && unicode.IsLetter(next) && (r == '\'' || r == '’' || r == '.' || r == ':')
			digits := unicode.IsDigit(prev) && unicode.IsDigit(next) && (r == '.' || r == ',')
			if letters || digits {
				cur = append(cur, r)
			} else {
				flush()
			}
		default:
			flush()
		}
	}
	flush()
	return out
}

// textMatches is the Text filter: every query term occurs in the title or description.
func textMatches(l extract.Listing, q string) bool {
	have := tokens(index.SearchText(l))
	for _, term := range tokens(q) {
		if !slices.Contains(have, term) {
			return false
		}
	}
	return true
}

// e2eQueries picks representative questions from the truth and answers them from it.
func e2eQueries(tr testbed.Truth) []e2eQuery {
	ti := newTruthIndex(tr)
	subs, classes, fams, vendors, from, pgps, btcs, words := map[string]int{}, map[string]int{}, map[string]int{},
		map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	var prices []float64
	for _, l := range tr.Listings {
		for _, s := range subField(l, func(s extract.Substance) string { return s.Name }) {
			subs[s]++
		}
		for _, c := range subField(l, func(s extract.Substance) string { return s.Class }) {
			classes[c]++
		}
		for _, f := range subField(l, func(s extract.Substance) string { return s.Family }) {
			if f != "" {
				fams[f]++
			}
		}
		if l.VendorID != "" {
			vendors[l.VendorID]++
		}
		for _, c := range l.ShipsFrom {
			if c != "WW" {
				from[c]++
			}
		}
		if l.Price.USD > 0 {
			prices = append(prices, l.Price.USD)
		}
		for _, w := range index.Uniq(tokens(index.SearchText(l))) {
			if len([]rune(w)) >= 5 && !strings.ContainsFunc(w, unicode.IsDigit) {
				words[w]++
			}
		}
		for _, e := range l.Entities {
			if e.Kind == "btc" {
				btcs[e.Value] += 100 // prefer an address shown on a listing (forum posts)
			}
		}
	}
	for _, v := range tr.Vendors {
		for _, p := range v.PGP {
			pgps[p]++
		}
		for _, e := range v.Entities {
			if e.Kind == "btc" {
				btcs[e.Value]++
			}
		}
	}
	sub, _ := mostCommon(subs)
	// a second, rarer substance: the least common one listed at least twice
	rare := ""
	for s, n := range subs {
		if n >= 2 && s != sub && (rare == "" || n < subs[rare] || (n == subs[rare] && s < rare)) {
			rare = s
		}
	}
	class, _ := mostCommon(classes)
	fam, _ := mostCommon(fams)
	vendor, _ := mostCommon(vendors)
	country, _ := mostCommon(from)
	pgp, _ := mostCommon(pgps) // a key shared by several vendors (an actor across markets)
	btc, _ := mostCommon(btcs)
	// a free-text word in about a tenth of the listings
	word, wordN := "", 0
	for w, n := range words {
		d, bd := math.Abs(float64(n)-float64(len(tr.Listings))/10), math.Abs(float64(wordN)-float64(len(tr.Listings))/10)
		if word == "" || d < bd || (d == bd && w < word) {
			word, wordN = w, n
		}
	}
	slices.Sort(prices)
	lo, hi := math.Floor(prices[len(prices)/4]), math.Ceil(prices[len(prices)*3/4])
	market := tr.Markets[1%len(tr.Markets)].Name // rushop in the default world: RUB prices
	vendorHandle := ti.vendors[vendor].Handle
	cents := func(l extract.Listing) float64 { return index.Cents(l.Price.USD) }
	has := func(v []string, x string) bool { return slices.Contains(v, x) }
	qs := []e2eQuery{
		{name: "all", want: ti.filter(func(extract.Listing) bool { return true })},
		{name: "substance " + sub, args: []string{"--substance", sub}, tagger: true,
			want: ti.filter(func(l extract.Listing) bool { return has(subField(l, subName), sub) })},
		{name: "substance " + rare, args: []string{"--substance", rare}, tagger: true,
			want: ti.filter(func(l extract.Listing) bool { return has(subField(l, subName), rare) })},
		{name: "class " + class, args: []string{"--class", class}, tagger: true,
			want: ti.filter(func(l extract.Listing) bool { return has(subField(l, subClass), class) })},
		{name: "family " + fam, args: []string{"--family", fam}, tagger: true,
			want: ti.filter(func(l extract.Listing) bool { return has(subField(l, subFamily), fam) })},
		{name: "vendor " + vendor, args: []string{"--vendor", vendor},
			want: ti.filter(func(l extract.Listing) bool { return l.VendorID == vendor })},
		{name: "vendor handle " + vendorHandle, args: []string{"--vendor", vendorHandle},
			want: ti.filter(func(l extract.Listing) bool {
				return has(index.VendorKeys(l), strings.ToLower(vendorHandle))
			})},
		{name: "market " + market, args: []string{"--market", market},
			want: ti.filter(func(l extract.Listing) bool { return l.Market == market })},
		{name: "ships-from " + country, args: []string{"--ships-from", strings.ToLower(country)},
			want: ti.filter(func(l extract.Listing) bool { return has(l.ShipsFrom, country) })},
		{name: fmt.Sprintf("usd %g-%g", lo, hi), args: []string{"--min-usd", fmt.Sprint(lo), "--max-usd", fmt.Sprint(hi)},
			want: ti.filter(func(l extract.Listing) bool { return cents(l) >= lo && cents(l) <= hi })},
		{name: "entity pgp " + pgp[:8], args: []string{"--entity", pgp},
			want: ti.filter(func(l extract.Listing) bool { return ti.hasEntity(l, pgp) })},
		{name: "entity btc " + btc[:8], args: []string{"--entity", btc},
			want: ti.filter(func(l extract.Listing) bool { return ti.hasEntity(l, btc) })},
		{name: "text " + word, args: []string{word},
			want: ti.filter(func(l extract.Listing) bool { return textMatches(l, word) })},
		{name: "not a drug offer", args: []string{"--drug-offer=false"},
			want: ti.filter(func(l extract.Listing) bool { return !l.DrugOffer })},
		{name: fmt.Sprintf("class %s, market %s, max-usd %g", class, market, hi),
			args: []string{"--class", class, "--market", market, "--max-usd", fmt.Sprint(hi)}, tagger: true,
			want: ti.filter(func(l extract.Listing) bool {
				return has(subField(l, subClass), class) && l.Market == market && cents(l) <= hi
			})},
	}
	return qs
}

func subName(s extract.Substance) string   { return s.Name }
func subClass(s extract.Substance) string  { return s.Class }
func subFamily(s extract.Substance) string { return s.Family }

// checkFields compares the fields of the searched listings that need no tagger with the
// truth's: title, market, vendor id, headline USD price (cents), ships from, status.
func checkFields(t *testing.T, tr testbed.Truth, got []extract.Listing) {
	t.Helper()
	want := map[string]extract.Listing{}
	for _, l := range tr.Listings {
		want[l.ID] = l
	}
	bad := 0
	for _, g := range got {
		w, ok := want[g.ID]
		if !ok {
			continue // reported by the id comparison
		}
		var diffs []string
		if g.Title != w.Title {
			diffs = append(diffs, fmt.Sprintf("title %q != %q", g.Title, w.Title))
		}
		if g.Market != w.Market || g.VendorID != w.VendorID {
			diffs = append(diffs, fmt.Sprintf("market/vendor %s %s != %s %s", g.Market, g.VendorID, w.Market, w.VendorID))
		}
		if index.Cents(g.Price.USD) != index.Cents(w.Price.USD) {
			diffs = append(diffs, fmt.Sprintf("usd %v != %v", g.Price.USD, w.Price.USD))
		}
		if !slices.Equal(index.Uniq(g.ShipsFrom), index.Uniq(w.ShipsFrom)) {
			diffs = append(diffs, fmt.Sprintf("ships_from %v != %v", g.ShipsFrom, w.ShipsFrom))
		}
		if cmp.Or(g.Status, extract.StatusActive) != cmp.Or(w.Status, extract.StatusActive) {
			diffs = append(diffs, fmt.Sprintf("status %q != %q", g.Status, w.Status))
		}
		if g.FirstSeen.IsZero() || g.LastSeen.IsZero() || g.Capture == nil || g.Capture.SHA256 == "" {
			diffs = append(diffs, "no first_seen/last_seen/capture")
		}
		if len(diffs) > 0 {
			bad++
			if bad <= 10 {
				t.Errorf("%s: %s", g.ID, strings.Join(diffs, "; "))
			}
		}
	}
	if bad > 10 {
		t.Errorf("... %d listings differ from the truth in all", bad)
	}
}

// e2eResult is one answered question, for the summary table.
type e2eResult struct {
	backend, query string
	want, got      int
	ok             bool
}

// TestE2EIndexSearch crawls the testbed into each backend with `darkwatch crawl --once` and
// asks `darkwatch search --json --limit 0` questions whose answers are computed from the
// truth: the listing id sets must be equal, on both backends.
func TestE2EIndexSearch(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the testbed twice")
	}
	w, srv := startTestbed(t, testbed.Options{Seed: e2eSeed, Listings: e2eListings})
	tr := w.Truth()
	queries := e2eQueries(tr)
	var (
		mu      sync.Mutex
		results []e2eResult
		answers = map[string]map[string][]string{} // backend -> query -> ids
	)
	for _, backend := range []string{"embedded", "elasticsearch"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			var esURL, prefix string
			if backend == "elasticsearch" {
				esURL = testenv.ESURL(t)
				prefix = fmt.Sprintf("dwe2e%d", time.Now().UnixNano())
				cleanupES(t, esURL, prefix)
			}
			cfg := e2eConfig(t, dir, baseYAML(dir, backend, esURL, prefix, 0, 2), srv, w)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			start := time.Now()
			code, out, errs := runCrawlMain(ctx, cfg)
			if code != exitOK {
				t.Fatalf("crawl: exit %d\nstdout: %s\nstderr (tail): %s", code, out, tail(errs, 3000))
			}
			t.Logf("crawl took %s: %s", time.Since(start).Round(time.Millisecond), firstLine(out))
			answers[backend] = map[string][]string{}
			for _, q := range queries {
				got := searchMain(t, cfg, q.args...)
				ids := listingIDs(got)
				answers[backend][q.name] = ids
				missing, extra := diffIDs(q.want, ids)
				ok := len(missing)+len(extra) == 0
				mu.Lock()
				results = append(results, e2eResult{backend, q.name, len(q.want), len(ids), ok})
				mu.Unlock()
				if !ok {
					what := "query"
					if q.tagger {
						what = "substance tagger vs truth"
					}
					t.Errorf("%s %v (%s): want %d, got %d; missing %v; extra %v", q.name, q.args, what, len(q.want), len(ids), missing, extra)
				}
				if q.name == "all" {
					checkFields(t, tr, got)
				}
			}
			if backend == "elasticsearch" {
				checkKibanaMappings(t, esURL, prefix)
			}
		})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s %-58s %6s %6s\n", "backend", "query", "truth", "got")
	for _, r := range results {
		mark := ""
		if !r.ok {
			mark = "  MISMATCH"
		}
		fmt.Fprintf(&b, "%-14s %-58s %6d %6d%s\n", r.backend, r.query, r.want, r.got, mark)
	}
	t.Logf("queries (seed %d, %d listings in the truth):\n%s", e2eSeed, len(tr.Listings), b.String())
	if a, b := answers["embedded"], answers["elasticsearch"]; a != nil && b != nil {
		for _, q := range queries {
			if !slices.Equal(a[q.name], b[q.name]) {
				m, x := diffIDs(a[q.name], b[q.name])
				t.Errorf("%s: backends differ: only embedded %v, only elasticsearch %v", q.name, m, x)
			}
		}
	}
}

// cleanupES deletes the test's indices at the end.
func cleanupES(t *testing.T, esURL, prefix string) {
	t.Helper()
	t.Cleanup(func() {
		s, err := elastic.New(elastic.Options{URLs: []string{esURL}, Prefix: prefix})
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer s.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.DeleteAll(ctx); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// ---- Elasticsearch outage ----

// outageDuration is DARKWATCH_ES_OUTAGE, default 30s in CI and 8s locally.
func outageDuration(t *testing.T) time.Duration {
	t.Helper()
	if v := os.Getenv(envOutage); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("%s=%q: want a positive duration such as 30s", envOutage, v)
		}
		return d
	}
	if testenv.InCI() {
		return 30 * time.Second
	}
	return 8 * time.Second
}

// spoolLog counts the spool's log lines in the crawl's JSON log.
func spoolLog(t *testing.T, log string) (spooledPuts, replayedFiles, replayedRecords, replayedDeferred, sinkFailed int) {
	t.Helper()
	for _, line := range strings.Split(log, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var rec struct {
			Msg      string `json:"msg"`
			Records  int    `json:"records"`
			Deferred int    `json:"deferred"`
			Err      string `json:"err"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		switch rec.Msg {
		case "index_unavailable_spooling":
			spooledPuts++
		case "spool_replayed":
			replayedFiles++
			replayedRecords += rec.Records
			replayedDeferred += rec.Deferred
		case "sink_failed":
			sinkFailed++
			t.Logf("page retried: sink failed: %s", rec.Err)
		}
	}
	return
}

// countSpooled counts the records in the spool files present now (read-only).
func countSpooled(dir string) int {
	files, _ := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			var e struct {
				Listings []json.RawMessage `json:"listings"`
				Vendors  []json.RawMessage `json:"vendors"`
			}
			if json.Unmarshal(line, &e) == nil {
				n += len(e.Listings) + len(e.Vendors)
			}
		}
	}
	return n
}

// TestE2EElasticOutage crawls the testbed into Elasticsearch through a TCP proxy that is cut
// for DARKWATCH_ES_OUTAGE while the crawl runs: the records of the outage are spooled and
// replayed, and the index equals the truth afterwards.
func TestE2EElasticOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the testbed with an Elasticsearch outage")
	}
	elasticOutage(t, "")
}

// elasticOutage runs the outage crawl with extraYAML added to the config and checks the
// index against the truth; it returns the config path and the truth for further checks.
//
// The outage lasts DARKWATCH_ES_OUTAGE (30 s in CI): the mechanism does not depend on its
// length (pages are acked once their records and alert observations are spooled, and the
// spool replays them every 5 s once the cluster answers), so a 3-minute outage only makes
// the spool longer; set DARKWATCH_ES_OUTAGE=3m to run that.
func elasticOutage(t *testing.T, extraYAML string) (cfgPath string, tr testbed.Truth, deferred int) {
	t.Helper()
	esURL := testenv.ESURL(t)
	u, err := url.Parse(esURL)
	if err != nil {
		t.Fatal(err)
	}
	outage := outageDuration(t)
	w, srv := startTestbed(t, testbed.Options{Seed: e2eSeed + 1, Listings: e2eListings})
	tr = w.Truth()
	proxy := testenv.NewProxy(t, u.Host)
	prefix := fmt.Sprintf("dwoutage%d", time.Now().UnixNano())
	cleanupES(t, esURL, prefix)
	dir := t.TempDir()

	// Pace the crawl so that it outlasts the outage by about 12 s: one page at a time per
	// market, with a per-host delay such that the largest market's pages (~60 with 40
	// listings: listings, vendors, categories) take outage + 12 s. The crawl's pace does
	// not depend on Elasticsearch (the sink spools), so this is deterministic enough.
	const pagesLargestMarket = 60
	delay := (outage + 12*time.Second) / pagesLargestMarket
	cfg := e2eConfig(t, dir, baseYAML(dir, "elasticsearch", "http://"+proxy.Addr(), prefix, delay, 1)+extraYAML, srv, w)
	t.Logf("outage %s, per-host delay %s", outage, delay)

	// Generous: on a loaded machine with -race the crawl with alert rules took ~3 minutes.
	ctx, cancel := context.WithTimeout(context.Background(), outage+8*time.Minute)
	defer cancel()
	type crawlOut struct {
		code        int
		out, stderr string
		end         time.Time
	}
	done := make(chan crawlOut, 1)
	start := time.Now()
	go func() {
		code, out, errs := runCrawlMain(ctx, cfg)
		done <- crawlOut{code, out, errs, time.Now()}
	}()

	// Cut once the crawl has fetched a few pages of each market (records are being written).
	var res *crawlOut
	for res == nil && w.Stats().Requests < int64(3*len(tr.Markets)) {
		select {
		case r := <-done:
			res = &r
		case <-time.After(50 * time.Millisecond):
		}
	}
	if res != nil {
		t.Fatalf("crawl ended before the outage: exit %d: %s", res.code, tail(res.stderr, 2000))
	}
	before := w.Stats().Requests
	proxy.Cut()
	cutAt := time.Now()
	t.Logf("elasticsearch cut at %s (%s; %d testbed requests)", cutAt.Sub(start).Round(time.Millisecond), cutAt.UTC().Format("15:04:05.000"), before)
	maxSpooled := 0
	for time.Since(cutAt) < outage && res == nil {
		select {
		case r := <-done:
			res = &r
		case <-time.After(200 * time.Millisecond):
			maxSpooled = max(maxSpooled, countSpooled(filepath.Join(dir, "spool")))
		}
	}
	if res != nil {
		t.Fatalf("crawl ended during the outage (%s after the cut): exit %d: %s", time.Since(cutAt).Round(time.Millisecond), res.code, tail(res.stderr, 2000))
	}
	during := w.Stats().Requests - before
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	t.Logf("elasticsearch back after %s; the crawl fetched %d pages meanwhile; at most %d records were spooled at once",
		time.Since(cutAt).Round(time.Millisecond), during, maxSpooled)
	r := <-done
	if r.code != exitOK {
		t.Fatalf("crawl: exit %d\nstdout: %s\nstderr (tail): %s", r.code, r.out, tail(r.stderr, 3000))
	}
	t.Logf("crawl finished %s after the outage ended: %s", r.end.Sub(cutAt.Add(outage)).Round(time.Millisecond), firstLine(r.out))
	puts, files, records, deferred, retried := spoolLog(t, r.stderr)
	t.Logf("spool: %d puts failed and went to the spool (later ones went there directly); %d spool files replayed with %d records and %d deferred alert observations; %d pages retried after a sink failure",
		puts, files, records, deferred, retried)
	if puts == 0 || records == 0 {
		t.Errorf("the outage did not go through the spool (spooling puts %d, replayed records %d): the test did not test it", puts, records)
	}
	if left := countSpooled(filepath.Join(dir, "spool")); left != 0 {
		t.Errorf("%d records left in the spool after the crawl", left)
	}
	if during == 0 {
		t.Errorf("the crawl fetched nothing during the outage")
	}

	got := searchMain(t, cfg)
	want := newTruthIndex(tr).filter(func(extract.Listing) bool { return true })
	if m, x := diffIDs(want, listingIDs(got)); len(m)+len(x) > 0 {
		t.Errorf("after the outage: want %d listings, got %d; missing %v; extra %v", len(want), len(got), m, x)
	}
	checkFields(t, tr, got)
	// every vendor of the truth that has listings is indexed, with its PGP key
	var pgp string
	for _, v := range tr.Vendors {
		if len(v.PGP) > 0 {
			pgp = v.PGP[0]
			break
		}
	}
	ti := newTruthIndex(tr)
	wantPGP := ti.filter(func(l extract.Listing) bool { return ti.hasEntity(l, pgp) })
	if gotPGP := listingIDs(searchMain(t, cfg, "--entity", pgp)); !slices.Equal(gotPGP, wantPGP) {
		m, x := diffIDs(wantPGP, gotPGP)
		t.Errorf("entity %s after the outage: missing %v; extra %v", pgp, m, x)
	}
	t.Logf("after the outage: %d of %d truth listings indexed", len(got), len(want))
	return cfg, tr, deferred
}

// TestE2EElasticOutageAlerts is the outage crawl with a Redis frontier and alert rules on:
// the alert engine's novelty checks go through the spool with the records, so no page is
// retried or dead-lettered for the outage, and every vendor gets its new_vendor alert
// exactly once.
func TestE2EElasticOutageAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the testbed with an Elasticsearch outage")
	}
	redisURL := testenv.RedisURL(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "dwoutage" + hex.EncodeToString(b[:])
	t.Cleanup(func() { deleteRedisPrefix(t, redisURL, prefix) })
	cfgPath, tr, deferred := elasticOutage(t, "frontier:\n  backend: redis\n  redis:\n    url: "+redisURL+"\n    prefix: "+prefix+"\n"+
		"alerts:\n  rules:\n    - {name: nv, kind: new_vendor}\n")
	if deferred == 0 {
		t.Errorf("no alert observation went through the spool: the test did not test the outage path of novelty")
	}
	cfg, code := loadConfig(cfgPath, os.Stderr)
	if cfg == nil {
		t.Fatalf("config: exit %d", code)
	}
	ctx := context.Background()
	fr, err := openFrontier(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := fr.Stats(ctx)
	fr.Close()
	if err != nil {
		t.Fatal(err)
	}
	if st.Dead != 0 || st.Queued+st.Delayed+st.InFlight != 0 {
		t.Errorf("frontier after the outage crawl: %d dead letters, %d queued, %d delayed, %d in flight; want none", st.Dead, st.Queued, st.Delayed, st.InFlight)
	}
	log, err := alert.OpenLog(alertLogPath(cfg), 0)
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := log.List(time.Time{})
	log.Close()
	if err != nil {
		t.Fatal(err)
	}
	raised := map[string]int{}
	for _, a := range alerts {
		if a.Kind == alert.KindNewVendor {
			raised[a.Subject]++
		}
	}
	var want, got []string
	for _, v := range tr.Vendors {
		want = append(want, v.ID)
	}
	for id, n := range raised {
		got = append(got, id)
		if n != 1 {
			t.Errorf("vendor %s: %d new_vendor alerts, want 1", id, n)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if m, x := diffIDs(want, got); len(m)+len(x) > 0 {
		t.Errorf("new_vendor alerts: want %d vendors, got %d; missing %v; extra %v", len(want), len(got), m, x)
	}
	t.Logf("%d new_vendor alerts for %d truth vendors; frontier: %d seen, %d dead", len(got), len(want), st.Seen, st.Dead)
}

// ---- Kibana ----

// checkKibanaMappings reads the mappings of the listings, vendors and observations aliases
// and checks the field types a Kibana user relies on.
func checkKibanaMappings(t *testing.T, esURL, prefix string) {
	t.Helper()
	want := map[string]map[string]string{
		"listings": {
			"id": "keyword", "market": "keyword", "vendor_id": "keyword", "vendor": "keyword", "category": "keyword",
			"ships_from": "keyword", "ships_to": "keyword", "status": "keyword", "url": "keyword",
			"substances.name": "keyword", "substances.class": "keyword", "substances.family": "keyword",
			"entities.kind": "keyword", "entities.value": "keyword", "drug_offer": "boolean",
			"title": "text", "title.keyword": "keyword", "description": "text", "description.keyword": "keyword",
			"first_seen": "date", "last_seen": "date", "capture.time": "date",
			"price.usd": "price", "price.amount": "number", "price.currency": "keyword", "unit_price_usd": "price",
			"offers.price.usd": "price", "grams": "number",
		},
		"vendors": {
			"id": "keyword", "market": "keyword", "handle": "keyword", "pgp": "keyword", "actor": "keyword",
			"entities.value": "keyword", "markets": "keyword", "substances": "keyword",
			"first_seen": "date", "last_seen": "date", "rating": "number", "sales": "number",
		},
		"observations": {"listing_id": "keyword", "market": "keyword", "time": "date", "price.usd": "price", "status": "keyword"},
	}
	numeric := []string{"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float"}
	// USD prices are scaled_float (cents) where the cluster has the mapper-extras module;
	// the minimal integration-test distribution lacks it and gets double.
	priceType := "double"
	if hasModule(t, esURL, "mapper-extras") {
		priceType = "scaled_float"
	}
	for kind, fields := range want {
		alias := prefix + "-" + kind
		resp, err := http.Get(esURL + "/" + alias + "/_mapping")
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]struct {
			Mappings map[string]any `json:"mappings"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(body) != 1 {
			t.Errorf("GET %s/_mapping: status %d, %d indices, %v", alias, resp.StatusCode, len(body), err)
			continue
		}
		for concrete, mp := range body {
			if concrete == alias {
				t.Errorf("%s is an index, not an alias over a versioned index", alias)
			}
			names := make([]string, 0, len(fields))
			for f := range fields {
				names = append(names, f)
			}
			sort.Strings(names)
			var seen []string
			for _, f := range names {
				typ := fieldType(mp.Mappings, f)
				seen = append(seen, f+"="+typ)
				w := fields[f]
				if w == "price" {
					w = priceType
				}
				if typ == w || (w == "number" && slices.Contains(numeric, typ)) {
					continue
				}
				t.Errorf("%s (%s): field %s is %q, want %s", alias, concrete, f, typ, w)
			}
			t.Logf("mapping of %s (%s): %s", alias, concrete, strings.Join(seen, " "))
		}
	}
}

// hasModule reports whether every node of the cluster has the module.
func hasModule(t *testing.T, esURL, module string) bool {
	t.Helper()
	resp, err := http.Get(esURL + "/_nodes/plugins?filter_path=nodes.*.modules.name")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Nodes map[string]struct {
			Modules []struct {
				Name string `json:"name"`
			} `json:"modules"`
		} `json:"nodes"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("GET /_nodes/plugins: %v", err)
	}
	for _, n := range out.Nodes {
		found := false
		for _, m := range n.Modules {
			found = found || m.Name == module
		}
		if !found {
			return false
		}
	}
	return len(out.Nodes) > 0
}

// fieldType walks properties (and multi-field "fields") along a dotted path.
func fieldType(mapping map[string]any, path string) string {
	cur := mapping
	for i, part := range strings.Split(path, ".") {
		var next map[string]any
		if props, ok := cur["properties"].(map[string]any); ok {
			next, _ = props[part].(map[string]any)
		}
		if next == nil && i > 0 {
			if fs, ok := cur["fields"].(map[string]any); ok {
				next, _ = fs[part].(map[string]any)
			}
		}
		if next == nil {
			return ""
		}
		cur = next
	}
	if typ, ok := cur["type"].(string); ok {
		return typ
	}
	if _, ok := cur["properties"]; ok {
		return "object"
	}
	return ""
}
