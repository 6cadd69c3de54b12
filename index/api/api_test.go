package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"

	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/api"
	"github.com/darkwatch/darkwatch/index/embedded"
	"github.com/darkwatch/darkwatch/index/indextest"
)

const (
	analystToken = "analyst-token-0123456789"
	adminToken   = "admin-token-0123456789"
	password     = "correct horse battery staple"
)

func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return "sha256:" + hex.EncodeToString(h[:])
}

// fakeMarkets is a MarketSource with a function field.
type fakeMarkets struct {
	fn func(ctx context.Context) ([]api.MarketStatus, error)
}

func (f *fakeMarkets) MarketStatus(ctx context.Context) ([]api.MarketStatus, error) { return f.fn(ctx) }

// logAlerts is the local alert log as an api.AlertSource.
type logAlerts struct{ l *alert.Log }

func (a logAlerts) Search(_ context.Context, q alert.Query) ([]alert.Alert, int, error) {
	all, err := a.l.List(q.Since)
	if err != nil {
		return nil, 0, err
	}
	found, total := q.Select(all)
	return found, total, nil
}
func (a logAlerts) Ack(_ context.Context, id string, at time.Time) (alert.Alert, error) {
	return a.l.Ack(id, at)
}

type testEnv struct {
	t         *testing.T
	srv       *httptest.Server
	api       *api.Server
	store     index.Store
	alerts    *alert.Log
	auditPath string
	router    routers.Router
	markets   *fakeMarkets
}

type envOptions struct {
	listings  []record.Listing
	vendors   []record.Vendor
	noAlerts  bool
	noMarkets bool
	tune      func(*api.Options)        // adjusts the options before New
	auditWrap func(io.Writer) io.Writer // wraps the audit file (NewWithAuditWriter)
}

var (
	hashOnce sync.Once
	hashes   [2]string
)

func passwordHashes(t testing.TB) (string, string) {
	hashOnce.Do(func() {
		for i := range hashes {
			h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
			if err != nil {
				panic(err)
			}
			hashes[i] = string(h)
		}
	})
	return hashes[0], hashes[1]
}

// newEnv serves an api.Server over an embedded store loaded with the index fixture (or
// o's records), an alert log with two alerts and a fake market source.
func newEnv(t testing.TB, o envOptions) *testEnv {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := embedded.Open(ctx, embedded.Options{Dir: filepath.Join(dir, "index")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if o.listings == nil {
		o.listings, o.vendors = indextest.Listings(), indextest.Vendors()
		// A second sighting of alpha/l1 at a new price: price history.
		l1 := o.listings[0]
		l1.LastSeen = l1.LastSeen.Add(48 * time.Hour)
		l1.Price.USD, l1.Price.Amount = 230, 230
		o.listings = append(o.listings, l1)
	}
	if err := st.PutVendors(ctx, o.vendors); err != nil {
		t.Fatal(err)
	}
	for _, l := range o.listings { // one put per listing: each records an observation
		if err := st.PutListings(ctx, []record.Listing{l}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	e := &testEnv{store: st, auditPath: filepath.Join(dir, "audit.log")}
	if tt, ok := t.(*testing.T); ok {
		e.t = tt
	}
	analystHash, adminHash := passwordHashes(t)
	opts := api.Options{
		Store:     st,
		AuditPath: e.auditPath,
		Users: []api.User{
			{Name: "alice", Role: api.RoleAnalyst, PasswordHash: analystHash},
			{Name: "root", Role: api.RoleAdmin, PasswordHash: adminHash},
		},
		Tokens: []api.Token{
			{Name: "partner", Role: api.RoleAnalyst, TokenHash: tokenHash(analystToken)},
			{Name: "ops", Role: api.RoleAdmin, TokenHash: tokenHash(adminToken)},
		},
	}
	if !o.noAlerts {
		e.alerts, err = alert.OpenLog(filepath.Join(dir, "alerts.db"), 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.alerts.Close() })
		now := time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)
		_, err = e.alerts.Add([]alert.Alert{
			{ID: "a1", Key: "new_vendor/alpha/alpha/nitro", Rule: "new-vendors", Kind: "new_vendor", Severity: "info", Market: "alpha",
				Subject: "alpha/nitro", Summary: "new vendor nitro on alpha", VendorIDs: []string{"alpha/nitro"}, FirstSeen: now, Raised: now},
			{ID: "a2", Key: "vendor_on_new_market/bravo/actor-1", Rule: "cross", Kind: "vendor_on_new_market", Severity: "critical", Market: "bravo",
				Subject: "actor-1", Summary: "DrHouse now on bravo as House_MD", Linked: []string{"alpha/drhouse"}, Entities: []string{indextest.PGPHouse},
				Capture: &record.Capture{SHA256: "abc"}, FirstSeen: now, Raised: now.Add(time.Hour)},
		}, func(alert.Alert) []string { return nil })
		if err != nil {
			t.Fatal(err)
		}
		opts.Alerts = logAlerts{e.alerts}
	}
	if !o.noMarkets {
		e.markets = &fakeMarkets{fn: func(context.Context) ([]api.MarketStatus, error) {
			return []api.MarketStatus{
				{Name: "alpha", Status: api.StatusUp, Queued: 3, Seen: 40, Hosts: []api.HostStatus{{Host: "alpha.onion", Up: true,
					History: []api.HostEvent{{At: time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), Up: false, Kind: "timeout"}, {At: time.Date(2026, 1, 10, 1, 0, 0, 0, time.UTC), Up: true}}}}},
				{Name: "bravo", Status: api.StatusPaused, Paused: "captcha"},
			}, nil
		}}
		opts.Markets = e.markets
	}
	if o.tune != nil {
		o.tune(&opts)
	}
	if o.auditWrap != nil {
		e.api, err = api.NewWithAuditWriter(opts, o.auditWrap)
	} else {
		e.api, err = api.New(opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.api.Close() })
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)

	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	e.router, err = legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type auth func(*http.Request)

func bearer(tok string) auth {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

var noAuth auth = func(*http.Request) {}

// do sends a request and, for API paths, validates the request and the response against
// openapi.yaml (an undocumented status or a body off the schema fails the test).
func (e *testEnv) do(t *testing.T, method, path string, a auth, body io.Reader) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	a(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if (strings.HasPrefix(req.URL.Path, "/api/v1/") && !strings.HasSuffix(req.URL.Path, ".yaml")) || req.URL.Path == "/healthz" {
		e.validate(t, req, resp, b)
	}
	return resp.StatusCode, b, resp.Header
}

func (e *testEnv) validate(t *testing.T, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	// Route on the escaped path: a listing id's "%2F" stays inside its path parameter.
	// A raw "/" inside an id (accepted by the server) is escaped the way the document
	// describes the parameter.
	rr := req.Clone(context.Background())
	rr.URL.Path = req.URL.EscapedPath()
	rr.URL.RawPath = ""
	for _, prefix := range []string{"/api/v1/listings/", "/api/v1/vendors/", "/api/v1/actors/"} {
		if rest, ok := strings.CutPrefix(req.URL.Path, prefix); ok {
			rr.URL.Path = prefix + url.PathEscape(rest)
		}
	}
	route, params, err := e.router.FindRoute(rr)
	if err != nil {
		// Paths outside the API (unknown endpoints, wrong methods) are not in the document.
		if resp.StatusCode != 401 && resp.StatusCode != 404 && resp.StatusCode != 405 {
			t.Errorf("%s %s -> %d: not in openapi.yaml: %v", req.Method, req.URL.Path, resp.StatusCode, err)
		}
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: rr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}}
	if resp.StatusCode < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s: request does not match openapi.yaml: %v", req.Method, req.URL, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: in.Options}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s -> %d: response does not match openapi.yaml: %v\nbody: %.500s", req.Method, req.URL, resp.StatusCode, err, body)
	}
}

func (e *testEnv) getJSON(t *testing.T, path string, a auth, want int, v any) []byte {
	t.Helper()
	code, body, _ := e.do(t, "GET", path, a, nil)
	if code != want {
		t.Fatalf("GET %s: got %d, want %d; body %s", path, code, want, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return body
}

func TestHealthz(t *testing.T) {
	e := newEnv(t, envOptions{})
	var h map[string]string
	e.getJSON(t, "/healthz", noAuth, 200, &h)
	if h["status"] != "ok" {
		t.Errorf("got %v, want status ok", h)
	}
}

func TestUnauthenticated(t *testing.T) {
	e := newEnv(t, envOptions{})
	paths := []string{"/api/v1/search", "/api/v1/listings/alpha/l1", "/api/v1/vendors/alpha/drhouse", "/api/v1/actors/actor-1",
		"/api/v1/alerts", "/api/v1/markets", "/api/v1/audit", "/api/v1/me", "/api/v1/nope"}
	creds := map[string]auth{
		"none":         noAuth,
		"wrong token":  bearer("wrong"),
		"empty bearer": func(r *http.Request) { r.Header.Set("Authorization", "Bearer ") },
		"basic":        func(r *http.Request) { r.SetBasicAuth("alice", password) },
		"bad cookie":   func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "darkwatch_session", Value: "forged"}) },
	}
	for name, a := range creds {
		for _, p := range paths {
			code, body, _ := e.do(t, "GET", p, a, nil)
			if code != http.StatusUnauthorized {
				t.Errorf("%s: GET %s: got %d, want 401 (%s)", name, p, code, body)
			}
		}
		code, _, _ := e.do(t, "POST", "/api/v1/alerts/a1/ack", a, nil)
		if code != http.StatusUnauthorized {
			t.Errorf("%s: POST ack: got %d, want 401", name, code)
		}
	}
	// UI pages redirect to the login page; the login page and static assets are public.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range []string{"/", "/listing?id=alpha/l1", "/vendor?id=x", "/actor?id=x", "/alerts", "/markets", "/audit"} {
		resp, err := client.Get(e.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("GET %s: got %d Location %q, want 303 to /login", p, resp.StatusCode, loc)
		}
	}
	for _, p := range []string{"/login", "/static/app.js", "/static/style.css"} {
		if code, _, _ := e.do(t, "GET", p, noAuth, nil); code != 200 {
			t.Errorf("GET %s: got %d, want 200", p, code)
		}
	}
}

func TestAuditAdminOnly(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.getJSON(t, "/api/v1/search?substance=fentanyl&market=alpha", bearer(analystToken), 200, nil)
	code, body, _ := e.do(t, "GET", "/api/v1/audit", bearer(analystToken), nil)
	if code != http.StatusForbidden {
		t.Fatalf("analyst GET /api/v1/audit: got %d, want 403 (%s)", code, body)
	}
	var got struct{ Entries []api.AuditEntry }
	e.getJSON(t, "/api/v1/audit?limit=50", bearer(adminToken), 200, &got)
	var search, forbidden *api.AuditEntry
	for i, en := range got.Entries {
		switch {
		case en.Event == "request" && en.Path == "/api/v1/search":
			search = &got.Entries[i]
		case en.Event == "forbidden":
			forbidden = &got.Entries[i]
		}
	}
	if search == nil || search.User != "partner" || search.Auth != "token" || search.Remote != "127.0.0.1" ||
		search.Query != "substance=fentanyl&market=alpha" || search.Time.IsZero() {
		t.Errorf("search audit entry: got %+v, want user partner, token, 127.0.0.1, the query", search)
	}
	if forbidden == nil || forbidden.User != "partner" {
		t.Errorf("forbidden audit entry: got %+v", forbidden)
	}
	if got.Entries[0].Path != "/api/v1/audit" {
		t.Errorf("newest entry: got %s, want the audit request itself (newest first)", got.Entries[0].Path)
	}
	// Durable: the file holds the lines now (appended and fsynced before the response).
	raw, err := os.ReadFile(e.auditPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(`"query":"substance=fentanyl&market=alpha"`)) {
		t.Errorf("audit file lacks the search: %s", raw)
	}
	var filtered struct{ Entries []api.AuditEntry }
	e.getJSON(t, "/api/v1/audit?user=ops", bearer(adminToken), 200, &filtered)
	for _, en := range filtered.Entries {
		if en.User != "ops" {
			t.Errorf("user filter: got entry of %q", en.User)
		}
	}
	code, body, _ = e.do(t, "GET", "/api/v1/audit?limit=zero", bearer(adminToken), nil)
	if code != 400 || !strings.Contains(string(body), `"limit:`) {
		t.Errorf("limit=zero: got %d %s, want 400 naming limit", code, body)
	}
}

func ids(ls []record.Listing) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.ID)
	}
	return out
}

func TestSearch(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	f := func(v float64) *float64 { return &v }
	tr := true
	cases := []struct {
		name  string
		query string
		want  index.Query
	}{
		{"all", "", index.Query{}},
		{"substance", "substance=fentanyl", index.Query{Substance: []string{"fentanyl"}}},
		{"or within field", "substance=fentanyl,cocaine&sort=id", index.Query{Substance: []string{"fentanyl", "cocaine"}, Sort: "id"}},
		{"repeated", "class=opioid&class=stimulant&market=alpha", index.Query{Class: []string{"opioid", "stimulant"}, Market: []string{"alpha"}}},
		{"family", "family=nitazene", index.Query{Family: []string{"nitazene"}}},
		{"text", "q=fentanyl+powder", index.Query{Text: "fentanyl powder"}},
		{"vendor", "vendor=alpha/drhouse", index.Query{Vendor: []string{"alpha/drhouse"}}},
		{"actor", "actor=actor-1", index.Query{Actor: []string{"actor-1"}}},
		{"entity", "entity=" + indextest.PGPHouse, index.Query{Entity: []string{indextest.PGPHouse}}},
		{"ships", "ships_from=nl&ships_to=DE", index.Query{ShipsFrom: []string{"NL"}, ShipsTo: []string{"DE"}}},
		{"price", "min_usd=100&max_usd=250&sort=-price", index.Query{MinUSD: f(100), MaxUSD: f(250), Sort: "-price"}},
		{"unit price", "min_unit_usd=10&max_unit_usd=300", index.Query{MinUnitUSD: f(10), MaxUnitUSD: f(300)}},
		{"drug offer", "drug_offer=true", index.Query{DrugOffer: &tr}},
		{"since", "since=2026-01-13", index.Query{SeenSince: time.Date(2026, 1, 13, 0, 0, 0, 0, time.UTC)}},
		{"first seen", "first_seen_since=2026-01-13T00:00:00Z&until=2026-01-20", index.Query{FirstSeenSince: time.Date(2026, 1, 13, 0, 0, 0, 0, time.UTC), SeenUntil: time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC)}},
		{"paging", "sort=id&from=2&size=3", index.Query{Sort: "id", From: 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got api.SearchResponse
			e.getJSON(t, "/api/v1/search?"+c.query+"&agg=substance&agg=market&agg=ships_from", bearer(analystToken), 200, &got)
			q := c.want
			q.Aggs = []string{"substance", "market", "ships_from"}
			if q.Size == 0 {
				q.Size = 50
			}
			if c.name == "paging" {
				q.Size = 3
			}
			want, err := e.store.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ids(want.Listings), ids(got.Listings)); diff != "" {
				t.Errorf("listings differ from the store's (-store +api):\n%s", diff)
			}
			if got.Total != want.Total {
				t.Errorf("total: got %d, want %d", got.Total, want.Total)
			}
			if diff := cmp.Diff(want.Aggs, got.Aggs); diff != "" {
				t.Errorf("aggs (-store +api):\n%s", diff)
			}
		})
	}
	// A concrete expectation, independent of the store: fentanyl is l1 and l5.
	var got api.SearchResponse
	e.getJSON(t, "/api/v1/search?substance=Fentanyl&sort=id", bearer(analystToken), 200, &got)
	if diff := cmp.Diff([]string{"alpha/l1", "bravo/l5"}, ids(got.Listings)); diff != "" {
		t.Errorf("fentanyl listings (-want +got):\n%s", diff)
	}
}

func TestSearchBadParams(t *testing.T) {
	e := newEnv(t, envOptions{})
	cases := []struct{ query, wantPrefix string }{
		{"min_usd=abc", `min_usd: not a number: "abc"`},
		{"max_usd=1e999", "max_usd: not a number"},
		{"min_usd=-5", "min_usd: negative"},
		{"min_usd=10&max_usd=5", "min_usd: 10 is greater than max_usd 5"},
		{"max_unit_usd=x", "max_unit_usd: not a number"},
		{"size=0", "size: 0 out of range"},
		{"size=100000", "size: 100000 out of range"},
		{"size=ten", `size: not an integer: "ten"`},
		{"from=-1", "from: -1 out of range"},
		{"sort=bogus", `sort: unknown sort "bogus"`},
		{"agg=colour", `agg: unknown aggregation "colour"`},
		{"drug_offer=maybe", `drug_offer: not a boolean: "maybe"`},
		{"since=yesterday", `since: bad time "yesterday"`},
		{"until=2026-13-01", "until: bad time"},
		{"first_seen_since=soon", "first_seen_since: bad time"},
		{"ships_from=Germany", `ships_from: "Germany" is not an ISO 3166-1 alpha-2 code`},
		{"substanse=fentanyl", "substanse: unknown parameter"},
		{"size=1&size=2", "size: given 2 times"},
		{"q=" + strings.Repeat("a", 1001), "q: longer than 1000 bytes"},
	}
	for _, c := range cases {
		code, body, _ := e.do(t, "GET", "/api/v1/search?"+c.query, bearer(analystToken), nil)
		var eb struct{ Error string }
		_ = json.Unmarshal(body, &eb)
		if code != 400 || !strings.HasPrefix(eb.Error, c.wantPrefix) {
			t.Errorf("%.60s: got %d %q, want 400 starting %q", c.query, code, eb.Error, c.wantPrefix)
		}
	}
	for _, p := range []string{"/api/v1/alerts?acked=perhaps", "/api/v1/alerts?limit=0", "/api/v1/alerts?since=never", "/api/v1/alerts?colour=red"} {
		if code, body, _ := e.do(t, "GET", p, bearer(analystToken), nil); code != 400 {
			t.Errorf("GET %s: got %d %s, want 400", p, code, body)
		}
	}
}

func TestListing(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, p := range []string{"/api/v1/listings/alpha/l1", "/api/v1/listings/alpha%2Fl1"} {
		var got api.ListingResponse
		e.getJSON(t, p, bearer(analystToken), 200, &got)
		if got.Listing.ID != "alpha/l1" || got.Listing.Title != "Pure Fentanyl powder 1g" {
			t.Errorf("%s: got %s %q", p, got.Listing.ID, got.Listing.Title)
		}
		var prices []float64
		for _, o := range got.Observations {
			prices = append(prices, o.Price.USD)
		}
		if diff := cmp.Diff([]float64{250, 230}, prices); diff != "" {
			t.Errorf("%s: price history (-want +got):\n%s", p, diff)
		}
	}
	for _, p := range []string{"/api/v1/listings/alpha/nope", "/api/v1/vendors/alpha/nope", "/api/v1/actors/nobody"} {
		if code, body, _ := e.do(t, "GET", p, bearer(analystToken), nil); code != 404 {
			t.Errorf("GET %s: got %d %s, want 404", p, code, body)
		}
	}
}

func TestVendor(t *testing.T) {
	e := newEnv(t, envOptions{})
	var got api.VendorResponse
	e.getJSON(t, "/api/v1/vendors/alpha/drhouse", bearer(analystToken), 200, &got)
	if got.Vendor.ID != "alpha/drhouse" || !slices.Contains(got.Vendor.PGP, indextest.PGPHouse) {
		t.Errorf("vendor: got %+v", got.Vendor)
	}
	if diff := cmp.Diff([]string{"alpha/l1", "alpha/l12", "alpha/l2"}, index.Uniq(ids(got.Listings))); diff != "" {
		t.Errorf("listings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]index.Bucket{{Key: "US", Count: 3}}, got.Aggs["ships_from"]); diff != "" {
		t.Errorf("ships_from (-want +got):\n%s", diff)
	}
	if len(got.PriceHistory) != 3 {
		t.Errorf("price history: got %d series, want 3", len(got.PriceHistory))
	}
}

func TestActor(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, id := range []string{"actor-1", "alpha/drhouse", "bravo/house_md"} {
		var got api.ActorResponse
		e.getJSON(t, "/api/v1/actors/"+id, bearer(analystToken), 200, &got)
		var vs []string
		for _, v := range got.Vendors {
			vs = append(vs, v.Vendor.ID)
			if len(v.Evidence) == 0 {
				t.Errorf("%s: vendor %s has no evidence", id, v.Vendor.ID)
			}
		}
		if diff := cmp.Diff([]string{"alpha/drhouse", "bravo/house_md"}, vs); diff != "" {
			t.Errorf("%s: vendors (-want +got):\n%s", id, diff)
		}
		wantLink := api.Link{A: "alpha/drhouse", B: "bravo/house_md", Kind: "pgp", Value: indextest.PGPHouse}
		if diff := cmp.Diff([]api.Link{wantLink}, got.Links); diff != "" {
			t.Errorf("%s: links (-want +got):\n%s", id, diff)
		}
		if diff := cmp.Diff([]string{"alpha", "bravo"}, got.Markets); diff != "" {
			t.Errorf("%s: markets (-want +got):\n%s", id, diff)
		}
		if got.TotalListings != 4 {
			t.Errorf("%s: total listings: got %d, want 4", id, got.TotalListings)
		}
	}
	// An actor id the index assigned, with no shared entity: the link says so.
	var got api.ActorResponse
	e.getJSON(t, "/api/v1/actors/actor-3", bearer(analystToken), 200, &got)
	if len(got.Vendors) != 1 || got.Vendors[0].Vendor.ID != "bravo/speedy" || len(got.Links) != 0 {
		t.Errorf("actor-3: got %+v", got)
	}
}

func TestAlerts(t *testing.T) {
	e := newEnv(t, envOptions{})
	var got api.AlertsResponse
	e.getJSON(t, "/api/v1/alerts", bearer(analystToken), 200, &got)
	if got.Total != 2 || got.Alerts[0].ID != "a2" || got.Alerts[1].ID != "a1" {
		t.Fatalf("alerts: got %+v, want a2, a1 (newest first)", got)
	}
	e.getJSON(t, "/api/v1/alerts?kind=new_vendor", bearer(analystToken), 200, &got)
	if got.Total != 1 || got.Alerts[0].ID != "a1" {
		t.Errorf("kind filter: got %+v", got.Alerts)
	}
	code, body, _ := e.do(t, "POST", "/api/v1/alerts/a1/ack", bearer(analystToken), nil)
	var acked alert.Alert
	if err := json.Unmarshal(body, &acked); code != 200 || err != nil || acked.Acked.IsZero() {
		t.Fatalf("ack: got %d %s", code, body)
	}
	e.getJSON(t, "/api/v1/alerts?acked=false", bearer(analystToken), 200, &got)
	if got.Total != 1 || got.Alerts[0].ID != "a2" {
		t.Errorf("acked=false: got %+v", got.Alerts)
	}
	if code, _, _ := e.do(t, "POST", "/api/v1/alerts/nope/ack", bearer(analystToken), nil); code != 404 {
		t.Errorf("ack unknown: got %d, want 404", code)
	}
	if code, _, _ := e.do(t, "GET", "/api/v1/alerts/a1/ack", bearer(analystToken), nil); code != 405 && code != 404 {
		t.Errorf("GET ack: got %d, want 404/405", code)
	}
	// Without an alert source: 503.
	e2 := newEnv(t, envOptions{noAlerts: true, noMarkets: true})
	for _, m := range []string{"GET /api/v1/alerts", "POST /api/v1/alerts/a1/ack"} {
		method, path, _ := strings.Cut(m, " ")
		if code, _, _ := e2.do(t, method, path, bearer(analystToken), nil); code != 503 {
			t.Errorf("%s without alerts: got %d, want 503", m, code)
		}
	}
}

func TestMarkets(t *testing.T) {
	e := newEnv(t, envOptions{})
	var got api.MarketsResponse
	e.getJSON(t, "/api/v1/markets", bearer(analystToken), 200, &got)
	byName := map[string]api.MarketStatus{}
	for _, m := range got.Markets {
		byName[m.Name] = m
	}
	if got.Frontier != "ok" || len(got.Markets) != 3 {
		t.Fatalf("markets: got %+v, want alpha, bravo, charlie", got)
	}
	if a := byName["alpha"]; a.Status != "up" || a.Listings != 5 || a.LastSeen.IsZero() || len(a.Hosts[0].History) != 2 {
		t.Errorf("alpha: got %+v", a)
	}
	if b := byName["bravo"]; b.Status != "paused" || b.Paused != "captcha" || b.Listings != 3 {
		t.Errorf("bravo: got %+v", b)
	}
	if c := byName["charlie"]; c.Status != "unknown" || c.Listings != 4 {
		t.Errorf("charlie (index only): got %+v", c)
	}
	// A frontier that cannot be read: still 200, status unknown, the reason shown.
	e2 := newEnv(t, envOptions{})
	e2.markets.fn = func(context.Context) ([]api.MarketStatus, error) { return nil, errors.New("frontier locked") }
	e2.getJSON(t, "/api/v1/markets", bearer(analystToken), 200, &got)
	if !strings.Contains(got.Frontier, "frontier locked") || len(got.Markets) != 3 || got.Markets[0].Status != "unknown" {
		t.Errorf("locked frontier: got %+v", got)
	}
	// A snapshot: statuses shown as they are, with when they were taken.
	e3 := newEnv(t, envOptions{})
	e3.markets.fn = func(context.Context) ([]api.MarketStatus, error) {
		return []api.MarketStatus{{Name: "alpha", Status: api.StatusPaused, Paused: "login"}}, fmt.Errorf("%w: from the crawl's snapshot of 2026-01-10T00:00:00Z", api.ErrSnapshot)
	}
	e3.getJSON(t, "/api/v1/markets", bearer(analystToken), 200, &got)
	if !strings.HasPrefix(got.Frontier, "snapshot: from the crawl's snapshot") || got.Markets[0].Name != "alpha" || got.Markets[0].Status != "paused" {
		t.Errorf("snapshot: got %+v", got)
	}
}

// session logs in through the form and returns a client holding the session cookie.
func (e *testEnv) session(t *testing.T, user string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", e.srv.URL+"/login?next=/alerts", strings.NewReader(url.Values{"user": {user}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/alerts" {
		t.Fatalf("login: got %d to %q, want 303 to /alerts", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sc *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "darkwatch_session" {
			sc = ck
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || len(sc.Value) < 40 {
		t.Fatalf("session cookie: got %+v, want HttpOnly, SameSite=Strict, random", sc)
	}
	return c
}

func TestLoginSessionCSRF(t *testing.T) {
	e := newEnv(t, envOptions{})
	// Wrong password, unknown user, cross-origin login.
	for _, c := range []struct {
		user, pass, origin string
		wantCode           int
		wantLoc            string
	}{
		{"alice", "wrong", e.srv.URL, 303, "/login?error=1"},
		{"mallory", password, e.srv.URL, 303, "/login?error=1"},
		{"alice", password, "http://evil.example", 403, ""},
	} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader(url.Values{"user": {c.user}, "password": {c.pass}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", c.origin)
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.wantCode || !strings.HasPrefix(resp.Header.Get("Location"), c.wantLoc) || len(resp.Cookies()) != 0 {
			t.Errorf("login %s/%s from %s: got %d %q cookies %v", c.user, c.pass, c.origin, resp.StatusCode, resp.Header.Get("Location"), resp.Cookies())
		}
	}
	// The post-login redirect stays on this site.
	for next, want := range map[string]string{"//evil.example/x": "/", "https://evil.example": "/", "/\\evil.example": "/", "/vendor?id=a/b": "/vendor?id=a/b"} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/login?next="+url.QueryEscape(next), strings.NewReader(url.Values{"user": {"alice"}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); resp.StatusCode != 303 || got != want {
			t.Errorf("login next=%q: got %d to %q, want %q", next, resp.StatusCode, got, want)
		}
	}
	c := e.session(t, "alice")
	get := func(path string) (int, []byte) {
		resp, err := c.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, body := get("/api/v1/me")
	var me map[string]string
	if err := json.Unmarshal(body, &me); code != 200 || err != nil || me["user"] != "alice" || me["role"] != "analyst" || me["csrf_token"] == "" {
		t.Fatalf("me: got %d %s", code, body)
	}
	if code, _ := get("/alerts"); code != 200 {
		t.Errorf("UI page with session: got %d", code)
	}
	if code, _ := get("/audit"); code != 403 {
		t.Errorf("analyst on audit page: got %d, want 403", code)
	}
	post := func(origin, csrf string) int {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/alerts/a2/ack", nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, bad := range []struct{ origin, csrf string }{
		{"", ""}, {e.srv.URL, ""}, {e.srv.URL, "wrong"}, {"http://evil.example", me["csrf_token"]}, {"", me["csrf_token"]},
	} {
		if code := post(bad.origin, bad.csrf); code != 403 {
			t.Errorf("session POST origin %q csrf %q: got %d, want 403", bad.origin, bad.csrf, code)
		}
	}
	if code := post(e.srv.URL, me["csrf_token"]); code != 200 {
		t.Errorf("session POST with origin and token: got %d, want 200", code)
	}
	// Logout ends the session server-side.
	req, _ := http.NewRequest("POST", e.srv.URL+"/logout", strings.NewReader(url.Values{"csrf_token": {me["csrf_token"]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Errorf("logout: got %d", resp.StatusCode)
	}
	if code, _ := get("/api/v1/me"); code != 401 {
		t.Errorf("after logout: got %d, want 401", code)
	}
	// Admin session sees the audit page.
	ca := e.session(t, "root")
	resp, err = ca.Get(e.srv.URL + "/audit")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("admin audit page: got %d", resp.StatusCode)
	}
}

func TestSessionExpiry(t *testing.T) {
	now := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	st, err := embedded.Open(context.Background(), embedded.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, _ := passwordHashes(t)
	s, err := api.New(api.Options{Store: st, AuditPath: filepath.Join(t.TempDir(), "a.log"), SessionTTL: time.Hour, Now: clock,
		Users: []api.User{{Name: "alice", Role: api.RoleAnalyst, PasswordHash: h}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	e := &testEnv{srv: srv}
	c := e.session(t, "alice")
	check := func(want int) {
		t.Helper()
		resp, err := c.Get(srv.URL + "/api/v1/me")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("got %d, want %d", resp.StatusCode, want)
		}
	}
	check(200)
	mu.Lock()
	now = now.Add(61 * time.Minute)
	mu.Unlock()
	check(401)
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.session(t, "alice")
	for _, p := range []string{"/", "/login", "/static/app.js", "/api/v1/search", "/healthz"} {
		resp, err := c.Get(e.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe: %q", p, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", p, resp.Header)
		}
	}
	// No inline script or style in any served HTML.
	for _, p := range []string{"/", "/listing?id=alpha/l1", "/login"} {
		resp, err := c.Get(e.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		html := string(b)
		if strings.Contains(html, "<script>") || strings.Contains(html, "style=") || strings.Contains(html, " on") && strings.Contains(html, "onclick=") {
			t.Errorf("%s: inline script or style in %s", p, html)
		}
	}
}

func TestNewValidates(t *testing.T) {
	st, err := embedded.Open(context.Background(), embedded.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	audit := filepath.Join(t.TempDir(), "a.log")
	for name, o := range map[string]api.Options{
		"no store":     {AuditPath: audit},
		"no audit":     {Store: st},
		"bad role":     {Store: st, AuditPath: audit, Users: []api.User{{Name: "a", Role: "root", PasswordHash: "$2a$04$abcdefghijklmnopqrstuuJj5Dk2hGm8bXK9pXz3Cz5J1b6fD5mS."}}},
		"plain pw":     {Store: st, AuditPath: audit, Users: []api.User{{Name: "a", Role: "admin", PasswordHash: "hunter2"}}},
		"bad token":    {Store: st, AuditPath: audit, Tokens: []api.Token{{Name: "t", Role: "analyst", TokenHash: "md5:abc"}}},
		"short sha256": {Store: st, AuditPath: audit, Tokens: []api.Token{{Name: "t", Role: "analyst", TokenHash: "sha256:abcd"}}},
	} {
		if s, err := api.New(o); err == nil {
			s.Close()
			t.Errorf("%s: New succeeded, want an error", name)
		}
	}
}

func TestLoginThrottle(t *testing.T) {
	e := newEnv(t, envOptions{noAlerts: true, noMarkets: true})
	try := func(pass string) int {
		req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader(url.Values{"user": {"alice"}, "password": {pass}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 10 {
		if code := try(fmt.Sprint("guess", i)); code != 303 {
			t.Fatalf("failed login %d: got %d, want 303", i, code)
		}
	}
	if code := try(password); code != http.StatusTooManyRequests {
		t.Errorf("11th login: got %d, want 429", code)
	}
	var got struct{ Entries []api.AuditEntry }
	e.getJSON(t, "/api/v1/audit?event=login_throttled", bearer(adminToken), 200, &got)
	if len(got.Entries) != 1 || got.Entries[0].User != "alice" {
		t.Errorf("audit: got %+v, want one login_throttled entry", got.Entries)
	}
}

// TestActorsMatchTruth: with no actor ids in the index (as after a real crawl, where
// extraction cannot know them), the accounts the API links from any one vendor id are
// exactly the testbed truth's actor: shared PGP, crypto address or contact, no false links.
func TestActorsMatchTruth(t *testing.T) {
	w, err := testbed.New(testbed.Options{Seed: 11, Markets: 8, Listings: 15})
	if err != nil {
		t.Fatal(err)
	}
	tr := w.Truth()
	vs := slices.Clone(tr.Vendors)
	for i := range vs {
		vs[i].Actor = ""
	}
	e := newEnv(t, envOptions{listings: tr.Listings, vendors: vs, noAlerts: true, noMarkets: true})
	shared := 0
	for _, a := range tr.Actors {
		if len(a.Vendors) > 1 {
			shared++
		}
		for _, start := range a.Vendors {
			var got api.ActorResponse
			e.getJSON(t, "/api/v1/actors/"+start, bearer(analystToken), 200, &got)
			var ids []string
			for _, v := range got.Vendors {
				ids = append(ids, v.Vendor.ID)
				if len(a.Vendors) > 1 && len(v.Evidence) == 0 {
					t.Errorf("%s: %s linked without evidence", a.ID, v.Vendor.ID)
				}
			}
			if diff := cmp.Diff(index.Uniq(a.Vendors), ids); diff != "" {
				t.Errorf("%s from %s (link %s): accounts (-truth +api):\n%s", a.ID, start, a.Link, diff)
			}
		}
	}
	if shared == 0 {
		t.Fatal("truth has no actor with several accounts: the test checks nothing")
	}
}

// TestUINoHTMLSinks: the UI script never turns data into markup or code.
func TestUINoHTMLSinks(t *testing.T) {
	b, err := os.ReadFile("ui/static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "//") {
			continue
		}
		for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "javascript:", "srcdoc"} {
			if strings.Contains(line, sink) {
				t.Errorf("app.js:%d uses %s: %s", i+1, sink, strings.TrimSpace(line))
			}
		}
	}
	html, err := os.ReadFile("ui/layout.html")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(html), "<img") || strings.Contains(string(html), "<script>") {
		t.Error("layout.html has an image or an inline script")
	}
}
