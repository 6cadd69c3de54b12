// Package tor is the only way darkwatch reaches the network: SOCKS5 dialing
// through a pool of Tor clients, with per-market sticky routing, per-market
// circuit isolation, typed Tor errors and health checks.
//
// Fail-closed. New refuses an empty endpoint list (ErrNoProxy). The only
// net.Dialer in the package dials a configured SOCKS or control endpoint, and
// New accepts only IP literals for those, so no name is ever looked up
// locally. Targets are handed to Tor by name (SOCKS5 ATYP 0x03). Non-.onion
// hosts are refused (ErrClearnetRefused) unless Options.AllowClearnet, and
// even then go through Tor. HTTPTransport sets Proxy to nil and DialContext
// to the pool's dialer only.
//
// Routing and isolation. Each market key (a market name or an onion host)
// sticks to one endpoint by rendezvous hashing over the healthy endpoints, so
// a sick endpoint moves only its own markets. Each market presents its own
// SOCKS username/password (HMAC of the market name with
// Options.IsolationSecret); Tor's IsolateSOCKSAuth (default on every
// SocksPort) then never puts two markets on one circuit. NewCircuit changes
// one market's password, which gives it a new circuit without the SIGNAL
// NEWNYM that would also cut other markets' logged-in sessions; SignalNewnym
// is there for whole-client resets.
//
// Errors. With ExtendedErrors on the SocksPort, Tor answers with reply codes
// 0xF0-0xF7 for onion failures. golang.org/x/net/proxy (which does the SOCKS5
// handshake here) reports reply codes only as text, so the dialer records the
// first bytes the proxy sends and reads the code from them; no error string
// is matched. Dial errors are *Error with Code and Policy; errors.Is works
// with ErrHostDown, ErrRetrySoon, ErrBadAddress, ErrAuthRequired,
// ErrTorFailure.
//
// Timeouts. ConnectTimeout (default 90 s) covers the TCP connect to Tor, the
// SOCKS handshake and Tor's circuit to the target (cold onion circuits take
// tens of seconds). ReadIdleTimeout (default 60 s) bounds silence on an open
// connection, including the wait for the first byte.
//
// Request profile. BrowserHeaders is Tor Browser 14's request header set;
// RoundTripper applies it to every request (overriding any User-Agent a
// crawler library sets) and decodes gzip/deflate bodies.
//
// Health. New does no I/O and starts every endpoint healthy. Check probes
// each endpoint once (control port: AUTHENTICATE by password, cookie file,
// or the COOKIEFILE from PROTOCOLINFO; then bootstrap PROGRESS=100 and
// circuit-established=1; without a control port, a TCP connect to the SOCKS
// port). A failed TCP connect to a SOCKS port also takes that endpoint out at
// once. Only Check (or Run, which calls it every CheckInterval) puts an
// endpoint back, so long-running crawlers must run Run.
//
// Bodies. RoundTripper decodes gzip/deflate lazily while the caller reads:
// a decompression bomb costs only what the caller's size limit lets it read.
//
// Memory: one cached http.Transport and one credential pair per market key
// (RoundTripper keys by host when the context carries no market), so keep
// market keys bounded (scope the crawl).
//
// Tests: go test -race ./crawler/tor/ runs everything that needs no Tor
// (in-test SOCKS and control-port fakes, the testbed's SOCKS emulator). The
// end-to-end test needs the private Tor network: deploy/tornet/e2e.sh, or
// eval "$(deploy/tornet/tornet.sh start --testbed BIN)" before go test.
// BenchmarkTransport compares against a bare x/net/proxy loop.
//
// Imports: standard library and golang.org/x/net/proxy only (tests also use
// crawler/testbed); never config, frontier, extract or index.
//
// Concurrency: Pool, Dialer and the RoundTripper are safe for concurrent
// use. Check runs one goroutine per endpoint and waits for them; Run blocks
// until its context ends and leaves no goroutine behind. Dialer.Dial (the
// proxy.Dialer form) uses a background context bounded by ConnectTimeout.
package tor
