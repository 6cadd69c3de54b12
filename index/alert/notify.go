package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/smtp"
	"strings"
	"time"
)

// Notifier delivers one alert. Deliver is retried by the outbox until it returns nil, so it
// must be safe to call again for the same dedup key.
type Notifier interface {
	Name() string
	Deliver(ctx context.Context, a Alert, dedupKey string) error
}

// Header names of webhook deliveries.
const (
	HeaderSignature = "X-Darkwatch-Signature" // "sha256=<hex HMAC-SHA256 of the body>"
	HeaderDedup     = "X-Darkwatch-Dedup-Key"
)

// Payload is the JSON body of a webhook delivery.
type Payload struct {
	DedupKey string `json:"dedup_key"`
	Alert
}

// Sign returns the signature header value of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Webhook posts the alert as JSON, signed with HMAC-SHA256 when Secret is set.
type Webhook struct {
	NotifierName string
	URL          string
	Secret       []byte
	Client       *http.Client // nil: a client with Timeout
	Timeout      time.Duration
	// Slack posts {"text": summary} (Slack-compatible incoming webhook) instead.
	Slack bool
}

// Name implements Notifier.
func (w *Webhook) Name() string { return w.NotifierName }

// Deliver implements Notifier: any 2xx is success.
func (w *Webhook) Deliver(ctx context.Context, a Alert, dedupKey string) error {
	var body []byte
	var err error
	if w.Slack {
		body, err = json.Marshal(map[string]string{"text": Text(a)})
	} else {
		body, err = json.Marshal(Payload{DedupKey: dedupKey, Alert: a})
	}
	if err != nil {
		return err
	}
	c := w.Client
	if c == nil {
		t := w.Timeout
		if t <= 0 {
			t = 10 * time.Second
		}
		c = &http.Client{Timeout: t}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", w.NotifierName, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "darkwatch-alerts")
	req.Header.Set(HeaderDedup, dedupKey)
	if len(w.Secret) > 0 {
		req.Header.Set(HeaderSignature, Sign(w.Secret, body))
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", w.NotifierName, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s: HTTP %d", w.NotifierName, resp.StatusCode)
	}
	return nil
}

// Email sends the alert as a plain-text message over SMTP, upgrading with STARTTLS (required
// unless NoStartTLS) and authenticating with AUTH PLAIN when Username is set.
type Email struct {
	NotifierName string
	Addr         string // host:port
	Username     string
	Password     string
	From         string
	To           []string
	NoStartTLS   bool
	TLS          *tls.Config // nil: verify the server name of Addr with the system roots
	Timeout      time.Duration
}

// Name implements Notifier.
func (m *Email) Name() string { return m.NotifierName }

// Deliver implements Notifier.
func (m *Email) Deliver(ctx context.Context, a Alert, dedupKey string) error {
	if len(m.To) == 0 || m.From == "" {
		return fmt.Errorf("email %s: from and to are required", m.NotifierName)
	}
	t := m.Timeout
	if t <= 0 {
		t = 30 * time.Second
	}
	d := net.Dialer{Timeout: t}
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("email %s: %w", m.NotifierName, err)
	}
	deadline := time.Now().Add(t)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	host, _, _ := net.SplitHostPort(m.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("email %s: %w", m.NotifierName, err)
	}
	defer c.Close()
	if err := m.send(c, host, a, dedupKey); err != nil {
		return fmt.Errorf("email %s: %w", m.NotifierName, err)
	}
	return nil
}

func (m *Email) send(c *smtp.Client, host string, a Alert, dedupKey string) error {
	if err := c.Hello("darkwatch"); err != nil {
		return err
	}
	if !m.NoStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("server does not offer STARTTLS")
		}
		cfg := m.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return err
	}
	for _, to := range m.To {
		if err := c.Rcpt(to); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(Message(m.From, m.To, a, dedupKey)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// Message renders the RFC 5322 message of an alert: a subject line and the evidence.
func Message(from string, to []string, a Alert, dedupKey string) []byte {
	var b strings.Builder
	hdr := func(k, v string) {
		fmt.Fprintf(&b, "%s: %s\r\n", k, strings.NewReplacer("\r", " ", "\n", " ").Replace(v))
	}
	hdr("From", from)
	hdr("To", strings.Join(to, ", "))
	hdr("Subject", fmt.Sprintf("[darkwatch %s] %s", a.Severity, a.Summary))
	hdr("Date", a.Raised.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+strings.ReplaceAll(dedupKey, ":", ".")+"@darkwatch>")
	hdr("X-Darkwatch-Dedup-Key", dedupKey)
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	b.WriteString("\r\n")
	for _, line := range strings.Split(Text(a), "\n") {
		if strings.HasPrefix(line, ".") {
			line = "." + line
		}
		b.WriteString(line + "\r\n")
	}
	return []byte(b.String())
}

// Text renders an alert for humans: summary then evidence, one field a line.
func Text(a Alert) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s] %s\n", strings.ToUpper(a.Severity), a.Kind, a.Summary)
	fmt.Fprintf(&b, "alert: %s  rule: %s\n", a.ID, a.Rule)
	if a.Market != "" {
		fmt.Fprintf(&b, "market: %s\n", a.Market)
	}
	fmt.Fprintf(&b, "subject: %s\n", a.Subject)
	if len(a.VendorIDs) > 0 {
		fmt.Fprintf(&b, "vendors: %s\n", strings.Join(a.VendorIDs, ", "))
	}
	if len(a.Linked) > 0 {
		fmt.Fprintf(&b, "linked: %s (shared: %s)\n", strings.Join(a.Linked, ", "), strings.Join(a.Entities, ", "))
	}
	if len(a.ListingIDs) > 0 {
		fmt.Fprintf(&b, "listings: %s\n", strings.Join(a.ListingIDs, ", "))
	}
	if a.OldPrice != nil && a.NewPrice != nil {
		fmt.Fprintf(&b, "price: %.2f %s -> %.2f %s (%+.1f%%)\n", a.OldPrice.Amount, a.OldPrice.Currency, a.NewPrice.Amount, a.NewPrice.Currency, a.ChangePct)
	}
	if a.URL != "" {
		fmt.Fprintf(&b, "url: %s\n", a.URL)
	}
	fmt.Fprintf(&b, "first seen: %s\n", a.FirstSeen.UTC().Format(time.RFC3339))
	if a.Capture != nil {
		fmt.Fprintf(&b, "capture sha256: %s\n", a.Capture.SHA256)
		if a.Capture.WARC != "" {
			fmt.Fprintf(&b, "warc: %s %s\n", a.Capture.WARC, a.Capture.RecordID)
		}
	}
	return b.String()
}

// LogNotifier writes each alert to a slog logger.
type LogNotifier struct {
	NotifierName string
	Logger       *slog.Logger
}

// Name implements Notifier.
func (n *LogNotifier) Name() string { return n.NotifierName }

// Deliver implements Notifier.
func (n *LogNotifier) Deliver(ctx context.Context, a Alert, dedupKey string) error {
	if n.Logger != nil {
		n.Logger.LogAttrs(ctx, slog.LevelWarn, "alert", slog.String("alert_id", a.ID), slog.String("kind", a.Kind),
			slog.String("rule", a.Rule), slog.String("severity", a.Severity), slog.String("market", a.Market),
			slog.String("subject", a.Subject), slog.String("summary", a.Summary), slog.String("dedup_key", dedupKey))
	}
	return nil
}
