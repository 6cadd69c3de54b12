// Package spool puts a durable on-disk buffer in front of an index.Store whose backend can
// be unreachable (Elasticsearch). When a put fails with index.ErrUnavailable, the records
// are appended to NDJSON files under a spool directory (each append fsynced before the put
// returns) and Run replays them in the background, oldest first, once the backend answers.
// While anything is spooled, new puts are spooled too, so records are replayed in order.
// Replay is at-least-once; Store upserts and observation ids are idempotent and merges do
// not depend on order, so a replayed file never duplicates or regresses data.
//
// It imports index, extract/record and internal/runonce only.
//
// Concurrency: a Store is safe for concurrent use. New starts nothing; Run(ctx) replays in
// the background until ctx ends or Close, which waits for it. One process per spool
// directory.
package spool
