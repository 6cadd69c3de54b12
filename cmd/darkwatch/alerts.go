package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/darkwatch/darkwatch/config"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
)

func init() {
	register(command{name: "alerts", summary: "list raised alerts, acknowledge one, or run a watch rule over history", run: runAlerts})
}

// alertLogPath is where the alert log and its delivery outbox live.
func alertLogPath(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "alerts.db") }

// alertRules converts the config's rules.
func alertRules(cfg *config.Config) []alert.Rule {
	var rs []alert.Rule
	for _, r := range cfg.Alerts.Rules {
		rs = append(rs, alert.Rule{Name: r.Name, Kind: r.Kind, Scope: r.Scope, Markets: r.Markets, Classes: r.Classes,
			Families: r.Families, Severity: r.Severity, Query: r.Query, Substances: r.Substance, Vendors: r.Vendors,
			Countries: r.Countries, Entities: r.Entities, ThresholdPct: r.ThresholdPct, Notify: r.Notify})
	}
	return rs
}

// alertNotifiers builds the config's notifiers.
func alertNotifiers(cfg *config.Config, log *slog.Logger) ([]alert.Notifier, error) {
	var ns []alert.Notifier
	for _, n := range cfg.Alerts.Notifiers {
		switch n.Type {
		case "webhook", "slack":
			ns = append(ns, &alert.Webhook{NotifierName: n.Name, URL: n.URL, Secret: []byte(n.Secret.Value()),
				Timeout: n.Timeout.D(), Slack: n.Type == "slack"})
		case "email":
			s := n.SMTP
			ns = append(ns, &alert.Email{NotifierName: n.Name, Addr: s.Addr, Username: s.Username, Password: s.Password.Value(),
				From: s.From, To: s.To, NoStartTLS: s.StartTLS != nil && !*s.StartTLS, Timeout: n.Timeout.D()})
		case "log":
			ns = append(ns, &alert.LogNotifier{NotifierName: n.Name, Logger: log})
		default:
			return nil, fmt.Errorf("alerts.notifiers: %s: unknown type %q", n.Name, n.Type)
		}
	}
	return ns, nil
}

// alertArchive is the Elasticsearch alerts index when the index backend is Elasticsearch
// (alerts of every crawl process in one place), else nil.
func alertArchive(cfg *config.Config) *alert.Archive {
	es := cfg.Index.Elasticsearch
	if cfg.Index.Backend != "elasticsearch" || len(es.URLs) == 0 {
		return nil
	}
	return &alert.Archive{URL: es.URLs[0], Others: es.URLs[1:], Prefix: es.IndexPrefix, Username: es.Username, Password: es.Password.Value()}
}

// newAlertEngine builds the alert engine of a crawl from the config's rules, notifiers
// and archive; nil without rules. The caller runs and closes it (through the pipeline).
func newAlertEngine(cfg *config.Config, store index.Store, log *slog.Logger) (*alert.Engine, error) {
	if len(cfg.Alerts.Rules) == 0 {
		return nil, nil
	}
	ns, err := alertNotifiers(cfg, log)
	if err != nil {
		return nil, err
	}
	o := alert.Options{Rules: alertRules(cfg), Store: store, LogPath: alertLogPath(cfg), Notifiers: ns, Logger: log}
	if a := alertArchive(cfg); a != nil {
		o.Archive = a
	}
	eng, err := alert.New(o)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return eng, nil
}

func runAlerts(ctx context.Context, e env) int {
	fs := flag.NewFlagSet("alerts", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var (
		cfgPath = fs.String("config", "", "config file (default: embedded, data under ./darkwatch-data)")
		asJSON  = fs.Bool("json", false, "print one JSON object per line")
		since   = fs.String("since", "", "raised since: 7d, 36h, 2026-01-10 or RFC 3339")
		ack     = fs.String("ack", "", "acknowledge the alert with this id")
		retro   = fs.String("retro", "", "run the watch rule with this name over the stored history (retro-hunt)")
		deliver = fs.Bool("deliver", false, "deliver the pending outbox entries once, then list what is still pending")
	)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: darkwatch alerts [-config F] [--json] [--since D] [--ack ID] [--retro RULE] [--deliver]")
		fs.PrintDefaults()
	}
	if _, err := parseInterleaved(fs, e.args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	from, err := index.ParseTime(*since, time.Now())
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch alerts:", err)
		return exitUsage
	}
	cfg, code := loadConfig(*cfgPath, e.stderr)
	if cfg == nil {
		return code
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if *retro != "" {
		return runRetro(ctx, e, cfg, *retro, *asJSON, log)
	}
	if arch := alertArchive(cfg); arch != nil && !*deliver {
		return archiveAlerts(ctx, e, arch, from, *ack, *asJSON)
	}
	l, err := alert.OpenLog(alertLogPath(cfg), 0)
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch alerts:", err)
		return exitRuntime
	}
	defer l.Close()
	switch {
	case *ack != "":
		a, err := l.Ack(*ack, time.Now())
		if err != nil {
			fmt.Fprintln(e.stderr, "darkwatch alerts:", err)
			if errors.Is(err, alert.ErrNotFound) {
				return exitUsage
			}
			return exitRuntime
		}
		return printAlerts(e, []alert.Alert{a}, *asJSON)
	case *deliver:
		return deliverOutbox(ctx, e, cfg, l, log)
	}
	as, err := l.List(from)
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch alerts:", err)
		return exitRuntime
	}
	return printAlerts(e, as, *asJSON)
}

// archiveAlerts lists or acknowledges alerts in the Elasticsearch archive.
func archiveAlerts(ctx context.Context, e env, arch *alert.Archive, from time.Time, ack string, asJSON bool) int {
	var as []alert.Alert
	var err error
	if ack != "" {
		var a alert.Alert
		a, err = arch.Ack(ctx, ack, time.Now())
		as = []alert.Alert{a}
	} else {
		as, err = arch.List(ctx, from)
	}
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch alerts:", err)
		if errors.Is(err, alert.ErrNotFound) {
			return exitUsage
		}
		return exitRuntime
	}
	return printAlerts(e, as, asJSON)
}

func runRetro(ctx context.Context, e env, cfg *config.Config, name string, asJSON bool, log *slog.Logger) int {
	var rule *alert.Rule
	for _, r := range alertRules(cfg) {
		if r.Name == name {
			rule = &r
		}
	}
	if rule == nil {
		fmt.Fprintf(e.stderr, "darkwatch alerts: no rule %q in the config\n", name)
		return exitUsage
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch alerts:", err)
		return exitRuntime
	}
	defer st.Close()
	as, err := alert.Retro(ctx, st, *rule)
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch alerts:", err)
		if errors.Is(err, alert.ErrBadRule) {
			return exitUsage
		}
		return exitRuntime
	}
	return printAlerts(e, as, asJSON)
}

// deliverOutbox delivers what is pending in the outbox now (e.g. after a receiver came back
// while no crawl runs).
func deliverOutbox(ctx context.Context, e env, cfg *config.Config, l *alert.Log, log *slog.Logger) int {
	ns, err := alertNotifiers(cfg, log)
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch alerts:", err)
		return exitUsage
	}
	st := nopStore{}
	o := alert.Options{Rules: alertRules(cfg), Store: st, Log: l, Notifiers: ns, Logger: log}
	if a := alertArchive(cfg); a != nil {
		o.Archive = a
	}
	eng, err := alert.New(o)
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch alerts:", err)
		return exitUsage
	}
	defer eng.Close()
	if err := eng.Flush(ctx); err != nil {
		fmt.Fprintln(e.stderr, "darkwatch alerts:", err)
		return exitRuntime
	}
	p, err := l.Pending()
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch alerts:", err)
		return exitRuntime
	}
	fmt.Fprintf(e.stdout, "%d deliveries still pending\n", len(p))
	for _, en := range p {
		fmt.Fprintf(e.stdout, "  %s  attempts %d  next %s  %s\n", en.Key, en.Attempts, en.Next.UTC().Format(time.RFC3339), en.LastError)
	}
	if len(p) > 0 {
		return exitRuntime
	}
	return exitOK
}

// nopStore lets the outbox be delivered without opening the index: delivery never reads it.
type nopStore struct{ index.Store }

func printAlerts(e env, as []alert.Alert, asJSON bool) int {
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		for _, a := range as {
			if err := enc.Encode(a); err != nil {
				fmt.Fprintln(e.stderr, "darkwatch alerts:", err)
				return exitRuntime
			}
		}
		return exitOK
	}
	if err := printAlertTable(e.stdout, as); err != nil {
		fmt.Fprintln(e.stderr, "darkwatch alerts:", err)
		return exitRuntime
	}
	return exitOK
}

func printAlertTable(w io.Writer, as []alert.Alert) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RAISED\tSEVERITY\tKIND\tMARKET\tSUBJECT\tID\tSUMMARY")
	for _, a := range as {
		sev := a.Severity
		if !a.Acked.IsZero() {
			sev += " (acked)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Raised.UTC().Format("2006-01-02 15:04"), sev, a.Kind, a.Market, a.Subject, a.ID, a.Summary)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d alerts\n", len(as))
	return nil
}
