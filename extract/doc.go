// Package extract turns one saved market page into records: listings, vendors, an
// interstitial (login wall, CAPTCHA, DDoS queue) or a not-found marker, plus the page's
// outgoing links classified for the crawler (listing, vendor, next, nav).
//
// Known markets are described by declarative profiles (YAML, embedded from profiles/*.yaml,
// plus user profiles from config): CSS selectors with small transforms per page type.
// Pages of markets without a profile go through the generic extractor: schema.org JSON-LD
// and microdata, label-value pairs ("Ships from", "Sold by", Russian labels), price and
// vendor-link heuristics and repeated-card detection on category and search pages, and
// offers in prose on forum threads. Every record then gets the same post-processing:
// prices to USD (extract/price), quantities and unit prices (extract/quantity), countries
// (extract/country), entities and PGP fingerprints (extract/entity) and substance tags
// (extract/substance).
//
// Extraction is a pure function of a page: this package must not import the crawler or the
// index, and it does no I/O beyond reading its embedded profiles. A field that cannot be
// parsed becomes an Issue on its record; a record is never dropped for one bad field.
// Hostile input is bounded: bodies are capped at MaxBodySize, regex work is linear (RE2),
// walks over the DOM are iterative or depth-capped, and panics become errors.
//
// Concurrency: an *Extractor is immutable after New and safe for concurrent use by many
// goroutines. Per-page scratch space (text buffers, the page's token index) comes from
// sync.Pools and is returned when Extract returns; nothing of it reaches a Result.
//
// Speed: the page is parsed once and every pass shares the DOM and its lazily built
// indexes: the page index (pageindex.go: one walk giving the page tokens, the anchors, each
// element's position and subtree, and the visible text with each element's text as a
// span of it, so reading an element's text neither walks nor allocates), the label index.
// Selectors are compiled once; regexps run behind a literal prefilter (quickRe) that
// never changes a result. BenchmarkExtract reports extraction against a goquery
// parse-only loop over the same bytes.
package extract
