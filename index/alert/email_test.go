package alert_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index/alert"
)

// smtpServer is a small real SMTP server (RFC 5321 subset): EHLO, STARTTLS with a
// self-signed certificate, AUTH PLAIN (only after TLS), MAIL, RCPT, DATA, QUIT.
type smtpServer struct {
	ln       net.Listener
	cfg      *tls.Config
	pool     *x509.CertPool
	user     string
	pass     string
	mu       sync.Mutex
	messages []smtpMessage
	wg       sync.WaitGroup
}

type smtpMessage struct {
	From    string
	To      []string
	Data    string
	TLS     bool
	AuthOK  bool
	AuthUsr string
}

func startSMTP(t *testing.T, user, pass string) *smtpServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, pool: pool, user: user, pass: pass,
		cfg: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			s.session(c)
		}()
	}
}

func (s *smtpServer) session(c net.Conn) {
	var m smtpMessage
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(l string) { w.WriteString(l + "\r\n"); w.Flush() }
	reply("220 127.0.0.1 test ESMTP")
	for range 100 {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		arg := strings.TrimSpace(strings.TrimPrefix(line, strings.SplitN(line, " ", 2)[0]))
		switch verb {
		case "EHLO", "HELO":
			if m.TLS {
				reply("250-127.0.0.1")
				reply("250 AUTH PLAIN")
			} else {
				reply("250-127.0.0.1")
				reply("250 STARTTLS")
			}
		case "STARTTLS":
			reply("220 go ahead")
			tc := tls.Server(c, s.cfg)
			if err := tc.Handshake(); err != nil {
				return
			}
			c = tc
			r, w = bufio.NewReader(c), bufio.NewWriter(c)
			m.TLS = true
		case "AUTH":
			f := strings.Fields(arg)
			if !m.TLS || len(f) != 2 || strings.ToUpper(f[0]) != "PLAIN" {
				reply("504 auth requires TLS and PLAIN")
				continue
			}
			raw, _ := base64.StdEncoding.DecodeString(f[1])
			parts := strings.Split(string(raw), "\x00")
			if len(parts) != 3 || parts[1] != s.user || parts[2] != s.pass {
				reply("535 bad credentials")
				continue
			}
			m.AuthOK, m.AuthUsr = true, parts[1]
			reply("235 ok")
		case "MAIL":
			if !m.AuthOK {
				reply("530 authentication required")
				continue
			}
			m.From = strings.Trim(strings.TrimPrefix(strings.ToUpper(arg[:5]), "FROM:")+arg[5:], "<> ")
			reply("250 ok")
		case "RCPT":
			m.To = append(m.To, strings.Trim(arg[3:], "<> "))
			reply("250 ok")
		case "DATA":
			reply("354 end with .")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			m.Data = b.String()
			s.mu.Lock()
			s.messages = append(s.messages, m)
			s.mu.Unlock()
			reply("250 queued")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("250 ok")
		}
	}
}

// TestEmailOverSTARTTLS sends an alert through a real SMTP server: STARTTLS, AUTH PLAIN,
// and a message that carries the evidence.
func TestEmailOverSTARTTLS(t *testing.T) {
	srv := startSMTP(t, "alerts", "pw")
	n := &alert.Email{NotifierName: "mail", Addr: srv.ln.Addr().String(), Username: "alerts", Password: "pw",
		From: "darkwatch@unit.example", To: []string{"analyst@unit.example", "duty@unit.example"},
		TLS: &tls.Config{RootCAs: srv.pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}, Timeout: 5 * time.Second}
	a := alert.Alert{ID: "a1b2c3", Rule: "operators", Kind: alert.KindVendorOnNewMarket, Severity: alert.SeverityCritical,
		Market: "nightbazaar", Subject: "dreadnought/zeta", Summary: "known operator on a new market",
		VendorIDs: []string{"nightbazaar/zeta2"}, Linked: []string{"dreadnought/zeta"}, Entities: []string{"0123ABCD"},
		ListingIDs: []string{"nightbazaar/100007"},
		Capture:    &record.Capture{WARC: "dw-0001.warc.gz", RecordID: "<urn:uuid:1>", SHA256: strings.Repeat("ab", 32)},
		FirstSeen:  time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC), Raised: time.Date(2026, 11, 27, 7, 1, 0, 0, time.UTC)}
	if err := n.Deliver(context.Background(), a, alert.DedupKey(a.ID, "mail")); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.messages) != 1 {
		t.Fatalf("server got %d messages, want 1", len(srv.messages))
	}
	m := srv.messages[0]
	if !m.TLS || !m.AuthOK || m.AuthUsr != "alerts" {
		t.Errorf("session tls=%v auth=%v user=%q, want STARTTLS and AUTH as alerts", m.TLS, m.AuthOK, m.AuthUsr)
	}
	if m.From != "darkwatch@unit.example" || len(m.To) != 2 {
		t.Errorf("envelope from %q to %v", m.From, m.To)
	}
	for _, want := range []string{"Subject: [darkwatch critical] known operator on a new market", "X-Darkwatch-Dedup-Key: a1b2c3:mail",
		"capture sha256: " + strings.Repeat("ab", 32), "warc: dw-0001.warc.gz", "listings: nightbazaar/100007",
		"linked: dreadnought/zeta (shared: 0123ABCD)", "first seen: 2026-11-27T07:00:00Z", "vendors: nightbazaar/zeta2"} {
		if !strings.Contains(m.Data, want) {
			t.Errorf("message lacks %q:\n%s", want, m.Data)
		}
	}
	// Without STARTTLS offered by the server, the notifier refuses to send in clear.
	n2 := *n
	n2.Addr = "127.0.0.1:1"
	if err := n2.Deliver(context.Background(), a, "k"); err == nil {
		t.Error("delivery to a closed port succeeded")
	}
}

// TestEmailRefusesPlaintext: a server that offers no STARTTLS gets nothing.
func TestEmailRefusesPlaintext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		c.Write([]byte("220 hi\r\n"))
		var seen []string
		for range 5 {
			l, err := r.ReadString('\n')
			if err != nil {
				break
			}
			seen = append(seen, strings.TrimSpace(l))
			c.Write([]byte("250 ok\r\n"))
		}
		got <- strings.Join(seen, "|")
	}()
	n := &alert.Email{NotifierName: "mail", Addr: ln.Addr().String(), From: "a@b", To: []string{"c@d"}, Timeout: 2 * time.Second}
	if err := n.Deliver(context.Background(), alert.Alert{ID: "x"}, "x:mail"); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("Deliver = %v, want a STARTTLS error", err)
	}
	select {
	case s := <-got:
		if strings.Contains(s, "MAIL") {
			t.Errorf("client sent MAIL in clear: %s", s)
		}
	case <-time.After(3 * time.Second):
	}
}

// TestEngineEmailsEvidence: an alert raised by the engine goes through the outbox to a real
// SMTP server; the message names the vendor and carries the capture's SHA-256.
func TestEngineEmailsEvidence(t *testing.T) {
	srv := startSMTP(t, "alerts", "pw")
	mail := &alert.Email{NotifierName: "duty", Addr: srv.ln.Addr().String(), Username: "alerts", Password: "pw",
		From: "darkwatch@unit.example", To: []string{"duty@unit.example"},
		TLS: &tls.Config{RootCAs: srv.pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}, Timeout: 5 * time.Second}
	f := newFixture(t, nil, nil)
	eng, err := alert.New(alert.Options{Rules: []alert.Rule{{Name: "op", Kind: alert.KindVendorOnNewMarket, Severity: alert.SeverityCritical}},
		Store: f.store, LogPath: t.TempDir() + "/alerts.db", Notifiers: []alert.Notifier{mail}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	f.eng = eng
	f.must("m1", 200, "u", nil, []record.Vendor{vendor("m1", "old", "PGPFEED")})
	as, err := f.page("m2", 200, "u", nil, []record.Vendor{vendor("m2", "new", "PGPFEED")})
	if err != nil || len(as) != 1 {
		t.Fatalf("raised %v, %v", as, err)
	}
	if err := eng.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p, _ := eng.Log().Pending(); len(p) != 0 {
		t.Fatalf("still pending: %+v", p)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.messages) != 1 {
		t.Fatalf("server got %d messages, want 1", len(srv.messages))
	}
	d := srv.messages[0].Data
	for _, want := range []string{"[darkwatch critical]", "vendors: m2/new", "linked: m1/old (shared: PGPFEED)",
		"capture sha256: " + as[0].Capture.SHA256, "X-Darkwatch-Dedup-Key: " + as[0].ID + ":duty"} {
		if !strings.Contains(d, want) {
			t.Errorf("message lacks %q:\n%s", want, d)
		}
	}
}
