// Package frontier is the crawl queue: which URL to fetch next, from which
// host, and what happened to every URL ever seen. It declares the Frontier
// interface consumed by the crawl loop and provides two implementations
// that pass one conformance suite (frontiertest.Run):
//
//   - Redis (NewRedis): shared by many `darkwatch crawl` processes. Every
//     operation is one Lua script per market, so dedup+enqueue, lease and
//     ack are atomic (no check-then-set). Keys are "<prefix>:{<market>}:..."
//     so each script touches one Redis Cluster slot; the market list and
//     the pause listing are two global keys. See redis_lua.go for the keys.
//   - Bolt (OpenBolt): the embedded default, one process, state in memory,
//     every change group-committed to a bbolt file before the call returns
//     (survives SIGKILL; leases of a dead process come back at open).
//
// Guarantees: at-least-once. An item leaves the frontier only on Ack(Done)
// (or to the dead-letter set); a worker that dies loses nothing, its
// leases come back after their deadline (Reap). A URL is added once per
// market, ever (the seen set is separate from the due queues). Per host:
// at most Options.HostMaxInFlight leases at once and one lease per
// Options.HostDelay; liveness backoff after HostFailed, with one probe
// lease when it ends. Listing pages can be scheduled for recrawl. Dead
// letters can be listed and requeued (DeadLetters, both implementations).
// Redis also keeps a small table per market beside the queue, the book
// (book.go: "<prefix>:{<market>}:book", merged field by field in one
// script), where every crawl process keeps the crawler's card book.
//
// The caller canonicalises URLs and computes Host; the frontier dedups on
// the exact URL string (a 64-bit xxhash fingerprint per market: collision
// odds ~3e-8 at 1M URLs per market).
//
// Imports: go-redis and bbolt only; it must not import config, extract,
// index or the crawl loop. All methods of both implementations are safe
// for concurrent use.
package frontier
