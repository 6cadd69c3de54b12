// Package pipeline is what happens to a crawled page after extraction: its records are
// stamped (market, first and last seen, capture), sorted into full and partial records
// (index.ToStore: listings read from cards, a listing's tab sub-page), stored, and shown to
// the alert engine, whose novelty checks go through the store's outage path (the
// Elasticsearch spool) when it has one. A *Sink is the crawler's crawler.Sink: Put returns
// only once the page's records and its alert observation are durable, so the crawler acks
// the page after it.
//
// It sits under crawler because it joins the two trees: it imports crawler (the page it
// receives), index (the store and its merge rules) and index/alert (the observation); the
// index tree must not import the crawler, and the crawler's root package must not import
// the index. It must not import config or extract (records come from extract/record
// through crawler.Page).
//
// Lifecycle: New starts nothing. Run(ctx) runs the background work of the pipeline's parts
// (the spool's replay loop, the alert engine's delivery loop) until ctx ends or Close is
// called, and returns when they have stopped. Put and Flush are safe for concurrent use by
// many crawl workers; Close is idempotent and does not close the store or the engine (their
// owner does).
package pipeline
