package tor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/net/proxy"
)

// Dialer dials through the pool for one market. It implements
// proxy.ContextDialer (and so fits http.Transport.DialContext).
type Dialer struct {
	pool   *Pool
	market string
}

var _ proxy.ContextDialer = (*Dialer)(nil)
var _ proxy.Dialer = (*Dialer)(nil)

// Dial is DialContext with a background context (for proxy.Dialer).
func (d *Dialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

// DialContext opens a stream to addr (host:port) through the market's Tor
// endpoint, with the market's SOCKS credentials. The host name is sent to
// Tor as is (SOCKS5 ATYP domain); it is never resolved here. Errors from
// Tor are *Error (see Policy).
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	p := d.pool
	if p == nil {
		return nil, ErrNoProxy
	}
	if p.closed.Load() {
		return nil, ErrClosed
	}
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("dial %s %s: %w", network, addr, errNotTCP)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("tor: dial %s: %w", addr, err)
	}
	if !p.opts.AllowClearnet && !IsOnion(host) {
		return nil, fmt.Errorf("dial %s: %w", addr, ErrClearnetRefused)
	}
	ep, err := p.pick(d.market)
	if err != nil {
		return nil, fmt.Errorf("dial %s for %s: %w", addr, d.market, err)
	}
	gen := p.generationOf(d.market)
	user, pass := p.Credentials(d.market)
	ctx, cancel := context.WithTimeout(ctx, p.opts.ConnectTimeout)
	defer cancel()
	c, err := p.dialSOCKS(ctx, ep, addr, &proxy.Auth{User: user, Password: pass})
	if err != nil {
		return nil, err
	}
	return &idleConn{Conn: c, idle: p.opts.ReadIdleTimeout, pool: p, market: d.market, gen: gen}, nil
}

// IsOnion reports whether host is a .onion name.
func IsOnion(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return strings.HasSuffix(host, ".onion") && len(host) > len(".onion")
}

// dialSOCKS runs golang.org/x/net/proxy's SOCKS5 client over a TCP
// connection to the endpoint that records the first bytes the proxy sends:
// x/net/proxy reports reply codes only as text, and matching error strings
// is fragile, so the reply code is read back from the recorded handshake.
func (p *Pool) dialSOCKS(ctx context.Context, ep *endpoint, addr string, auth *proxy.Auth) (net.Conn, error) {
	rec := &recordingDialer{}
	sd, err := proxy.SOCKS5("tcp", ep.Socks, auth, rec)
	if err != nil { // only for bad arguments
		return nil, &Error{Op: "socks setup", Endpoint: ep.Socks, Addr: addr, Err: err}
	}
	c, err := sd.(proxy.ContextDialer).DialContext(ctx, "tcp", addr)
	if err != nil {
		e := &Error{Op: "socks connect", Endpoint: ep.Socks, Addr: addr, Err: err}
		switch {
		case rec.conn == nil || rec.dialErr != nil:
			e.Op = "proxy dial"
			if !isTimeout(err) {
				// The Tor client itself is unreachable: take it out of the
				// ring until a health check puts it back.
				p.setHealth(ep, err)
			}
		default:
			if code, ok := rec.conn.replyCode(); ok {
				e.Code = code
			} else {
				e.Op = "socks handshake" // auth refused, cut short, or timed out
			}
		}
		return nil, e
	}
	if c == net.Conn(rec.conn) {
		rec.conn.done = true
		return rec.conn.Conn, nil
	}
	return c, nil
}

// recordingDialer dials the SOCKS endpoint (an IP literal: no lookup) and
// remembers the connection.
type recordingDialer struct {
	conn    *recordingConn
	dialErr error
}

func (r *recordingDialer) Dial(network, addr string) (net.Conn, error) {
	return r.DialContext(context.Background(), network, addr)
}

func (r *recordingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer // addr is the endpoint's IP literal, checked in New
	c, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		r.dialErr = err
		return nil, err
	}
	r.conn = &recordingConn{Conn: c}
	return r.conn, nil
}

// recordingConn keeps the first bytes read during the SOCKS handshake.
type recordingConn struct {
	net.Conn
	buf  [16]byte
	n    int
	done bool
}

func (c *recordingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if !c.done && c.n < len(c.buf) {
		c.n += copy(c.buf[c.n:], b[:n])
	}
	return n, err
}

// replyCode parses the recorded server side of the handshake: method
// selection (2 bytes), RFC 1929 status (2 bytes, if method 0x02), then the
// CONNECT reply VER REP RSV ATYP. ok is false when the reply never came.
func (c *recordingConn) replyCode() (code byte, ok bool) {
	b := c.buf[:c.n]
	if len(b) < 2 || b[0] != 5 {
		return 0, false
	}
	off := 2
	if b[1] == 0x02 {
		if len(b) < 4 || b[3] != 0 {
			return 0, false // auth rejected or cut short
		}
		off = 4
	}
	if len(b) < off+2 || b[off] != 5 {
		return 0, false
	}
	return b[off+1], b[off+1] != 0
}

// idleConn bounds silence: every Read gets a fresh deadline. It also
// refuses to write once its market moved to new circuits (NewCircuit): a
// keep-alive connection that was busy during NewCircuit returns to the idle
// pool afterwards, and its next request must not go out on the old circuit.
// Failing before any byte is written makes net/http retry the request on a
// new connection.
type idleConn struct {
	net.Conn
	idle   time.Duration
	pool   *Pool
	market string
	gen    uint64
}

// errStaleCircuit: the connection's market has moved to new circuits.
var errStaleCircuit = errors.New("tor: connection belongs to a retired circuit (NewCircuit)")

func (c *idleConn) Write(b []byte) (int, error) {
	if c.pool.generationOf(c.market) != c.gen {
		c.Conn.Close()
		return 0, errStaleCircuit
	}
	return c.Conn.Write(b)
}

func (c *idleConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}
