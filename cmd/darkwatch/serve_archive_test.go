package main

// Tests of where serve reads alerts: the local alert log with the embedded backend, the
// Elasticsearch alerts archive with the Elasticsearch backend (cluster deployments, where the
// crawlers raising the alerts run on other machines).

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/darkwatch/darkwatch/config"
	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/api"
)

const archiveTestToken = "archive-test-token"

// serveConfig writes base plus an analyst API token to dir/darkwatch.yaml and loads it.
func serveConfig(t *testing.T, dir, base string) (*config.Config, string) {
	t.Helper()
	sum := sha256.Sum256([]byte(archiveTestToken))
	y := base + fmt.Sprintf("markets:\n  - name: alpha\n    seeds: [%q]\nserve:\n  tokens:\n    - {name: t, role: analyst, token_hash: \"sha256:%s\"}\n",
		"http://5lq4q6j3kwl4jm7usdtwvqyrolcds2ipr3qucqv3qungd6net4harwad.onion/", hex.EncodeToString(sum[:]))
	path := filepath.Join(dir, "darkwatch.yaml")
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg, path
}

// serveAPI is newAPIServer over cfg and st, served by httptest.
func serveAPI(t *testing.T, cfg *config.Config, st index.Store) *httptest.Server {
	t.Helper()
	srv, err := newAPIServer(cfg, st, nil, "127.0.0.1:0", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return hs
}

// apiCall sends one authenticated request and returns the status and the body.
func apiCall(t *testing.T, hs *httptest.Server, method, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, hs.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+archiveTestToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// archiveFixture: kinds, markets, acks, two alerts raised at the same instant, two raised
// within the same millisecond (the archive's date resolution) whose ids sort against their
// times, one raised in another time zone.
func archiveFixture(now time.Time) (alerts []alert.Alert, acked []string) {
	ms := time.Date(now.Year(), now.Month(), now.Day(), now.Hour(), 0, 0, 0, time.UTC).Add(-time.Hour)
	east := time.FixedZone("UTC+2", 2*3600)
	mk := func(id, kind, market string, raised time.Time) alert.Alert {
		return alert.Alert{ID: id, Key: kind + "/" + market + "/" + id, Rule: "r-" + kind, Kind: kind, Severity: alert.SeverityWarning,
			Market: market, Subject: market + "/" + id, Summary: kind + " " + id + " on " + market, FirstSeen: raised.Add(-time.Minute), Raised: raised}
	}
	alerts = []alert.Alert{
		mk("a01", alert.KindNewVendor, "alpha", now.Add(-10*24*time.Hour)),
		mk("a02", alert.KindNewSubstance, "alpha", now.Add(-5*24*time.Hour)),
		mk("a03", alert.KindNewVendor, "bravo", now.Add(-3*24*time.Hour)),
		mk("a04", alert.KindWatch, "bravo", now.Add(-2*24*time.Hour)),
		mk("a06", alert.KindPriceChange, "alpha", now.Add(-30*time.Hour)),
		mk("a05", alert.KindNewVendor, "charlie", now.Add(-30*time.Hour)),
		mk("a09", alert.KindNewSubstance, "charlie", now.Add(-20*time.Hour).In(east)),
		mk("x1", alert.KindWatch, "alpha", ms.Add(700*time.Microsecond)),
		mk("x2", alert.KindNewVendor, "alpha", ms.Add(300*time.Microsecond)),
		mk("a10", alert.KindListingGone, "bravo", now.Add(-10*time.Minute)),
	}
	alerts[0].VendorIDs = []string{"alpha/nitro"}
	alerts[4].OldPrice, alerts[4].NewPrice, alerts[4].ChangePct = &extract.Price{Amount: 100, Currency: "USD", USD: 100},
		&extract.Price{Amount: 0.0021, Currency: "BTC", USD: 130.5, Rate: 62142.86, RateDate: "2026-11-01"}, 30.5
	alerts[6].Class, alerts[6].Family = "opioid", "nitazene"
	alerts[7].ListingIDs, alerts[7].Capture = []string{"alpha/l-7"}, &extract.Capture{SHA256: "ab12"}
	return alerts, []string{"a02", "a04", "x1"}
}

// TestServeAlertsArchive: with the Elasticsearch backend serve lists and acknowledges the
// alerts of the Elasticsearch archive, with the same answers, filter for filter, as the
// local alert log gives with the embedded backend; an ack in the API is what `darkwatch
// alerts` then shows, and the other way round.
func TestServeAlertsArchive(t *testing.T) {
	esURL := testenv.ESURL(t)
	ctx := t.Context()
	prefix := fmt.Sprintf("dwservearch%d", time.Now().UnixNano())
	cleanupES(t, esURL, prefix)

	embDir, esDir := t.TempDir(), t.TempDir()
	embCfg, _ := serveConfig(t, embDir, baseYAML(embDir, "embedded", "", "", 0, 1))
	esCfg, esPath := serveConfig(t, esDir, baseYAML(esDir, "elasticsearch", esURL, prefix, 0, 1))
	if src, err := serveAlerts(esCfg); err != nil {
		t.Fatal(err)
	} else if _, ok := src.(alertArchiveSource); !ok {
		t.Fatalf("elasticsearch backend: serve reads alerts from %T, want the archive", src)
	}
	if src, err := serveAlerts(embCfg); err != nil {
		t.Fatal(err)
	} else if _, ok := src.(alertLog); !ok {
		t.Fatalf("embedded backend: serve reads alerts from %T, want the local log", src)
	}
	embStore, err := openStore(ctx, embCfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer embStore.Close()
	esStore, err := openStore(ctx, esCfg, nil) // creates the indices (and the alerts alias) as a crawl would
	if err != nil {
		t.Fatal(err)
	}
	defer esStore.Close()
	arch := alertArchive(esCfg)
	if got, err := arch.List(ctx, time.Time{}); err != nil || len(got) != 0 {
		t.Fatalf("archive before any alert (the store's index, no alert yet): %v, %v", got, err)
	}

	// One alert log (the embedded server's) feeds the archive through its outbox, as a
	// crawl's engine does; the acks are done on both.
	now := time.Now().UTC().Truncate(time.Second)
	alerts, acked := archiveFixture(now)
	l, err := alert.OpenLog(alertLogPath(embCfg), 0)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := alert.New(alert.Options{Store: nopStore{}, Log: l, Archive: arch})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Add(alerts, func(alert.Alert) []string { return []string{alert.ArchiveName} }); err != nil {
		t.Fatal(err)
	}
	if err := eng.Flush(ctx); err != nil {
		t.Fatalf("deliver to the archive: %v", err)
	}
	if p, err := l.Pending(); err != nil || len(p) != 0 {
		t.Fatalf("outbox after flush: %d pending, %v", len(p), err)
	}
	ackAt := now.Add(-time.Minute)
	for _, id := range acked {
		if _, err := l.Ack(id, ackAt); err != nil {
			t.Fatal(err)
		}
		if _, err := arch.Ack(ctx, id, ackAt); err != nil {
			t.Fatal(err)
		}
	}
	eng.Close()
	l.Close()

	embAPI, esAPI := serveAPI(t, embCfg, embStore), serveAPI(t, esCfg, esStore)
	x1, x2 := alerts[7].Raised, alerts[8].Raised
	nano := func(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339Nano)) }
	cases := []struct {
		query string
		code  int
		total int
	}{
		{"", 200, 10},
		{"kind=new_vendor", 200, 4},
		{"kind=new_vendor,watch", 200, 6},
		{"kind=new_vendor&kind=price_change", 200, 5},
		{"kind=nope", 200, 0},
		{"market=alpha", 200, 5},
		{"market=bravo&kind=new_vendor", 200, 1},
		{"market=alpha,charlie&kind=new_substance", 200, 2},
		{"acked=true", 200, 3},
		{"acked=false", 200, 7},
		{"acked=false&market=alpha", 200, 3},
		{"acked=1&kind=watch", 200, 2},
		{"since=7d", 200, 9},
		{"since=36h", 200, 6},
		{"since=36h&acked=false&limit=2", 200, 5},
		{"limit=3", 200, 10},
		{"limit=1&market=bravo", 200, 3},
		{"since=" + now.Add(-4*24*time.Hour).Format("2006-01-02"), 200, 8},
		{"since=" + nano(x2), 200, 3},
		{"since=" + nano(x1), 200, 2},                      // x2 is 400µs earlier, in the same millisecond
		{"since=" + nano(x1.Add(time.Nanosecond)), 200, 1}, // only a10
		{"since=24h&market=charlie", 200, 1},
		{"since=" + nano(now.Add(time.Hour)), 200, 0},
		{"acked=perhaps", 400, -1},
		{"limit=0", 400, -1},
		{"colour=red", 400, -1},
	}
	for _, c := range cases {
		name := c.query
		if name == "" {
			name = "no_filter"
		}
		t.Run(name, func(t *testing.T) {
			p := "/api/v1/alerts?" + c.query
			ecode, ebody := apiCall(t, embAPI, http.MethodGet, p)
			acode, abody := apiCall(t, esAPI, http.MethodGet, p)
			if ecode != c.code || acode != c.code {
				t.Fatalf("status: local log %d, archive %d, want %d (%s / %s)", ecode, acode, c.code, ebody, abody)
			}
			if diff := cmp.Diff(string(ebody), string(abody)); diff != "" {
				t.Errorf("archive answer differs from the local log's (-log +archive):\n%s", diff)
			}
			if c.total < 0 {
				return
			}
			var got api.AlertsResponse
			if err := json.Unmarshal(abody, &got); err != nil {
				t.Fatal(err)
			}
			if got.Total != c.total {
				t.Errorf("total: got %d, want %d", got.Total, c.total)
			}
		})
	}
	// The full list, newest first, to the nanosecond (x1 after x2 although "x1" < "x2"),
	// equal times by id.
	_, body := apiCall(t, esAPI, http.MethodGet, "/api/v1/alerts")
	var all api.AlertsResponse
	if err := json.Unmarshal(body, &all); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range all.Alerts {
		ids = append(ids, a.ID)
	}
	if diff := cmp.Diff([]string{"a10", "x1", "x2", "a09", "a06", "a05", "a04", "a03", "a02", "a01"}, ids); diff != "" {
		t.Errorf("archive order (-want +got):\n%s", diff)
	}

	// An ack in the API lands in the archive: `darkwatch alerts --json` shows it.
	code, body := apiCall(t, esAPI, http.MethodPost, "/api/v1/alerts/a03/ack")
	var ackd alert.Alert
	if err := json.Unmarshal(body, &ackd); code != 200 || err != nil || ackd.ID != "a03" || ackd.Acked.IsZero() {
		t.Fatalf("ack a03 through the API: %d %s", code, body)
	}
	if code, body := apiCall(t, esAPI, http.MethodPost, "/api/v1/alerts/nope/ack"); code != 404 {
		t.Errorf("ack of an unknown alert: %d %s", code, body)
	}
	cli := cliAlerts(t, esPath)
	if len(cli) != len(alerts) {
		t.Fatalf("darkwatch alerts --json: %d alerts, want %d", len(cli), len(alerts))
	}
	if got := cli["a03"]; !got.Acked.Equal(ackd.Acked) {
		t.Errorf("darkwatch alerts: a03 acked at %v, want %v (the API's ack)", got.Acked, ackd.Acked)
	}
	if got := cli["a01"]; !got.Acked.IsZero() {
		t.Errorf("darkwatch alerts: a01 acked at %v, want not acked", got.Acked)
	}
	// And the other way round: an ack by `darkwatch alerts --ack` is what the API shows.
	var errb bytes.Buffer
	if code := Main(ctx, []string{"alerts", "-config", esPath, "--ack", "a05", "--json"}, nil, io.Discard, &errb); code != exitOK {
		t.Fatalf("darkwatch alerts --ack: exit %d: %s", code, errb.String())
	}
	_, body = apiCall(t, esAPI, http.MethodGet, "/api/v1/alerts?acked=true")
	var ackedNow api.AlertsResponse
	if err := json.Unmarshal(body, &ackedNow); err != nil {
		t.Fatal(err)
	}
	ids = ids[:0]
	for _, a := range ackedNow.Alerts {
		ids = append(ids, a.ID)
	}
	if diff := cmp.Diff([]string{"x1", "a05", "a04", "a03", "a02"}, ids); diff != "" {
		t.Errorf("acked alerts in the API after the two acks (-want +got):\n%s", diff)
	}
}

// cliAlerts runs `darkwatch alerts --json` and returns its alerts by id.
func cliAlerts(t *testing.T, cfgPath string) map[string]alert.Alert {
	t.Helper()
	var out, errb bytes.Buffer
	if code := Main(t.Context(), []string{"alerts", "-config", cfgPath, "--json"}, nil, &out, &errb); code != exitOK {
		t.Fatalf("darkwatch alerts --json: exit %d: %s", code, errb.String())
	}
	got := map[string]alert.Alert{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var a alert.Alert
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("darkwatch alerts --json: %q: %v", sc.Text(), err)
		}
		got[a.ID] = a
	}
	return got
}

// TestServeAlertsArchiveUnavailable: an Elasticsearch cluster that does not answer makes
// the alerts endpoints 503 with the reason, not 500 (no Elasticsearch needed).
func TestServeAlertsArchiveUnavailable(t *testing.T) {
	dir := t.TempDir()
	cfg, _ := serveConfig(t, dir, baseYAML(dir, "elasticsearch", "http://127.0.0.1:1", "dwnowhere", 0, 1))
	embDir := t.TempDir()
	embCfg, _ := serveConfig(t, embDir, baseYAML(embDir, "embedded", "", "", 0, 1))
	st, err := openStore(t.Context(), embCfg, nil) // the index is not what this test reads
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hs := serveAPI(t, cfg, st)
	for _, c := range []struct{ method, path string }{{http.MethodGet, "/api/v1/alerts"}, {http.MethodPost, "/api/v1/alerts/a1/ack"}} {
		code, body := apiCall(t, hs, c.method, c.path)
		if code != http.StatusServiceUnavailable || !strings.Contains(string(body), "alert archive") {
			t.Errorf("%s %s with the cluster down: %d %s, want 503 naming the archive", c.method, c.path, code, body)
		}
	}
}

// searchCounter is a reverse proxy to Elasticsearch that keeps the body of every search of
// an alerts index.
type searchCounter struct {
	mu       sync.Mutex
	searches []map[string]any
}

func (c *searchCounter) take() []map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.searches
	c.searches = nil
	return s
}

func newSearchCounter(t *testing.T, esURL string) (*searchCounter, string) {
	t.Helper()
	target, err := url.Parse(esURL)
	if err != nil {
		t.Fatal(err)
	}
	c := &searchCounter{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "-alerts/_search") {
			raw, _ := io.ReadAll(r.Body)
			var body map[string]any
			_ = json.Unmarshal(raw, &body)
			c.mu.Lock()
			c.searches = append(c.searches, body)
			c.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(raw))
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return c, hs.URL
}

// TestServeAlertsArchiveLarge: with more alerts than one page of the old listing (1,000),
// four to a millisecond with ids against their times, the archive answers every listing as
// the local log does, byte for byte, and reads about limit alerts to do it: one search of
// limit+1 (plus one when the limit or since falls inside a millisecond), not the archive.
func TestServeAlertsArchiveLarge(t *testing.T) {
	esURL := testenv.ESURL(t)
	ctx := t.Context()
	prefix := fmt.Sprintf("dwservearchbig%d", time.Now().UnixNano())
	cleanupES(t, esURL, prefix)
	counter, proxyURL := newSearchCounter(t, esURL)

	embDir, esDir := t.TempDir(), t.TempDir()
	embCfg, _ := serveConfig(t, embDir, baseYAML(embDir, "embedded", "", "", 0, 1))
	esCfg, _ := serveConfig(t, esDir, baseYAML(esDir, "elasticsearch", proxyURL, prefix, 0, 1))
	embStore, err := openStore(ctx, embCfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer embStore.Close()
	esStore, err := openStore(ctx, esCfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer esStore.Close()

	const n = 2500
	now := time.Now().UTC().Truncate(time.Second)
	base := now.Add(-time.Hour)
	kinds := []string{alert.KindNewVendor, alert.KindWatch, alert.KindPriceChange, alert.KindListingGone}
	markets := []string{"alpha", "bravo", "charlie"}
	alerts := make([]alert.Alert, n)
	for i := range alerts {
		raised := base.Add(time.Duration(i/4)*time.Millisecond + time.Duration(3-i%4)*250*time.Microsecond)
		id := fmt.Sprintf("b%04d", (i*7919)%n)
		alerts[i] = alert.Alert{ID: id, Key: "k/" + id, Rule: "r", Kind: kinds[i%4], Severity: alert.SeverityInfo, Market: markets[(i/4)%3],
			Subject: "s/" + id, Summary: "alert " + id, FirstSeen: base, Raised: raised}
		if i%6 == 1 {
			alerts[i].Acked = now
		}
	}
	l, err := alert.OpenLog(alertLogPath(embCfg), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Add(alerts, func(alert.Alert) []string { return nil }); err != nil {
		t.Fatal(err)
	}
	l.Close()
	arch := alertArchive(esCfg)
	if err := arch.Deliver(ctx, alerts[0], ""); err != nil { // the index, with the archive's mapping
		t.Fatal(err)
	}
	var bulk bytes.Buffer
	enc := json.NewEncoder(&bulk)
	for _, a := range alerts[1:] {
		_ = enc.Encode(map[string]any{"create": map[string]string{"_id": a.ID}})
		_ = enc.Encode(a)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, esURL+"/"+prefix+"-alerts/_bulk?refresh=true", &bulk)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || bytes.Contains(raw, []byte(`"errors":true`)) {
		t.Fatalf("bulk: HTTP %d: %.500s", resp.StatusCode, raw)
	}

	embAPI, esAPI := serveAPI(t, embCfg, embStore), serveAPI(t, esCfg, esStore)
	nano := func(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339Nano)) }
	unackedBC := 0 // acked=false&market=bravo,charlie
	for _, a := range alerts {
		if a.Acked.IsZero() && a.Market != "alpha" {
			unackedBC++
		}
	}
	counter.take()
	cases := []struct {
		query       string
		limit       int // the limit the query gives or implies
		total, n    int
		maxSearches int
	}{
		{"", 500, n, 500, 2}, // the UI's request: no since
		{"limit=7", 7, n, 7, 2},
		{"limit=8", 8, n, 8, 1}, // between two milliseconds
		{"limit=1001", 1001, n, 1001, 2},
		{"limit=10000", 10000, n, n, 1},
		{"kind=watch&limit=3", 3, n / 4, 3, 2},
		{"acked=false&market=bravo,charlie&limit=250", 250, unackedBC, 250, 2},
		{"acked=true", 500, 417, 417, 1},
		{"since=" + nano(alerts[1801].Raised) + "&limit=5", 5, n - 1800 - 2, 5, 3},
		{"since=" + nano(alerts[1801].Raised) + "&kind=new_vendor&limit=2000", 2000, 175, 175, 1},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			p := "/api/v1/alerts?" + c.query
			ecode, ebody := apiCall(t, embAPI, http.MethodGet, p)
			counter.take()
			acode, abody := apiCall(t, esAPI, http.MethodGet, p)
			searches := counter.take()
			if ecode != 200 || acode != 200 {
				t.Fatalf("status: local log %d, archive %d (%.300s / %.300s)", ecode, acode, ebody, abody)
			}
			if diff := cmp.Diff(string(ebody), string(abody)); diff != "" {
				t.Errorf("archive answer differs from the local log's (-log +archive):\n%.3000s", diff)
			}
			var got api.AlertsResponse
			if err := json.Unmarshal(abody, &got); err != nil {
				t.Fatal(err)
			}
			if got.Total != c.total || len(got.Alerts) != c.n {
				t.Errorf("got %d alerts of %d, want %d of %d", len(got.Alerts), got.Total, c.n, c.total)
			}
			if len(searches) == 0 || len(searches) > c.maxSearches {
				t.Fatalf("%d searches of the archive, want 1 to %d", len(searches), c.maxSearches)
			}
			if size, _ := searches[0]["size"].(float64); int(size) != min(c.limit+1, 10000) {
				t.Errorf("first search asks for %v alerts, want limit+1 = %d", searches[0]["size"], c.limit+1)
			}
			asked := 0
			for _, s := range searches {
				size, _ := s["size"].(float64)
				asked += int(size)
			}
			if asked > c.limit+1+1000+100 {
				t.Errorf("the searches ask for %d alerts in all, for a limit of %d", asked, c.limit)
			}
		})
	}
}
