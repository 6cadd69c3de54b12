// Package indextest is the conformance suite of index.Store: the definition of the answers
// every backend gives. Backends call Run from their tests with a factory of empty stores.
//
// It imports index, extract/record and the testing package; never a backend.
package indextest
