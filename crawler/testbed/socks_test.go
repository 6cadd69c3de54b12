package testbed_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/testbed"
)

// socksConnect does a raw RFC 1928 no-auth CONNECT and returns the reply code.
func socksConnect(t *testing.T, addr, host string) byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	req := []byte{5, 1, 0, 5, 1, 0, 3, byte(len(host))}
	req = append(req, host...)
	req = append(req, 0, 80)
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 12)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("socks reply for %s: %v", host, err)
	}
	return buf[3]
}

func TestSOCKSReplyCodes(t *testing.T) {
	w := newWorld(t, testbed.Options{Seed: 1, Listings: 10})
	srv, err := w.Listen(testbed.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cases := map[string]byte{
		w.Markets()[0].Host: testbed.SocksSucceeded,
		"example.com":       testbed.SocksHostUnreachable,
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion": testbed.SocksOnionBadAddress,
	}
	for _, code := range []byte{0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0x01, 0x04, 0x06} {
		cases[testbed.FaultHost(code)] = code
	}
	for host, want := range cases {
		if got := socksConnect(t, srv.SOCKSAddr(), host); got != want {
			t.Errorf("CONNECT %s: got reply 0x%02X, want 0x%02X", host, got, want)
		}
	}
}

func TestHSDir(t *testing.T) {
	w := newWorld(t, testbed.Options{Seed: 9, Listings: 10})
	dir := t.TempDir()
	if err := w.WriteHSDirs(dir); err != nil {
		t.Fatal(err)
	}
	for _, m := range w.Markets() {
		d := filepath.Join(dir, m.Name)
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("%s: dir mode %v, %v; want 0700", d, fi.Mode(), err)
		}
		host, _ := os.ReadFile(filepath.Join(d, "hostname"))
		if string(host) != m.Host+"\n" || len(m.Host) != 62 {
			t.Errorf("hostname %q, want %q", host, m.Host)
		}
		pub, _ := os.ReadFile(filepath.Join(d, "hs_ed25519_public_key"))
		sec, _ := os.ReadFile(filepath.Join(d, "hs_ed25519_secret_key"))
		if len(pub) != 64 || !strings.HasPrefix(string(pub), "== ed25519v1-public: type0 ==\x00\x00\x00") {
			t.Fatalf("bad public key file (%d bytes)", len(pub))
		}
		if len(sec) != 96 || !strings.HasPrefix(string(sec), "== ed25519v1-secret: type0 ==\x00\x00\x00") {
			t.Fatalf("bad secret key file (%d bytes)", len(sec))
		}
		if sec[32]&7 != 0 || sec[63]&0xC0 != 0x40 {
			t.Errorf("secret scalar not clamped")
		}
		if got := testbed.OnionAddress(ed25519.PublicKey(pub[32:])) + ".onion"; got != m.Host {
			t.Errorf("address from public key %s, want %s", got, m.Host)
		}
		for _, f := range []string{"hostname", "hs_ed25519_public_key", "hs_ed25519_secret_key"} {
			if fi, _ := os.Stat(filepath.Join(d, f)); fi.Mode().Perm() != 0o600 {
				t.Errorf("%s mode %v, want 0600", f, fi.Mode())
			}
		}
	}
}

// TestOnionAddressVector checks OnionAddress against tor's test vector (test_hs_common.c,
// test_build_address) and the shape of every market address.
func TestOnionAddressVector(t *testing.T) {
	pub, _ := hex.DecodeString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
	if got, want := testbed.OnionAddress(pub), "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid"; got != want {
		t.Errorf("OnionAddress = %s, want %s", got, want)
	}
}

func TestOnionAddressShape(t *testing.T) {
	for _, m := range newWorld(t, testbed.Options{Seed: 2, Markets: 8, Listings: 5}).Markets() {
		a := strings.TrimSuffix(m.Host, ".onion")
		if len(a) != 56 || a[55] != 'd' {
			t.Errorf("onion address %q: want 56 chars ending in d", a)
		}
	}
}

func TestLatencyDistribution(t *testing.T) {
	w := newWorld(t, testbed.Options{Seed: 1, Listings: 5, Faults: testbed.FaultsOnion})
	var qs []time.Duration
	for _, q := range []float64{0.5, 0.99} {
		qs = append(qs, w.ConnectLatencyQuantile(q))
	}
	sort.Slice(qs, func(i, j int) bool { return qs[i] < qs[j] })
	if qs[0] < 2*time.Second || qs[0] > 3*time.Second {
		t.Errorf("median %v, want 2-3 s", qs[0])
	}
	if qs[1] < 50*time.Second || qs[1] > 70*time.Second {
		t.Errorf("p99 %v, want ~60 s", qs[1])
	}
}

func TestUnreachableMarket(t *testing.T) {
	w := newWorld(t, testbed.Options{Seed: 1, Markets: 10, Listings: 5, Faults: testbed.FaultsOnion, TimeScale: 0.00001})
	srv, err := w.Listen(testbed.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, m := range w.Markets() {
		if !m.Unreachable {
			continue
		}
		for range 3 {
			if got := socksConnect(t, srv.SOCKSAddr(), m.Host); got != testbed.SocksOnionDescNotFound {
				t.Errorf("unreachable %s: reply 0x%02X, want 0xF0", m.Name, got)
			}
		}
		return
	}
	t.Error("no unreachable market among 10 with onion faults")
}
