// Package embedded is the default, server-less index.Store: a Bleve v2 (scorch) index for
// search and aggregations and a bbolt file for full records, observations and novelty
// keys, both under one data directory.
//
// Layout: <dir>/records.db (bbolt: listings, vendors, observations, novelty, meta) and
// <dir>/listings.bleve. bbolt is the source of truth; the Bleve index is rebuilt from it
// when a previous process died between the two writes (a "dirty" mark in meta).
//
// It imports index and extract, never config or crawler.
//
// Concurrency: a Store is safe for concurrent use. Writes are serialised by one mutex
// (read-merge-write of a batch is atomic); Novel is a create-if-absent inside one bbolt
// Update transaction, so exactly one caller wins per key. The data directory is locked by
// the process that opens it (bbolt file lock): one process at a time. Several crawler
// processes must share Elasticsearch instead.
package embedded
