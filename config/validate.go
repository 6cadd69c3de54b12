package config

import (
	"time"

	"crypto/sha3"
	"encoding/base32"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
)

// Vocabulary of DESIGN.md §10.
var (
	AlertKinds = []string{"new_vendor", "new_substance", "vendor_on_new_market", "watch", "price_change", "listing_gone"}
	Classes    = []string{"opioid", "stimulant", "empathogen", "psychedelic", "dissociative", "cannabis", "benzodiazepine", "depressant", "steroid", "other"}
	Families   = []string{"fentanyl-analogue", "nitazene", "synthetic-cathinone", "synthetic-cannabinoid", "designer-benzodiazepine", "phenethylamine", "tryptamine", "arylcyclohexylamine", "other-nps"}
)

var (
	marketNameRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	redisPrefixRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
	hostNameRE    = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$`)
)

// Validate reports every problem of the config, each with its path.
func (c *Config) Validate() error {
	var p problems
	if strings.TrimSpace(c.DataDir) == "" {
		p.add("data_dir", "must not be empty (default ./darkwatch-data)")
	}
	oneOf(&p, "log.level", c.Log.Level, "debug", "info", "warn", "error")
	oneOf(&p, "log.format", c.Log.Format, "text", "json")
	if c.Metrics.Listen != "" {
		hostPort(&p, "metrics.listen", c.Metrics.Listen)
	}
	c.validateTor(&p)
	c.validateCrawl(&p)
	oneOf(&p, "frontier.backend", c.Frontier.Backend, "embedded", "redis")
	if c.Frontier.Backend == "redis" {
		if u, err := url.Parse(c.Frontier.Redis.URL); c.Frontier.Redis.URL == "" || err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			p.add("frontier.redis.url", "want redis://host:port/db when frontier.backend is redis")
		}
	}
	secretPair(&p, "frontier.redis.password", c.Frontier.Redis.Password, c.Frontier.Redis.PasswordFile)
	if !redisPrefixRE.MatchString(c.Frontier.Redis.Prefix) {
		p.add("frontier.redis.prefix", "%q: want 1-32 letters, digits, '-' or '_' (no braces: keys are hash-tagged per market)", c.Frontier.Redis.Prefix)
	}
	oneOf(&p, "index.backend", c.Index.Backend, "embedded", "elasticsearch")
	if c.Index.Backend == "elasticsearch" && len(c.Index.Elasticsearch.URLs) == 0 {
		p.add("index.elasticsearch.urls", "at least one URL (http://host:9200) is needed when index.backend is elasticsearch")
	}
	for i, u := range c.Index.Elasticsearch.URLs {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			p.add(fmt.Sprintf("index.elasticsearch.urls[%d]", i), "not an http(s) URL: %q", u)
		}
	}
	if c.Index.Elasticsearch.IndexPrefix == "" || strings.ToLower(c.Index.Elasticsearch.IndexPrefix) != c.Index.Elasticsearch.IndexPrefix {
		p.add("index.elasticsearch.index_prefix", "must be a non-empty lower-case name")
	}
	secretPair(&p, "index.elasticsearch.password", c.Index.Elasticsearch.Password, c.Index.Elasticsearch.PasswordFile)
	c.validateMarkets(&p)
	c.validateAlerts(&p)
	c.validateServe(&p)
	return p.err()
}

func (c *Config) validateTor(p *problems) {
	for i, e := range c.Tor.Endpoints {
		path := fmt.Sprintf("tor.endpoints[%d]", i)
		if e.Socks == "" {
			p.add(path+".socks", "required: the Tor SocksPort address, e.g. 127.0.0.1:9050")
		} else {
			hostPort(p, path+".socks", e.Socks)
		}
		if e.Control != "" {
			hostPort(p, path+".control", e.Control)
		}
		secretPair(p, path+".control_password", e.ControlPassword, e.ControlPasswordFile)
		if e.CookieFile != "" && (e.ControlPassword != "" || e.ControlPasswordFile != "") {
			p.add(path, "give cookie_file or control_password, not both")
		}
	}
	for i, s := range c.Tor.Socks {
		hostPort(p, fmt.Sprintf("tor.socks[%d]", i), s)
	}
	positive(p, "tor.connect_timeout", int64(c.Tor.ConnectTimeout))
	positive(p, "tor.read_idle_timeout", int64(c.Tor.ReadIdleTimeout))
	positive(p, "tor.health_interval", int64(c.Tor.HealthInterval))
	secretPair(p, "tor.isolation_secret", c.Tor.IsolationSecret, c.Tor.IsolationSecretFile)
}

func (c *Config) validateCrawl(p *problems) {
	cr := c.Crawl
	positive(p, "crawl.workers", int64(cr.Workers))
	positive(p, "crawl.per_host_inflight", int64(cr.PerHostInFlight))
	nonNegative(p, "crawl.per_host_delay", int64(cr.PerHostDelay))
	positive(p, "crawl.max_depth", int64(cr.MaxDepth))
	positive(p, "crawl.max_pages_per_market", int64(cr.MaxPagesPerMarket))
	positive(p, "crawl.max_links_per_page", int64(cr.MaxLinksPerPage))
	if cr.MaxBody < 1024 {
		p.add("crawl.max_body", "must be at least 1KiB, got %d bytes", int64(cr.MaxBody))
	}
	nonNegative(p, "crawl.max_redirects", int64(cr.MaxRedirects))
	positive(p, "crawl.lease", int64(cr.Lease))
	positive(p, "crawl.max_attempts", int64(cr.MaxAttempts))
	nonNegative(p, "crawl.recrawl", int64(cr.Recrawl))
	nonNegative(p, "crawl.induce_after", int64(cr.InduceAfter))
	if cr.RefreshMaxAge <= 0 || cr.RefreshMaxAge < cr.Recrawl {
		p.add("crawl.refresh_max_age", "must be positive and at least crawl.recrawl (%s), got %s", time.Duration(cr.Recrawl), time.Duration(cr.RefreshMaxAge))
	}
	if cr.MaxMemory != 0 && cr.MaxMemory < 64<<20 {
		p.add("crawl.max_memory", "must be 0 (no bound) or at least 64MiB")
	}
	if cr.WARCMaxSize < 1<<20 {
		p.add("crawl.warc_max_size", "must be at least 1MiB")
	}
	if len(cr.ContentTypes) == 0 {
		p.add("crawl.content_types", "must list at least one content type, e.g. text/html")
	}
}

func (c *Config) validateMarkets(p *problems) {
	names := map[string]int{}
	for i, m := range c.Markets {
		path := fmt.Sprintf("markets[%d]", i)
		switch {
		case m.Name == "":
			p.add(path+".name", "required")
		case !marketNameRE.MatchString(m.Name):
			p.add(path+".name", "%q: use lower-case letters, digits, '-' and '_' (max 63)", m.Name)
		default:
			if j, dup := names[m.Name]; dup {
				p.add(path+".name", "%q already used by markets[%d]", m.Name, j)
			}
			names[m.Name] = i
		}
		if len(m.Seeds) == 0 {
			p.add(path+".seeds", "at least one seed URL is needed (the market's front page)")
		}
		for j, s := range m.Seeds {
			if err := checkSeed(s, c.Tor.AllowClearnet); err != "" {
				p.add(fmt.Sprintf("%s.seeds[%d]", path, j), "%s", err)
			}
		}
		for j, h := range m.Hosts {
			if !IsOnionHost(h) && !c.Tor.AllowClearnet {
				p.add(fmt.Sprintf("%s.hosts[%d]", path, j), "%q is not a v3 onion host (set tor.allow_clearnet to crawl clearnet hosts, still through Tor)", h)
			}
		}
		for j, r := range m.Include {
			if _, err := regexp.Compile(r); err != nil {
				p.add(fmt.Sprintf("%s.include[%d]", path, j), "bad regexp: %v", err)
			}
		}
		for j, r := range m.Exclude {
			if _, err := regexp.Compile(r); err != nil {
				p.add(fmt.Sprintf("%s.exclude[%d]", path, j), "bad regexp: %v", err)
			}
		}
		nonNegative(p, path+".max_pages", int64(m.MaxPages))
		nonNegative(p, path+".per_host_delay", int64(m.PerHostDelay))
	}
	for i, s := range c.Sessions {
		path := fmt.Sprintf("sessions[%d]", i)
		if _, ok := names[s.Market]; !ok {
			p.add(path+".market", "%q is not a configured market name", s.Market)
		}
		secretPair(p, path+".cookies", s.Cookies, s.CookiesFile)
		if s.Cookies == "" && s.CookiesFile == "" {
			p.add(path+".cookies", "required: \"name=value; name2=value2\" (or cookies_file)")
		}
	}
}

func (c *Config) validateAlerts(p *problems) {
	notifiers := map[string]bool{}
	for i, n := range c.Alerts.Notifiers {
		path := fmt.Sprintf("alerts.notifiers[%d]", i)
		uniqueName(p, path, n.Name, notifiers)
		oneOf(p, path+".type", n.Type, "webhook", "slack", "email", "log")
		switch n.Type {
		case "webhook", "slack":
			if u, err := url.Parse(n.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				p.add(path+".url", "want an http(s) URL for a %s notifier", n.Type)
			}
		case "email":
			if n.SMTP.Addr == "" {
				p.add(path+".smtp.addr", "required for an email notifier (host:port)")
			} else {
				hostPort(p, path+".smtp.addr", n.SMTP.Addr)
			}
			if n.SMTP.From == "" {
				p.add(path+".smtp.from", "required for an email notifier")
			}
			if len(n.SMTP.To) == 0 {
				p.add(path+".smtp.to", "at least one recipient")
			}
		}
		secretPair(p, path+".secret", n.Secret, n.SecretFile)
		secretPair(p, path+".smtp.password", n.SMTP.Password, n.SMTP.PasswordFile)
		nonNegative(p, path+".timeout", int64(n.Timeout))
		nonNegative(p, path+".max_retries", int64(n.MaxRetries))
	}
	rules := map[string]bool{}
	for i, r := range c.Alerts.Rules {
		path := fmt.Sprintf("alerts.rules[%d]", i)
		uniqueName(p, path, r.Name, rules)
		if !contains(AlertKinds, r.Kind) {
			p.add(path+".kind", "unknown alert kind %q; want one of %s", r.Kind, strings.Join(AlertKinds, ", "))
		}
		oneOf(p, path+".scope", r.Scope, "", "market", "global")
		oneOf(p, path+".severity", r.Severity, "", "info", "warning", "critical")
		for j, cl := range r.Classes {
			if !contains(Classes, cl) {
				p.add(fmt.Sprintf("%s.classes[%d]", path, j), "unknown class %q; want one of %s", cl, strings.Join(Classes, ", "))
			}
		}
		for j, f := range r.Families {
			if !contains(Families, f) {
				p.add(fmt.Sprintf("%s.families[%d]", path, j), "unknown family %q; want one of %s", f, strings.Join(Families, ", "))
			}
		}
		for j, m := range r.Markets {
			if !c.hasMarket(m) {
				p.add(fmt.Sprintf("%s.markets[%d]", path, j), "%q is not a configured market name", m)
			}
		}
		for j, n := range r.Notify {
			if !notifiers[n] {
				p.add(fmt.Sprintf("%s.notify[%d]", path, j), "%q is not a configured notifier name", n)
			}
		}
		if r.Kind == "watch" && r.Query == "" && len(r.Substance) == 0 && len(r.Vendors) == 0 && len(r.Countries) == 0 && len(r.Entities) == 0 && len(r.Classes) == 0 && len(r.Families) == 0 {
			p.add(path, "a watch rule needs a query, substances, vendors, countries, entities, classes or families")
		}
		if r.Kind == "price_change" && r.ThresholdPct <= 0 {
			p.add(path+".threshold_pct", "a price_change rule needs threshold_pct > 0 (e.g. 20)")
		}
	}
}

func (c *Config) validateServe(p *problems) {
	if c.Serve.Listen != "" {
		hostPort(p, "serve.listen", c.Serve.Listen)
	}
	for i, h := range c.Serve.AllowedHosts {
		if h != "*" && !hostNameRE.MatchString(h) {
			if _, err := netip.ParseAddr(strings.Trim(h, "[]")); err != nil {
				p.add(fmt.Sprintf("serve.allowed_hosts[%d]", i), "%q: want a host name or an address without scheme or port (darkwatch.example.org, 10.0.0.5), or \"*\"", h)
			}
		}
	}
	for i, s := range c.Serve.TrustedProxies {
		if _, err := netip.ParsePrefix(s); err != nil {
			if _, err := netip.ParseAddr(s); err != nil {
				p.add(fmt.Sprintf("serve.trusted_proxies[%d]", i), "%q: want a CIDR or an address (10.0.0.0/8, 127.0.0.1)", s)
			}
		}
	}
	positive(p, "serve.login.max_failures_per_ip", int64(c.Serve.Login.MaxFailuresPerIP))
	positive(p, "serve.login.max_failures_per_account", int64(c.Serve.Login.MaxFailuresPerAccount))
	positive(p, "serve.login.window", int64(c.Serve.Login.Window))
	nonNegative(p, "serve.login.max_concurrent", int64(c.Serve.Login.MaxConcurrent))
	oneOf(p, "serve.audit.on_error", c.Serve.Audit.OnError, "refuse", "degrade")
	positive(p, "serve.audit.max_unauthenticated", int64(c.Serve.Audit.MaxUnauthenticated))
	for i, u := range c.Serve.Users {
		path := fmt.Sprintf("serve.users[%d]", i)
		if u.Name == "" {
			p.add(path+".name", "required")
		}
		oneOf(p, path+".role", u.Role, "analyst", "admin")
		if !strings.HasPrefix(u.PasswordHash, "$2a$") && !strings.HasPrefix(u.PasswordHash, "$2b$") && !strings.HasPrefix(u.PasswordHash, "$2y$") {
			p.add(path+".password_hash", "want a bcrypt hash ($2b$...); make one with 'darkwatch hash-password'")
		}
	}
	for i, t := range c.Serve.Tokens {
		path := fmt.Sprintf("serve.tokens[%d]", i)
		if t.Name == "" {
			p.add(path+".name", "required")
		}
		oneOf(p, path+".role", t.Role, "analyst", "admin")
		h := strings.TrimPrefix(t.TokenHash, "sha256:")
		if !strings.HasPrefix(t.TokenHash, "sha256:") || len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
			p.add(path+".token_hash", "want sha256:<64 lower-case hex> of the token")
		}
	}
}

func (c *Config) hasMarket(name string) bool {
	for _, m := range c.Markets {
		if m.Name == name {
			return true
		}
	}
	return false
}

func (c *Config) resolveSecrets() error {
	var p problems
	res := func(s *Secret, file, path string) {
		v, err := resolveSecret(*s, file, path)
		if err != nil {
			p = append(p, &FieldError{Msg: err.Error()})
			return
		}
		*s = v
	}
	res(&c.Tor.IsolationSecret, c.Tor.IsolationSecretFile, "tor.isolation_secret")
	for i := range c.Tor.Endpoints {
		e := &c.Tor.Endpoints[i]
		res(&e.ControlPassword, e.ControlPasswordFile, fmt.Sprintf("tor.endpoints[%d].control_password", i))
	}
	res(&c.Frontier.Redis.Password, c.Frontier.Redis.PasswordFile, "frontier.redis.password")
	res(&c.Index.Elasticsearch.Password, c.Index.Elasticsearch.PasswordFile, "index.elasticsearch.password")
	for i := range c.Sessions {
		s := &c.Sessions[i]
		res(&s.Cookies, s.CookiesFile, fmt.Sprintf("sessions[%d].cookies", i))
	}
	for i := range c.Alerts.Notifiers {
		n := &c.Alerts.Notifiers[i]
		res(&n.Secret, n.SecretFile, fmt.Sprintf("alerts.notifiers[%d].secret", i))
		res(&n.SMTP.Password, n.SMTP.PasswordFile, fmt.Sprintf("alerts.notifiers[%d].smtp.password", i))
	}
	return p.err()
}

// IsOnionHost reports whether h is a valid v3 onion host name (56 base32 characters with a
// correct checksum and version 3, then ".onion"). Subdomains are allowed.
func IsOnionHost(h string) bool {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if !strings.HasSuffix(h, ".onion") {
		return false
	}
	labels := strings.Split(strings.TrimSuffix(h, ".onion"), ".")
	addr := labels[len(labels)-1]
	if len(addr) != 56 {
		return false
	}
	raw, err := base32.StdEncoding.DecodeString(strings.ToUpper(addr))
	if err != nil || len(raw) != 35 || raw[34] != 3 {
		return false
	}
	sum := sha3.Sum256(append(append([]byte(".onion checksum"), raw[:32]...), 3))
	return sum[0] == raw[32] && sum[1] == raw[33]
}

func checkSeed(s string, allowClearnet bool) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Sprintf("%q is not a URL; want http://<56 characters>.onion/", s)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Sprintf("%q: scheme must be http or https", s)
	}
	if IsOnionHost(u.Hostname()) {
		return ""
	}
	if allowClearnet && u.Hostname() != "" {
		return ""
	}
	return fmt.Sprintf("not a v3 onion URL: %q (want http://<56 base32 characters>.onion/; set tor.allow_clearnet to crawl clearnet sources, still through Tor)", s)
}

// uniqueName reports at path.name a name that is empty or already in seen, and adds it.
func uniqueName(p *problems, path, name string, seen map[string]bool) {
	if name == "" {
		p.add(path+".name", "required")
	} else if seen[name] {
		p.add(path+".name", "%q already used", name)
	}
	seen[name] = true
}

func oneOf(p *problems, path, v string, allowed ...string) {
	if !contains(allowed, v) {
		var shown []string
		for _, a := range allowed {
			if a != "" {
				shown = append(shown, a)
			}
		}
		p.add(path, "%q is not one of %s", v, strings.Join(shown, ", "))
	}
}

func hostPort(p *problems, path, v string) {
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		p.add(path, "%q is not host:port", v)
	}
}

func positive(p *problems, path string, v int64) {
	if v <= 0 {
		p.add(path, "must be greater than 0")
	}
}

func nonNegative(p *problems, path string, v int64) {
	if v < 0 {
		p.add(path, "must not be negative")
	}
}

func secretPair(p *problems, path string, inline Secret, file string) {
	if inline != "" && file != "" {
		p.add(path, "secret given both inline and as %s_file; keep one", lastKey(path))
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
