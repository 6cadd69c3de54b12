//go:build !race

package crawler_test

const raceMemFactor = 1
