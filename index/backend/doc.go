// Package backend opens the index.Store a configuration asks for: the embedded default
// (Bleve + bbolt under a data directory) or Elasticsearch behind a durable spool.
//
// It is the only package that imports every backend; cmd calls it with values taken from
// config (it does not import config itself).
//
// Concurrency: Open is safe to call from several goroutines; the returned Store is safe
// for concurrent use.
package backend
