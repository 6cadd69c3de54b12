// Package api serves the analyst HTTP API and web UI as readers of the index.
//
// A Server answers the JSON API described by openapi.yaml (search with every filter and
// aggregation of index.Query, listing detail with price history, vendor and actor profiles
// with the evidence that links accounts across markets, alerts with acknowledge, market
// status, the audit log) and serves the web UI embedded from ui/ (plain HTML, CSS and
// JavaScript, no CDN, no build step). Every request is authenticated except /healthz, the
// login page and the static assets: users log in with a bcrypt-hashed password and get a
// server-side session (HttpOnly, SameSite=Strict cookie); programs send an API token
// (Authorization: Bearer) compared by SHA-256 in constant time. Roles are analyst and admin;
// only admins read the audit log. Each authenticated request is appended to the audit log
// (JSONL, fsynced, group commit) before it is served: no search runs without its trail
// (Options.AuditOnError says what happens when the log cannot be written); every auth event
// is audited with its outcome; entries are bounded in size and unauthenticated noise per
// client address is summarised.
//
// Facing an attacker: logins reserve a slot of a per-address and a per-account budget before
// any bcrypt work and a bounded number of password checks run at once (throttle.go); the
// client address is the peer unless it is a trusted proxy (X-Forwarded-For, right-most
// untrusted); a Host outside Options.AllowedHosts is a 421; a query string that does not
// parse is a 400 naming the parameter on every path.
//
// Listing text is written by criminals: the UI builds the DOM with textContent only, the
// server sends a strict Content-Security-Policy (no inline script, no remote origin), and
// market images and links are never rendered.
//
// Imports: index, index/alert (alert records) and extract/record (never the extractor); never crawler or config (cmd
// adapts the frontier into a MarketSource and the config into Options).
//
// Concurrency: a Server is safe for concurrent use; its handlers may run in parallel. The
// session store and the audit writer are internally synchronised.
package api
