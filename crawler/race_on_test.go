//go:build race

package crawler_test

// The race detector multiplies memory use; bounds on RSS take it into account.
const raceMemFactor = 3
