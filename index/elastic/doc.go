// Package elastic is the Elasticsearch index.Store (go-elasticsearch v8).
//
// Indices (one per record kind: listings, vendors, observations, novelty, alerts) are
// versioned, <prefix>-<kind>-v<N>, and reached through the alias <prefix>-<kind>. Index
// templates carry explicit mappings: keyword for ids, codes and entities; text (standard
// analyzer) with a .keyword sub-field for titles and descriptions; scaled_float prices
// (scaling_factor 100; double when the cluster lacks the mapper-extras module); dates for
// times. Derived filter fields live under "dw." so _source stays the exact record.
// Migrate creates or updates templates, indices and aliases idempotently, and copies the
// documents into a new index when a kind's version changes.
//
// Writes go through one esutil.BulkIndexer. Upserts are read-merge-write with optimistic
// concurrency (if_seq_no/if_primary_term, create when absent) and are retried on conflict,
// so concurrent crawler processes converge. Items failing with 429 or 5xx are replayed
// with backoff; connection failures and 5xx are returned wrapped in index.ErrUnavailable
// (index/spool buffers them). Novelty uses op_type=create: 201 is new, 409 is not.
//
// It imports index and extract/record; go-elasticsearch stays inside this package tree.
//
// Concurrency: a Store is safe for concurrent use by many goroutines and many processes.
package elastic
