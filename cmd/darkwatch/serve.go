package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/darkwatch/darkwatch/config"
	"github.com/darkwatch/darkwatch/crawler/status"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/api"
)

func init() {
	register(command{name: "serve", summary: "HTTP API and web UI: serve [-config F] [--listen ADDR]", run: runServe})
}

func runServe(ctx context.Context, e env) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfgPath := fs.String("config", "", "config file (default: embedded index under ./darkwatch-data)")
	listen := fs.String("listen", "", "listen address host:port (default: serve.listen, 127.0.0.1:8080)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: darkwatch serve [-config F] [--listen ADDR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(e.args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "darkwatch serve: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg, code := loadConfig(*cfgPath, e.stderr)
	if cfg == nil {
		return code
	}
	if *listen == "" {
		*listen = cfg.Serve.Listen
	}
	if *listen == "" {
		*listen = "127.0.0.1:8080"
	}
	if len(cfg.Serve.Users) == 0 && len(cfg.Serve.Tokens) == 0 {
		fmt.Fprintln(e.stderr, "darkwatch serve: no serve.users or serve.tokens in the config: nobody could log in. "+
			"Add a user with a password_hash from 'darkwatch hash-password'.")
		return exitUsage
	}
	// serve has nothing to reload: a SIGHUP (sent to every darkwatch unit on reload) must
	// not end it.
	signal.Ignore(syscall.SIGHUP)
	log := newLogger(cfg, e.stderr)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch serve:", err)
		return exitRuntime
	}
	defer st.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	markets, err := frontierStatus(cfg)
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch serve:", err)
		return exitRuntime
	}
	srv, err := newAPIServer(cfg, st, markets, *listen, reg, log)
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch serve:", err)
		return exitUsage
	}
	defer srv.Close()
	if cfg.Metrics.Listen != "" { // darkwatch_api_* (audit failures, logins) for Prometheus
		mctx, stopMetrics := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { serveMetrics(mctx, cfg.Metrics.Listen, reg, log) })
		defer func() { stopMetrics(); wg.Wait() }()
	}
	if err := serveHTTP(ctx, srv, *listen, log, e.stdout); err != nil {
		fmt.Fprintln(e.stderr, "darkwatch serve:", err)
		return exitRuntime
	}
	return exitOK
}

// serveMetrics serves the registry's metrics for Prometheus on addr until ctx ends.
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry, log *slog.Logger) {
	ms := &http.Server{Addr: addr, Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
	stop := context.AfterFunc(ctx, func() { ms.Close() })
	defer stop()
	if err := ms.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("metrics_listen_failed", "err", err)
	}
}

// newAPIServer builds the API and web UI over a store, the config's alert source (see
// serveAlerts) and a market status source, with the users, tokens, audit log and hardening
// (allowed hosts, trusted proxies, login limits) of the config. listen is the address the
// server will listen on: its host is an allowed Host by default.
func newAPIServer(cfg *config.Config, st index.Store, markets api.MarketSource, listen string, reg prometheus.Registerer, log *slog.Logger) (*api.Server, error) {
	alerts, err := serveAlerts(cfg)
	if err != nil {
		return nil, err
	}
	proxies, err := api.ParseTrustedProxies(cfg.Serve.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("serve.%w", err)
	}
	sc := cfg.Serve
	opts := api.Options{
		Store:          st,
		Alerts:         alerts,
		Markets:        markets,
		AuditPath:      sc.AuditLog,
		Logger:         log,
		SecureCookies:  sc.SecureCookies,
		AllowedHosts:   allowedHosts(sc.AllowedHosts, listen),
		TrustedProxies: proxies,
		Login: api.LoginLimits{PerIP: sc.Login.MaxFailuresPerIP, PerAccount: sc.Login.MaxFailuresPerAccount,
			Window: time.Duration(sc.Login.Window), MaxConcurrent: sc.Login.MaxConcurrent},
		AuditOnError:         sc.Audit.OnError,
		AuditUnauthenticated: sc.Audit.MaxUnauthenticated,
		Registerer:           reg,
	}
	if opts.AuditPath == "" {
		opts.AuditPath = filepath.Join(cfg.DataDir, "audit.log")
	}
	for _, u := range cfg.Serve.Users {
		opts.Users = append(opts.Users, api.User{Name: u.Name, Role: u.Role, PasswordHash: u.PasswordHash})
	}
	for _, t := range cfg.Serve.Tokens {
		opts.Tokens = append(opts.Tokens, api.Token{Name: t.Name, Role: t.Role, TokenHash: t.TokenHash})
	}
	return api.New(opts)
}

// allowedHosts is serve.allowed_hosts, or by default the listen address's host (unless it
// is unspecified: 0.0.0.0 names no host) and the loopback names.
func allowedHosts(configured []string, listen string) []string {
	if len(configured) > 0 {
		return configured
	}
	out := []string{"localhost", "127.0.0.1", "::1"}
	if h, _, err := net.SplitHostPort(listen); err == nil && h != "" {
		if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
			out = append(out, h)
		}
	}
	return out
}

// serveHTTP serves srv on listen until ctx ends, then shuts down within a bounded time.
func serveHTTP(ctx context.Context, srv *api.Server, listen string, log *slog.Logger, stdout io.Writer) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "darkwatch serve: listening on http://%s/\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Deliberate, bounded shutdown: the serving context is done.
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// serveAlerts is where serve lists and acknowledges alerts. With the Elasticsearch backend
// it is the Elasticsearch alerts archive (alertArchive), which the alert engine of every
// crawl process feeds through its outbox: an analyst sees the alerts of every crawler, and
// `darkwatch alerts` sees the acks done in the UI. Otherwise (embedded backend) it is the
// local alert log of the crawl on this machine.
func serveAlerts(cfg *config.Config) (api.AlertSource, error) {
	if arch := alertArchive(cfg); arch != nil {
		return alertArchiveSource{arch}, nil
	}
	alog, err := alert.OpenLog(alertLogPath(cfg), 3*time.Second)
	if err != nil {
		return nil, err
	}
	return alertLog{alog}, nil
}

// alertLog is the alert log the crawl's alert engine writes (<data_dir>/alerts.db). The log
// opens its file per operation, so serve and a running crawl share it; a read that waits too
// long for the crawl's write lock is a 503, not a 500. The log bounds its own wait (3 s):
// the context is not used.
type alertLog struct{ log *alert.Log }

func (a alertLog) List(_ context.Context, since time.Time) ([]alert.Alert, error) {
	as, err := a.log.List(since)
	if err != nil {
		return nil, fmt.Errorf("%w: alert log: %v", api.ErrUnavailable, err)
	}
	return as, nil
}

// Search lists the log since q.Since and filters in Go (the log is local and small).
func (a alertLog) Search(ctx context.Context, q alert.Query) ([]alert.Alert, int, error) {
	as, err := a.List(ctx, q.Since)
	if err != nil {
		return nil, 0, err
	}
	found, total := q.Select(as)
	return found, total, nil
}

func (a alertLog) Ack(_ context.Context, id string, at time.Time) (alert.Alert, error) {
	al, err := a.log.Ack(id, at)
	if err != nil && !errors.Is(err, alert.ErrNotFound) {
		return al, fmt.Errorf("%w: alert log: %v", api.ErrUnavailable, err)
	}
	return al, err
}

var (
	_ api.AlertSource = alertLog{}
	_ api.AlertSource = alertArchiveSource{}
)

// alertArchiveSource is the Elasticsearch alerts archive as the API's alert source: a
// cluster that cannot answer is a 503 that says why, not a 500.
type alertArchiveSource struct{ arch *alert.Archive }

// Search answers q in the index (filters, order and limit in Elasticsearch).
func (a alertArchiveSource) Search(ctx context.Context, q alert.Query) ([]alert.Alert, int, error) {
	as, total, err := a.arch.Search(ctx, q)
	if err != nil {
		return nil, 0, archiveErr(err)
	}
	return as, total, nil
}

func (a alertArchiveSource) Ack(ctx context.Context, id string, at time.Time) (alert.Alert, error) {
	al, err := a.arch.Ack(ctx, id, at)
	if err != nil {
		return al, archiveErr(err)
	}
	return al, nil
}

// archiveErr marks an archive error unavailable, except a missing alert and a request the
// client gave up.
func archiveErr(err error) error {
	if errors.Is(err, alert.ErrNotFound) || errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w: %v", api.ErrUnavailable, err)
}

// marketNames are the configured markets' names.
func marketNames(cfg *config.Config) []string {
	names := make([]string, 0, len(cfg.Markets))
	for _, m := range cfg.Markets {
		names = append(names, m.Name)
	}
	return names
}

// frontierStatus is the market status of the config's frontier, opened per read (see
// status.Frontier): the embedded frontier file, or Redis.
func frontierStatus(cfg *config.Config) (*status.Frontier, error) {
	o := status.FrontierOptions{Markets: marketNames(cfg), DataDir: cfg.DataDir,
		Open: func(ctx context.Context) (status.Opened, error) { return openFrontier(ctx, cfg) }}
	if cfg.Frontier.Backend != "redis" {
		o.File = filepath.Join(cfg.DataDir, "frontier.db")
	}
	return status.NewFrontier(o)
}
