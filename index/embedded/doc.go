// Package embedded is the default, server-less index.Store: a Bleve v2 (scorch) index for
// search and aggregations and a bbolt file for full records, observations and novelty
// keys, both under one data directory.
//
// Layout: <dir>/records.db (bbolt: listings, vendors, observations, novelty, meta),
// <dir>/listings.bleve and <dir>/memindex.bin. bbolt is the source of truth; the Bleve
// index and the in-memory index are rebuilt from it when a previous process died between
// the writes (a "dirty" mark in meta).
//
// Queries without free text (filters, facet counts, sorts, pages) are answered by the
// in-memory index (memindex.go: bitmaps per keyword value, sorted numeric columns), at a
// cost that follows the page and the number of distinct values rather than the corpus;
// free-text queries go through Bleve. The in-memory index is saved to memindex.bin by
// Close and loaded by the next Open.
//
// It imports index and extract/record, never config or crawler.
//
// Concurrency: a Store is safe for concurrent use. Writes are serialised by one mutex
// (read-merge-write of a batch is atomic); Novel is a create-if-absent inside one bbolt
// Update transaction, so exactly one caller wins per key. The data directory is locked by
// the process that opens it (bbolt file lock): one process at a time. Several crawler
// processes must share Elasticsearch instead.
package embedded
