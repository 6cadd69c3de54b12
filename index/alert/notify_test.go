package alert_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/index/alert"
)

func TestSign(t *testing.T) {
	// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
	got := alert.Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestWebhookBodies(t *testing.T) {
	a := alert.Alert{ID: "id1", Kind: alert.KindNewVendor, Severity: alert.SeverityInfo, Subject: "m/v", Summary: "new vendor v on m"}
	for _, tc := range []struct {
		name   string
		slack  bool
		status int
		check  func(t *testing.T, h http.Header, body []byte)
		ok     bool
	}{
		{"webhook", false, 200, func(t *testing.T, h http.Header, body []byte) {
			var p alert.Payload
			if err := json.Unmarshal(body, &p); err != nil || p.DedupKey != "id1:hook" || p.Subject != "m/v" {
				t.Errorf("payload %s (%v)", body, err)
			}
			if h.Get(alert.HeaderSignature) != alert.Sign([]byte("k"), body) || h.Get(alert.HeaderDedup) != "id1:hook" {
				t.Errorf("headers %v", h)
			}
		}, true},
		{"slack", true, 200, func(t *testing.T, _ http.Header, body []byte) {
			var p map[string]string
			if err := json.Unmarshal(body, &p); err != nil || len(p) != 1 || !strings.Contains(p["text"], "new vendor v on m") {
				t.Errorf("slack body %s (%v)", body, err)
			}
		}, true},
		{"receiver error", false, 500, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if tc.check != nil {
					tc.check(t, r.Header, body)
				}
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			err := (&alert.Webhook{NotifierName: "hook", URL: srv.URL, Secret: []byte("k"), Slack: tc.slack}).Deliver(context.Background(), a, "id1:hook")
			if (err == nil) != tc.ok {
				t.Errorf("Deliver = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
