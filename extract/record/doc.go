// Package record declares the records darkwatch extracts, stores and alerts on: listings,
// vendors, price observations, interstitials and their parts (prices, offers, substances,
// entities, captures, issues), the kinds of page and record, listing statuses, and the two
// pure functions the store needs about them (URLKey, MergePart).
//
// The extractor (package extract, which re-exports these types as aliases) produces them;
// the index, its backends, the alert engine and the API consume them. So that those
// consumers do not carry the extractor (goquery, profiles, the lexicon), this package
// imports only the standard library: it must not import extract, goquery or any other
// darkwatch package. TestNoDependencies checks it.
//
// Concurrency: the types are plain values; the functions are pure.
package record
