package tor_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/crawler/tor"
)

func startTestbed(t testing.TB, faults string) *testbed.Server {
	t.Helper()
	w, err := testbed.New(testbed.Options{Seed: 7, Markets: 4, Listings: 20, Faults: faults, TimeScale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := w.Listen(testbed.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// TestTestbedReplyCodes: each ExtendedErrors code the testbed's SOCKS
// emulator sends (on its fault hosts) becomes the right typed error and
// policy; its markets are fetched by onion name.
func TestTestbedReplyCodes(t *testing.T) {
	srv := startTestbed(t, "none")
	p := newPool(t, tor.Options{Endpoints: []tor.Endpoint{{Socks: srv.SOCKSAddr()}}, ConnectTimeout: 5 * time.Second})
	tests := []struct {
		code   byte
		policy tor.Policy
		is     error
	}{
		{0x01, tor.PolicyBackoff, tor.ErrTorFailure},
		{0x04, tor.PolicyHostDown, tor.ErrHostDown},
		{0x06, tor.PolicyRetrySoon, tor.ErrRetrySoon},
		{0xF0, tor.PolicyHostDown, tor.ErrHostDown},
		{0xF1, tor.PolicyHostDown, tor.ErrHostDown},
		{0xF2, tor.PolicyRetrySoon, tor.ErrRetrySoon},
		{0xF3, tor.PolicyRetrySoon, tor.ErrRetrySoon},
		{0xF4, tor.PolicyAuthRequired, tor.ErrAuthRequired},
		{0xF5, tor.PolicyAuthRequired, tor.ErrAuthRequired},
		{0xF6, tor.PolicyDrop, tor.ErrBadAddress},
		{0xF7, tor.PolicyRetrySoon, tor.ErrRetrySoon},
	}
	client := &http.Client{Transport: p.RoundTripper()}
	defer client.CloseIdleConnections()
	for _, tt := range tests {
		host := testbed.FaultHost(tt.code)
		resp, err := client.Get("http://" + host + "/")
		if err == nil {
			resp.Body.Close()
			t.Errorf("0x%02X: fetch of fault host succeeded", tt.code)
			continue
		}
		var te *tor.Error
		if !errors.As(err, &te) || te.Code != tt.code {
			t.Errorf("0x%02X: err = %v, want *tor.Error with that code", tt.code, err)
			continue
		}
		if te.Policy() != tt.policy || tor.PolicyOf(err) != tt.policy || !errors.Is(err, tt.is) {
			t.Errorf("0x%02X: policy %v (PolicyOf %v), want %v / %v", tt.code, te.Policy(), tor.PolicyOf(err), tt.policy, tt.is)
		}
	}
	for _, m := range srv.Ready().Markets {
		resp, err := client.Get(m.URL)
		if err != nil {
			t.Errorf("market %s: %v", m.Name, err)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(strings.ToLower(string(b)), "<html") {
			t.Errorf("market %s: status %d, %d bytes", m.Name, resp.StatusCode, len(b))
		}
	}
}
