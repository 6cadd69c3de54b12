// Package testbed simulates darknet markets reachable as v3 onion services, with ground
// truth, for crawl, extraction, alert and throughput tests and for analyst training
// (`darkwatch testbed`).
//
// A World is built from Options (seed, day, number of markets and listings, fault mode).
// It is deterministic: the same seed and day give byte-identical pages and Truth. Listings
// are derived lazily from (seed, market, index); only a small skeleton per listing is kept,
// pages are rendered on demand, so 20 markets x 5,000 listings fit in one process.
//
// Four market families have distinct HTML: classic (Dream/Empire style), rushop (Hydra
// style, Russian, some pages in windows-1251), forum (Dread style) and shop (single vendor).
// World.Handler serves them by Host header; World.Listen adds a SOCKS5 emulator that
// resolves only the markets' onion names and answers Tor ExtendedErrors codes.
// Truth returns listings and vendors exactly as extract.Listing / extract.Vendor records.
//
// Imports: extract (record types) and extract/substance (canonical names) only from the
// project; it must not import crawler, index or config.
//
// Concurrency: World, its Handler and Server are safe for concurrent use. Server.Close
// waits for its goroutines.
package testbed
