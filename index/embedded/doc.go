// Package embedded is the default, server-less index.Store: a Bleve v2 (scorch) index for
// search and aggregations and a bbolt file for full records, observations and novelty
// keys, both under one data directory.
//
// Layout: <dir>/records.db (bbolt: listings, vendors, observations, novelty, meta),
// <dir>/listings.bleve and <dir>/memindex.bin. bbolt is the source of truth; the Bleve
// index and the in-memory index are rebuilt from it when a previous process died between
// the writes (a "dirty" mark in meta).
//
// Filters, facet counts, sorts and pages are answered by the in-memory index
// (memindex.go: bitmaps per keyword value, sorted numeric columns), at a cost that follows
// the page and the number of distinct values rather than the corpus. Free text is matched
// through Bleve's postings (textset.go): the matching set becomes a bitmap of the
// in-memory index, which then counts, sorts and pages it as any filter; a page sorted by
// relevance is scored from the same postings with Bleve's BM25, keeping only the page's
// best in a bounded heap (relevance.go). The facet counts of a single-value filter come
// from rows kept by writes (facetrows.go), those of any other set from one pass over it
// with per-doc value columns (aggcols.go). filters.go translates a query's filters once
// for both. The in-memory index is saved to memindex.bin by Close and loaded by the next Open.
// Bleve batches are searchable at once and written to disk in the background
// (bleveio.go); Close waits for them.
//
// It imports index and extract/record, never config or crawler.
//
// Concurrency: a Store is safe for concurrent use. Writes are serialised by one mutex
// (read-merge-write of a batch is atomic); Novel is a create-if-absent inside one bbolt
// Update transaction, so exactly one caller wins per key. The data directory is locked by
// the process that opens it (bbolt file lock): one process at a time. Several crawler
// processes must share Elasticsearch instead.
package embedded
