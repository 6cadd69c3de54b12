package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzSearchParams: any query string gets 200 or a 400 with a JSON error, never a panic or
// a 500.
func FuzzSearchParams(f *testing.F) {
	for _, s := range []string{"", "substance=fentanyl", "min_usd=abc", "agg=market&agg=vendor", "since=7d&sort=-price",
		"q=%00%ff", "size=1&from=99999999999999999999", "ships_from=%E2%82%AC%E2%82%AC", "min_usd=1e308&max_usd=1e309",
		"entity=" + "x", "until=2026-01-01T00:00:00+14:00", "sort=-", "q=" + "a b c d e f"} {
		f.Add(s)
	}
	e := newEnv(f, envOptions{noAlerts: true, noMarkets: true})
	h := e.api.Handler()
	f.Fuzz(func(t *testing.T, raw string) {
		req := httptest.NewRequest("GET", "/api/v1/search", nil)
		req.URL.RawQuery = raw
		req.Host = "localhost"
		req.Header.Set("Authorization", "Bearer "+analystToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%q: %d body not JSON: %v", raw, rec.Code, err)
		}
		switch rec.Code {
		case http.StatusOK:
		case http.StatusBadRequest:
			if msg, _ := body["error"].(string); msg == "" {
				t.Fatalf("%q: 400 without a message", raw)
			}
		default:
			t.Fatalf("%q: status %d %v", raw, rec.Code, body)
		}
	})
}
