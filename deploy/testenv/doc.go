// Package testenv tells tests where the real services are: Redis, Elasticsearch and Tor
// started by deploy/dev/services.sh, whose addresses arrive in DARKWATCH_TEST_* variables.
//
//	eval "$(deploy/dev/services.sh start)"
//	go test ./...
//	deploy/dev/services.sh stop
//
// Each accessor returns the address of one service. When its variable is unset the test is
// skipped, so `go test ./...` passes on a laptop without services; when CI=true a missing
// variable fails the test instead, so CI cannot go green by skipping what it must test.
//
// Proxy stands in for a service's outage: a TCP forwarder a test cuts (the port refuses,
// open connections drop) and restores on the same address.
//
// testenv is imported by tests only. It must not import any darkwatch package nor any
// service client (go-redis, go-elasticsearch): each client stays in the tree that owns it.
//
// Concurrency: the functions only read the environment and are safe for parallel tests.
package testenv
