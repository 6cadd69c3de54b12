// Package index stores extracted records and answers searches over them.
//
// It declares the Store interface that every backend implements (index/bleve for the
// embedded default, index/elastic for Elasticsearch, index/spool as a durable outage
// buffer in front of Elasticsearch), the query model (Query, Result, Bucket), novelty
// (create-if-absent keys used by alerts) and the merge rules shared by all backends, so
// the backends give the same answers. The conformance suite in index/indextest is the
// definition of those answers.
//
// Package index imports extract/record (the record types) and extract/substance (the
// tagger, for untagged listings) only; it must not import the extractor (package extract,
// goquery), config, crawler or any backend client library; TestDependencies checks the
// whole index tree. Backends import index, never the reverse; index/open
// chooses a backend.
//
// Concurrency: the helpers here are pure functions. Every Store implementation is safe
// for concurrent use by multiple goroutines.
package index
