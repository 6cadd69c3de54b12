package alert_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract/record"
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

// fakeNotifier is a Notifier with a function field.
type fakeNotifier struct {
	name string
	fn   func(a alert.Alert, key string) error
}

func (f *fakeNotifier) Name() string { return f.name }
func (f *fakeNotifier) Deliver(_ context.Context, a alert.Alert, key string) error {
	return f.fn(a, key)
}

// TestFlushDownReceiverCostsOneAttempt: with one receiver down, a Flush tries it once (not
// once per alert: each try may cost a timeout) and still delivers everything to the other.
func TestFlushDownReceiverCostsOneAttempt(t *testing.T) {
	var downTries, upGot int
	down := &fakeNotifier{"down", func(alert.Alert, string) error { downTries++; return errors.New("timeout") }}
	up := &fakeNotifier{"up", func(alert.Alert, string) error { upGot++; return nil }}
	f := newFixture(t, nil, nil)
	eng, err := alert.New(alert.Options{Rules: []alert.Rule{{Name: "nv", Kind: alert.KindNewVendor}}, Store: f.store,
		LogPath: filepath.Join(t.TempDir(), "alerts.db"), Notifiers: []alert.Notifier{down, up}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	f.eng = eng
	const n = 60
	var vs []record.Vendor
	for i := range n {
		vs = append(vs, vendor("m1", fmt.Sprintf("v%03d", i)))
	}
	if as, err := f.page("m1", 200, "u", nil, vs); err != nil || len(as) != n {
		t.Fatalf("raised %d, %v", len(as), err)
	}
	if err := eng.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if downTries != 1 || upGot != n {
		t.Errorf("down receiver tried %d times (want 1), up receiver got %d (want %d)", downTries, upGot, n)
	}
	p, _ := eng.Log().Pending()
	if len(p) != n {
		t.Errorf("pending %d, want the down receiver's %d", len(p), n)
	}
}
