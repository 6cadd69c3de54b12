package config

import "time"

// Config is the whole darkwatch configuration file.
type Config struct {
	// DataDir holds everything of the embedded mode: frontier, index, WARC captures, spool.
	DataDir  string    `yaml:"data_dir"`
	Log      Log       `yaml:"log"`
	Metrics  Metrics   `yaml:"metrics"`
	Tor      Tor       `yaml:"tor"`
	Crawl    Crawl     `yaml:"crawl"`
	Frontier Frontier  `yaml:"frontier"`
	Index    Index     `yaml:"index"`
	Markets  []Market  `yaml:"markets"`
	Sessions []Session `yaml:"sessions"`
	Alerts   Alerts    `yaml:"alerts"`
	Serve    Serve     `yaml:"serve"`
	// Profiles are extraction profile files (extract/profiles/README.md format) added to the
	// embedded ones; one of the same name replaces it. `darkwatch profile` prints one.
	Profiles []string `yaml:"profiles"`
}

// Log configures log/slog output.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text, json
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	Listen string `yaml:"listen"` // host:port; empty = no metrics endpoint
}

// Tor configures the pool of Tor SOCKS endpoints. With no endpoint the crawler refuses to fetch.
type Tor struct {
	Endpoints       []TorEndpoint `yaml:"endpoints"`
	Socks           []string      `yaml:"socks"` // shorthand: SOCKS addresses without control ports
	ConnectTimeout  Duration      `yaml:"connect_timeout"`
	ReadIdleTimeout Duration      `yaml:"read_idle_timeout"`
	HealthInterval  Duration      `yaml:"health_interval"`
	// AllowClearnet lets seeds be clearnet URLs; they are still fetched through Tor.
	AllowClearnet bool `yaml:"allow_clearnet"`
	// IsolationSecret derives per-market SOCKS credentials (IsolateSOCKSAuth).
	IsolationSecret     Secret `yaml:"isolation_secret"`
	IsolationSecretFile string `yaml:"isolation_secret_file"`
}

// TorEndpoint is one Tor client: its SocksPort and, optionally, its ControlPort.
type TorEndpoint struct {
	Socks               string `yaml:"socks"`
	Control             string `yaml:"control"`
	CookieFile          string `yaml:"cookie_file"`
	ControlPassword     Secret `yaml:"control_password"`
	ControlPasswordFile string `yaml:"control_password_file"`
}

// Crawl configures the crawl loop, its politeness and its bounds on hostile pages.
type Crawl struct {
	Workers           int      `yaml:"workers"`
	PerHostInFlight   int      `yaml:"per_host_inflight"`
	PerHostDelay      Duration `yaml:"per_host_delay"`
	MaxDepth          int      `yaml:"max_depth"`
	MaxPagesPerMarket int      `yaml:"max_pages_per_market"`
	MaxLinksPerPage   int      `yaml:"max_links_per_page"`
	MaxBody           Size     `yaml:"max_body"`
	MaxRedirects      int      `yaml:"max_redirects"`
	Lease             Duration `yaml:"lease"`
	MaxAttempts       int      `yaml:"max_attempts"`
	Recrawl           Duration `yaml:"recrawl"`
	RefreshMaxAge     Duration `yaml:"refresh_max_age"`
	MaxMemory         Size     `yaml:"max_memory"`
	WARCDir           string   `yaml:"warc_dir"` // default <data_dir>/warc
	WARCMaxSize       Size     `yaml:"warc_max_size"`
	ContentTypes      []string `yaml:"content_types"`
	// InduceAfter: after this many listing pages of a market read by the generic
	// extractor, a profile is induced for it (kept in <data_dir>/profiles); 0 = never.
	InduceAfter int `yaml:"induce_after"`
}

// Frontier selects the URL frontier: embedded (bbolt under data_dir) or redis.
type Frontier struct {
	Backend string `yaml:"backend"` // embedded | redis
	Redis   Redis  `yaml:"redis"`
}

// Redis is a Redis server address and credentials.
type Redis struct {
	URL          string `yaml:"url"` // redis://host:port/db
	Password     Secret `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	// Prefix of every key; deployments sharing one Redis use different prefixes.
	Prefix string `yaml:"prefix"`
}

// Index selects the record store: embedded (Bleve under data_dir) or elasticsearch.
type Index struct {
	Backend       string        `yaml:"backend"` // embedded | elasticsearch
	Elasticsearch Elasticsearch `yaml:"elasticsearch"`
	SpoolDir      string        `yaml:"spool_dir"` // default <data_dir>/spool
}

// Elasticsearch is a cluster address and credentials.
type Elasticsearch struct {
	URLs         []string `yaml:"urls"`
	Username     string   `yaml:"username"`
	Password     Secret   `yaml:"password"`
	PasswordFile string   `yaml:"password_file"`
	IndexPrefix  string   `yaml:"index_prefix"`
}

// Market is one market to crawl.
type Market struct {
	Name    string   `yaml:"name"`
	Profile string   `yaml:"profile"` // extraction profile name, "auto" (detect) or "generic"
	Seeds   []string `yaml:"seeds"`
	// Hosts are extra hosts (mirrors) in scope besides the seeds' hosts.
	Hosts   []string `yaml:"hosts"`
	Include []string `yaml:"include"` // path regexps in scope (empty = all)
	Exclude []string `yaml:"exclude"` // path regexps out of scope (logout, calendars...)
	// Overrides of crawl limits for this market; zero = the crawl section's value.
	MaxPages     int      `yaml:"max_pages"`
	PerHostDelay Duration `yaml:"per_host_delay"`
	Disabled     bool     `yaml:"disabled"`
}

// Session is a logged-in session an analyst pasted for a market.
type Session struct {
	Market      string `yaml:"market"`
	Cookies     Secret `yaml:"cookies"` // "name=value; name2=value2"
	CookiesFile string `yaml:"cookies_file"`
}

// Alerts holds rules and notifiers.
type Alerts struct {
	Rules     []Rule     `yaml:"rules"`
	Notifiers []Notifier `yaml:"notifiers"`
}

// Rule is one alert rule.
type Rule struct {
	Name     string   `yaml:"name"`
	Kind     string   `yaml:"kind"`  // new_vendor new_substance vendor_on_new_market watch price_change listing_gone
	Scope    string   `yaml:"scope"` // market (default) | global: novelty per market or anywhere
	Markets  []string `yaml:"markets"`
	Classes  []string `yaml:"classes"`
	Families []string `yaml:"families"`
	Severity string   `yaml:"severity"` // info warning critical
	// Watch rules: a saved search.
	Query     string   `yaml:"query"`
	Substance []string `yaml:"substances"`
	Vendors   []string `yaml:"vendors"`
	Countries []string `yaml:"countries"`
	Entities  []string `yaml:"entities"`
	// price_change: minimum relative change of the unit price, in percent.
	ThresholdPct float64  `yaml:"threshold_pct"`
	Notify       []string `yaml:"notify"` // notifier names; empty = all
}

// Notifier delivers alerts.
type Notifier struct {
	Name       string   `yaml:"name"`
	Type       string   `yaml:"type"` // webhook slack email log
	URL        string   `yaml:"url"`
	Secret     Secret   `yaml:"secret"` // webhook HMAC key
	SecretFile string   `yaml:"secret_file"`
	SMTP       SMTP     `yaml:"smtp"`
	Timeout    Duration `yaml:"timeout"`
	MaxRetries int      `yaml:"max_retries"`
}

// SMTP is an SMTP relay for the email notifier.
type SMTP struct {
	Addr         string   `yaml:"addr"` // host:port
	Username     string   `yaml:"username"`
	Password     Secret   `yaml:"password"`
	PasswordFile string   `yaml:"password_file"`
	From         string   `yaml:"from"`
	To           []string `yaml:"to"`
	StartTLS     *bool    `yaml:"starttls"` // default true
}

// Serve configures the HTTP API and web UI.
type Serve struct {
	Listen   string `yaml:"listen"`
	AuditLog string `yaml:"audit_log"` // default <data_dir>/audit.log
	// AllowedHosts are the names (or addresses, no port) the Host header may carry; others
	// get 421. Default: the listen address's host, localhost, 127.0.0.1 and ::1. "*": any.
	AllowedHosts []string `yaml:"allowed_hosts"`
	// TrustedProxies are CIDRs (or addresses) of reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed. Default: none (the peer is the client).
	TrustedProxies []string `yaml:"trusted_proxies"`
	// SecureCookies always sets Secure on the session cookie (set it behind a TLS proxy).
	SecureCookies bool       `yaml:"secure_cookies"`
	Login         ServeLogin `yaml:"login"`
	Audit         ServeAudit `yaml:"audit"`
	Users         []User     `yaml:"users"`
	Tokens        []Token    `yaml:"tokens"`
}

// ServeLogin bounds password guessing on the login form.
type ServeLogin struct {
	MaxFailuresPerIP      int      `yaml:"max_failures_per_ip"`      // per client address (IPv6: /64) within window
	MaxFailuresPerAccount int      `yaml:"max_failures_per_account"` // per user name, any address, within window
	Window                Duration `yaml:"window"`
	MaxConcurrent         int      `yaml:"max_concurrent"` // password checks (bcrypt) at once (0: half the CPUs); more get 503
}

// ServeAudit configures the audit log's failure policy and noise bound.
type ServeAudit struct {
	OnError string `yaml:"on_error"` // refuse (default) | degrade
	// MaxUnauthenticated is how many unauthenticated entries (bad credentials, failed or
	// throttled logins) one client address writes per minute; the rest are summarised.
	MaxUnauthenticated int `yaml:"max_unauthenticated"`
}

// User is a web UI / API user with a bcrypt password hash.
type User struct {
	Name         string `yaml:"name"`
	Role         string `yaml:"role"` // analyst | admin
	PasswordHash string `yaml:"password_hash"`
}

// Token is an API token, stored as its SHA-256 hex ("sha256:<hex>").
type Token struct {
	Name      string `yaml:"name"`
	Role      string `yaml:"role"`
	TokenHash string `yaml:"token_hash"`
}

// Default returns the embedded single-machine configuration: no servers, everything under
// ./darkwatch-data, Tor at the usual local SOCKS port.
func Default() *Config {
	return &Config{
		DataDir: "./darkwatch-data",
		Log:     Log{Level: "info", Format: "text"},
		Tor: Tor{
			ConnectTimeout:  Duration(90 * time.Second),
			ReadIdleTimeout: Duration(60 * time.Second),
			HealthInterval:  Duration(30 * time.Second),
		},
		Crawl: Crawl{
			Workers:           8,
			PerHostInFlight:   2,
			PerHostDelay:      Duration(time.Second),
			MaxDepth:          12,
			MaxPagesPerMarket: 50000,
			MaxLinksPerPage:   400,
			MaxBody:           8 << 20,
			MaxRedirects:      5,
			Lease:             Duration(2 * time.Minute),
			MaxAttempts:       5,
			Recrawl:           Duration(24 * time.Hour),
			RefreshMaxAge:     Duration(7 * 24 * time.Hour),
			MaxMemory:         1 << 30,
			WARCMaxSize:       1 << 30,
			ContentTypes:      []string{"text/html", "application/xhtml+xml", "text/plain"},
			InduceAfter:       20,
		},
		Frontier: Frontier{Backend: "embedded", Redis: Redis{Prefix: "dw"}},
		Index:    Index{Backend: "embedded", Elasticsearch: Elasticsearch{IndexPrefix: "darkwatch"}},
		Serve: Serve{Listen: "127.0.0.1:8080",
			Login: ServeLogin{MaxFailuresPerIP: 10, MaxFailuresPerAccount: 30, Window: Duration(5 * time.Minute)},
			Audit: ServeAudit{OnError: "refuse", MaxUnauthenticated: 20}},
	}
}

// TorEndpoints returns the configured endpoints, the socks shorthand included.
func (c *Config) TorEndpoints() []TorEndpoint {
	out := append([]TorEndpoint(nil), c.Tor.Endpoints...)
	for _, s := range c.Tor.Socks {
		out = append(out, TorEndpoint{Socks: s})
	}
	return out
}

// Session returns the session cookies configured for a market, or "".
func (c *Config) Session(market string) Secret {
	for _, s := range c.Sessions {
		if s.Market == market {
			return s.Cookies
		}
	}
	return ""
}
