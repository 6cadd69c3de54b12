// Package status is the market status the API shows (index/api.MarketStatus), read from
// the crawl frontier's statistics: live from the crawl's own frontier (crawl --serve), by
// opening the frontier per request (serve beside a Redis frontier, or an embedded one no
// crawl holds), or from the snapshot file a crawl writes (<data_dir>/crawl-status.json)
// when it holds the embedded frontier file. It owns that file's format and its atomic
// replacement.
//
// It imports crawler/frontier and index/api (which must not import the crawler); it must
// not import config: the markets and the way to open a frontier are given.
//
// Concurrency: Live and Frontier are safe for concurrent use; a Writer's Run is called
// once and returns after its final write.
package status
