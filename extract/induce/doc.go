// Package induce learns a market profile (extract.Profile) from pages the generic extractor
// has already read: the listing-URL pattern, link classes and, per page kind, a CSS selector
// for each field whose generic values it reproduces on nearly every page. An induced profile
// is checked against the pages it was learned from (Report) before it is used.
//
// Learner wraps an *extract.Extractor for a crawl: it reads a market's first pages with the
// generic extractor, induces a profile once it has enough of them, uses it (merged with the
// generic extractor's values for the fields it does not cover) for the rest of the crawl,
// stores it under a directory (one YAML file per market with a checksum and provenance
// header) and learns again when the profile stops matching the pages.
//
// induce imports extract and nothing of crawler or index: it is a pure function of pages,
// apart from Learner's optional profile directory. Induce and Verify are safe for
// concurrent use; Learner is safe for concurrent use by the crawler's workers.
package induce
