// Package capture keeps what the crawler saw as evidence: every HTTP response is written as a
// WARC 1.1 response record (github.com/nlnwa/gowarc) with the SHA-256 of its payload, and the
// caller gets back a reference (file, record id, digest) that travels on the extracted records.
//
// File names never contain the host name or IP of the machine (the library's default pattern
// does, which could cost a DNS lookup): see nameGenerator.
//
// A Writer is safe for concurrent use. Write returns after the record is flushed to the file.
// It imports nothing else of darkwatch.
package capture
