// Package crawler is darkwatch's crawl loop: lease a URL from the frontier, fetch it with a
// Colly collector over the Tor transport, capture the response as WARC evidence, extract
// records, hand them to the index sink, and ack the URL only once the sink holds them.
//
// Sub-packages: tor (SOCKS transport over a pool of Tor clients), frontier (the URL frontier,
// Redis or embedded), capture (WARC writer), testbed (simulated onion markets with truth).
//
// Durability order for one page: WARC record fsynced (group commit, crawler/capture), records
// handed to the sink (which returns once they are durable), then the page's new links and its
// ack are settled together with other finished pages in one frontier batch (keep.go). A
// worker waits for its page to be settled before taking the next, so a crash refetches at most
// one page per worker; leases are extended while pages are processed, so a slow page is never
// fetched by two workers at once.
//
// crawler imports extract (pure functions) but never index: the sink is an interface given
// by cmd. A Crawler runs a fixed pool of workers; Run blocks until ctx ends or, with Once,
// until nothing runnable is left (markets paused for a login wait for a renewed cookie). While a page is queued for a worker or being processed, its
// lease is extended every Lease/3, so a page slower than the lease is never handed to a
// second worker (in this or another process) at the same time; many processes may run on
// one Redis frontier.
package crawler
