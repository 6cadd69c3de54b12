package testbed_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/crawler/testbed"
)

// TestTraps checks what the economy traps answer, and that the truth's min_requests lies
// between the listing and vendor pages (plus the front page) and the pages of the market.
func TestTraps(t *testing.T) {
	w, err := testbed.New(testbed.Options{Seed: 3, Listings: 30, Traps: true})
	if err != nil {
		t.Fatal(err)
	}
	truth := w.Truth()
	perMarket := map[string]int{}
	vendors := map[string]int{}
	for _, l := range truth.Listings {
		perMarket[l.Market]++
	}
	for _, v := range truth.Vendors {
		vendors[v.Market]++
	}
	h := w.Handler()
	get := func(host, target string) *http.Response {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	for _, m := range truth.Markets {
		low := 1 + perMarket[m.Name] + vendors[m.Name]
		t.Logf("%s (%s): min_requests %d, listings %d, vendors %d", m.Name, m.Family, m.MinRequests, perMarket[m.Name], vendors[m.Name])
		if m.MinRequests < low || m.MinRequests > 2*low {
			t.Errorf("%s: min_requests %d, want in [%d, %d]", m.Name, m.MinRequests, low, 2*low)
		}
	}
	m := truth.Markets[0]
	var listingURL string
	for _, l := range truth.Listings {
		if l.Market == m.Name {
			listingURL = l.URL
			break
		}
	}
	res := get(m.Host, strings.TrimPrefix(listingURL, "http://"+m.Host))
	body, _ := io.ReadAll(res.Body)
	for _, want := range []string{`href="/watch?item=`, `href="/ask/`, `href="/search/vendor?q=`, `href="/login"`, `href="/order/new?item=`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("listing page has no %s", want)
		}
	}
	cases := []struct {
		path, location string
		status         int
		body           string
	}{
		{"/watch?item=1", "/session/check?next=", http.StatusFound, ""},
		{"/session/check?next=%2Fwatch%3Fitem%3D1", "/login?next=", http.StatusFound, ""},
		{"/login", "", http.StatusOK, `type="password"`},
		{"/ask/1", "", http.StatusOK, "captcha"},
		{"/search/vendor?q=x", "", http.StatusInternalServerError, ""},
		{"/order/new?item=1", "", http.StatusOK, "carried out"},
	}
	for _, c := range cases {
		res := get(m.Host, c.path)
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.path, res.StatusCode, c.status)
		}
		if c.location != "" && !strings.HasPrefix(res.Header.Get("Location"), c.location) {
			t.Errorf("%s: Location %q, want %s...", c.path, res.Header.Get("Location"), c.location)
		}
		if !strings.Contains(string(b), c.body) {
			t.Errorf("%s: body lacks %q", c.path, c.body)
		}
	}
}
