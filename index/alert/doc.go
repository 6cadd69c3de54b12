// Package alert turns what the crawler stores into alerts and delivers them.
//
// An Engine sees every stored page (ObservePage) and derives events from it: a vendor never
// seen on the market (new_vendor), a substance never listed on the market or anywhere
// (new_substance), a known operator (same PGP fingerprint, crypto address or contact) on a
// market where it never traded (vendor_on_new_market), a listing that matches a saved search
// (watch), a price that moved (price_change), a listing that was removed (listing_gone).
// Whether an event is new is decided by the index (index.Store.Novel: atomic
// create-if-absent), so two crawlers racing on one page, or a restart, never raise one event
// twice, and a recrawl of an unchanged market raises nothing. Events are matched against the
// configured Rules (kind, market/class/family scope, severity); each match is an Alert.
//
// Alerts are kept in a Log (a bbolt file) together with a durable outbox: one entry per
// alert and notifier, with a stable dedup key, written in the same transaction as the
// alert. ObservePage returns only when both are on disk. Engine.Run (its owner runs it;
// New starts nothing) delivers the outbox (webhook with HMAC-SHA256 signature, Slack-compatible webhook, email over SMTP
// with STARTTLS, log) with exponential backoff and never gives up: a receiver that is down
// gets every alert once it is back.
//
// Imports: index, extract/record, extract/substance and internal/runonce only: never the extractor, the
// crawler or config. Safe for concurrent use: many crawl workers call ObservePage at once.
package alert
