// Package config is darkwatch's one YAML configuration: schema, defaults, strict decoding and
// validation.
//
// Load starts from Default (the embedded single-machine mode: embedded frontier and index under
// one data directory), decodes the file strictly (unknown keys are errors) and validates it.
// Every problem is reported at once, each prefixed with its path in the file, for example
// "markets[1].seeds[0]: not a v3 onion URL".
//
// Only cmd/darkwatch imports this package; every other package takes its own Options struct,
// which cmd fills from a Config. Config values are plain data: safe to read from many
// goroutines, not to mutate concurrently.
package config
