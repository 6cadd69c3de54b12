package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/darkwatch/darkwatch/config"
	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/capture"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/crawler/pipeline"
	"github.com/darkwatch/darkwatch/crawler/status"
	"github.com/darkwatch/darkwatch/crawler/tor"
	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/extract/induce"
)

func init() {
	register(command{name: "crawl", summary: "crawl the configured markets through Tor into the index", run: runCrawl})
}

func runCrawl(ctx context.Context, e env) int {
	fs := flag.NewFlagSet("crawl", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfgPath := fs.String("config", "", "config file (default: the embedded single-machine mode)")
	once := fs.Bool("once", false, "stop when the frontier is drained")
	maxPages := fs.Int("max-pages", 0, "stop after fetching this many pages (0: no limit)")
	refresh := fs.Bool("refresh", false, "a new day's crawl now: fetch the seeds and the navigation and vendor pages scheduled for a recrawl, then only the listing pages whose card changed, vanished or showed no price (or older than crawl.refresh_max_age)")
	serve := fs.String("serve", "", "also serve the API and web UI on this address while crawling (the embedded index admits one process: this is how to search during a crawl)")
	progress := fs.String("progress", "auto", "progress line on stderr: auto (when stderr is a terminal), on, off")
	if err := fs.Parse(e.args); err != nil {
		return exitUsage
	}
	cfg, code := loadConfig(*cfgPath, e.stderr)
	if cfg == nil {
		return code
	}
	if len(cfg.Markets) == 0 {
		fmt.Fprintln(e.stderr, "darkwatch crawl: no markets configured; add a markets: section (see config/darkwatch.example.yaml) or try 'make run' for the testbed")
		return exitUsage
	}
	if len(cfg.TorEndpoints()) == 0 {
		fmt.Fprintln(e.stderr, "darkwatch crawl: no Tor endpoint configured (tor.socks or tor.endpoints); darkwatch never fetches without Tor")
		return exitUsage
	}
	log := newLogger(cfg, e.stderr)
	if cfg.Crawl.MaxMemory > 0 {
		debug.SetMemoryLimit(int64(cfg.Crawl.MaxMemory))
	}
	if err := crawl(ctx, cfg, *cfgPath, crawlFlags{once: *once, maxPages: *maxPages, refresh: *refresh, progress: *progress, serve: *serve}, log, e); err != nil {
		fmt.Fprintln(e.stderr, "darkwatch crawl:", err)
		return exitRuntime
	}
	return exitOK
}

type crawlFlags struct {
	once     bool
	maxPages int
	refresh  bool
	progress string
	serve    string
}

func crawl(ctx context.Context, cfg *config.Config, cfgPath string, fl crawlFlags, log *slog.Logger, e env) error {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := crawler.NewMetrics(reg)

	pool, err := newTorPool(cfg, log)
	if err != nil {
		return err
	}
	defer pool.Close()

	fr, err := openFrontier(ctx, cfg)
	if err != nil {
		return err
	}
	defer fr.Close()

	warcDir := cfg.Crawl.WARCDir
	if warcDir == "" {
		warcDir = filepath.Join(cfg.DataDir, "warc")
	}
	cw, err := capture.Open(capture.Options{Dir: warcDir, MaxFileSize: int64(cfg.Crawl.WARCMaxSize)})
	if err != nil {
		return err
	}
	defer cw.Close()

	x, err := newExtractor(cfg, log)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	alerts, err := newAlertEngine(cfg, store, log)
	if err != nil {
		return err
	}
	deps := pipeline.Deps{Store: store}
	if store.Spool != nil {
		deps.Outage = store.Spool
	}
	if alerts != nil {
		defer alerts.Close()
		deps.Alerts = alerts
	}
	sink, err := pipeline.New(pipeline.Options{Logger: log}, deps)
	if err != nil {
		return err
	}
	defer sink.Close()

	// The card book of the change-driven refresh: beside a Redis frontier, shared by every
	// crawl process; otherwise a file of this process.
	var cards crawler.Cards
	if rf, ok := fr.(*redisFrontier); ok {
		cards = crawler.NewSharedCards(rf.Redis)
	} else {
		book, err := crawler.OpenCardBook(filepath.Join(cfg.DataDir, "cards.db"))
		if err != nil {
			return err
		}
		defer book.Close()
		cards = book
	}

	var markets []crawler.Market
	for _, m := range cfg.Markets {
		if m.Disabled {
			continue
		}
		markets = append(markets, crawler.Market{Name: m.Name, Profile: m.Profile, Seeds: m.Seeds, Hosts: m.Hosts,
			Include: m.Include, Exclude: m.Exclude, Cookies: cfg.Session(m.Name).Value(), MaxPages: m.MaxPages})
	}
	cr, err := crawler.New(crawler.Options{
		Markets: markets, Workers: cfg.Crawl.Workers, Lease: cfg.Crawl.Lease.D(),
		FetchTimeout: cfg.Tor.ConnectTimeout.D() + cfg.Tor.ReadIdleTimeout.D(), MaxBody: int64(cfg.Crawl.MaxBody),
		MaxRedirects: cfg.Crawl.MaxRedirects, MaxDepth: cfg.Crawl.MaxDepth, MaxLinksPerPage: cfg.Crawl.MaxLinksPerPage,
		MaxPagesPerMarket: cfg.Crawl.MaxPagesPerMarket, Recrawl: cfg.Crawl.Recrawl.D(), ListingMaxAge: cfg.Crawl.RefreshMaxAge.D(),
		ContentTypes: cfg.Crawl.ContentTypes,
		Once:         fl.once, Refresh: fl.refresh, MaxPages: fl.maxPages, Logger: log, Metrics: metrics,
	}, crawler.Deps{Frontier: fr, Transport: pool.RoundTripper(), Capture: cw, Extractor: crawlExtractor(cfg, x, log), Sink: sink, NewCircuit: pool.NewCircuit, Cards: cards})
	if err != nil {
		return err
	}
	if fl.refresh {
		if err := refreshFrontier(ctx, fr); err != nil {
			return err
		}
	}
	if err := cr.Seed(ctx); err != nil {
		return err
	}

	// Every background goroutine of the crawl has this owner: they stop when the crawl
	// returns (or ctx ends), and the crawl returns only once they have.
	bg, stopBG := context.WithCancel(ctx)
	var owned sync.WaitGroup
	defer func() { stopBG(); owned.Wait() }()
	owned.Go(func() { _ = pool.Run(bg) }) // Tor endpoint health checks
	owned.Go(func() {
		if err := sink.Run(bg); err != nil { // spool replay, alert deliveries
			log.Error("pipeline_failed", "err", err)
		}
	})
	if cfg.Metrics.Listen != "" {
		owned.Go(func() { serveMetrics(bg, cfg.Metrics.Listen, reg, log) })
	}
	// SIGHUP reloads the sessions (an analyst renewed a cookie after a login wall).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	owned.Go(func() { reloadOnHUP(bg, hup, cfgPath, cr, log) })
	// A status snapshot for `darkwatch serve`, which cannot open the frontier while we hold
	// it; its last write comes after the crawl's summary.
	snap, err := status.NewWriter(status.WriterOptions{DataDir: cfg.DataDir}, fr)
	if err != nil {
		return err
	}
	owned.Go(func() { _ = snap.Run(bg) })

	if fl.serve != "" {
		srv, err := newAPIServer(cfg, store, status.Live{Frontier: fr, Markets: marketNames(cfg)}, fl.serve, reg, log)
		if err != nil {
			return fmt.Errorf("--serve: %w", err)
		}
		defer srv.Close()
		sctx, stopServe := context.WithCancel(ctx)
		served := make(chan error, 1)
		go func() { served <- serveHTTP(sctx, srv, fl.serve, log, e.stderr) }()
		defer func() {
			stopServe()
			if err := <-served; err != nil {
				log.Error("serve_failed", "err", err)
			}
		}()
	}
	start := time.Now()
	stopProgress := startProgress(ctx, fl.progress, e.stderr, cr, fr)
	runErr := cr.Run(ctx)
	stopProgress()
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if err := sink.Flush(flushCtx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("flush: %w", err))
	}
	printCrawlSummary(e.stdout, cr, fr, time.Since(start), cfgPath)
	return runErr
}

// reloadOnHUP reloads the markets' session cookies from the config file at each signal on
// hup until ctx ends (an analyst renewed a cookie after a login wall).
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, cfgPath string, cr *crawler.Crawler, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if cfgPath == "" {
				continue
			}
			nc, err := config.Load(cfgPath)
			if err != nil {
				log.Error("reload_failed", "err", err)
				continue
			}
			ck := map[string]string{}
			for _, m := range nc.Markets {
				ck[m.Name] = nc.Session(m.Name).Value()
			}
			if err := cr.UpdateSessions(ctx, ck); err != nil {
				log.Error("reload_failed", "err", err)
			} else {
				log.Info("sessions_reloaded")
			}
		}
	}
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.Log.Level))
	ho := &slog.HandlerOptions{Level: lvl}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

func newTorPool(cfg *config.Config, log *slog.Logger) (*tor.Pool, error) {
	var eps []tor.Endpoint
	for _, ep := range cfg.TorEndpoints() {
		eps = append(eps, tor.Endpoint{Socks: ep.Socks, Control: ep.Control, ControlPassword: ep.ControlPassword.Value(), CookieFile: ep.CookieFile})
	}
	return tor.New(tor.Options{Endpoints: eps, ConnectTimeout: cfg.Tor.ConnectTimeout.D(), ReadIdleTimeout: cfg.Tor.ReadIdleTimeout.D(),
		CheckInterval: cfg.Tor.HealthInterval.D(), IsolationSecret: cfg.Tor.IsolationSecret.Value(), AllowClearnet: cfg.Tor.AllowClearnet, Logger: log})
}

func frontierOptions(cfg *config.Config) frontier.Options {
	return frontier.Options{HostDelay: cfg.Crawl.PerHostDelay.D(), HostMaxInFlight: cfg.Crawl.PerHostInFlight,
		MaxAttempts: cfg.Crawl.MaxAttempts, MaxPagesPerMarket: cfg.Crawl.MaxPagesPerMarket, Prefix: cfg.Frontier.Redis.Prefix}
}

// queue is what cmd needs of a frontier: the full contract plus the operator capabilities
// both backends have (dead letters, recrawl now), declared here so that no caller asserts.
type queue interface {
	frontier.Frontier
	frontier.DeadLetters
	frontier.Recrawler
}

var (
	_ queue = (*frontier.Bolt)(nil)
	_ queue = (*redisFrontier)(nil)
)

func openFrontier(ctx context.Context, cfg *config.Config) (queue, error) {
	switch cfg.Frontier.Backend {
	case "redis":
		ro, err := redis.ParseURL(cfg.Frontier.Redis.URL)
		if err != nil {
			return nil, fmt.Errorf("frontier.redis.url: %w", err)
		}
		if p := cfg.Frontier.Redis.Password.Value(); p != "" {
			ro.Password = p
		}
		client := redis.NewClient(ro)
		if err := client.Ping(ctx).Err(); err != nil {
			client.Close()
			return nil, fmt.Errorf("frontier: redis %s: %w", ro.Addr, err)
		}
		f, err := frontier.NewRedis(client, frontierOptions(cfg))
		if err != nil {
			client.Close()
			return nil, err
		}
		return &redisFrontier{Redis: f, client: client}, nil
	default:
		f, err := frontier.OpenBolt(filepath.Join(cfg.DataDir, "frontier.db"), frontierOptions(cfg))
		if err != nil {
			return nil, err
		}
		return f, nil
	}
}

// redisFrontier closes its client with the frontier.
type redisFrontier struct {
	*frontier.Redis
	client *redis.Client
}

func (r *redisFrontier) Close() error { return errors.Join(r.Redis.Close(), r.client.Close()) }

func newExtractor(cfg *config.Config, log *slog.Logger) (*extract.Extractor, error) {
	profs, err := loadProfiles(cfg.Profiles)
	if err != nil {
		return nil, err
	}
	return extract.New(extract.Options{Profiles: profs, Logger: log})
}

// crawlExtractor is what the crawler hands pages to: x, inducing a profile per market
// unless crawl.induce_after is 0.
func crawlExtractor(cfg *config.Config, x *extract.Extractor, log *slog.Logger) crawler.Extractor {
	if cfg.Crawl.InduceAfter <= 0 {
		return x
	}
	return induce.NewLearner(x, induce.LearnerOptions{Dir: inducedDir(cfg), After: cfg.Crawl.InduceAfter, Logger: log})
}

// inducedDir holds the induced profiles, one file per market.
func inducedDir(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "profiles") }

// loadProfiles reads the user profile files of the config.
func loadProfiles(paths []string) ([]extract.Profile, error) {
	var out []extract.Profile
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("profiles: %w", err)
		}
		prof, err := extract.LoadProfile(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("profiles: %s: %w", p, err)
		}
		out = append(out, prof)
	}
	return out, nil
}
