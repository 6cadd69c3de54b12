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
// Imports: standard library and golang.org/x/net/proxy only; never config,
// frontier, extract or index.
//
// Concurrency: Pool, Dialer and the RoundTripper are safe for concurrent
// use. Run owns one goroutine per health-check pass and returns when its
// context ends.
package tor
