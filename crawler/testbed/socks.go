package testbed

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// SOCKS5 reply codes (RFC 1928) and Tor's ExtendedErrors codes (tor's SocksPort
// ExtendedErrors flag), as sent by the emulator.
const (
	SocksSucceeded          byte = 0x00
	SocksGeneralFailure     byte = 0x01
	SocksHostUnreachable    byte = 0x04
	SocksTTLExpired         byte = 0x06
	SocksCommandUnsupported byte = 0x07
	SocksAddrUnsupported    byte = 0x08
	SocksOnionDescNotFound  byte = 0xF0
	SocksOnionDescInvalid   byte = 0xF1
	SocksOnionIntroFailed   byte = 0xF2
	SocksOnionRendFailed    byte = 0xF3
	SocksOnionMissingAuth   byte = 0xF4
	SocksOnionWrongAuth     byte = 0xF5
	SocksOnionBadAddress    byte = 0xF6
	SocksOnionIntroTimeout  byte = 0xF7
)

// Server is a running testbed: the HTTP listener (market pages routed by Host plus
// /_testbed/stats) and the SOCKS5 emulator.
type Server struct {
	w        *World
	httpLn   net.Listener
	socksLn  net.Listener
	srv      *http.Server
	inner    chan net.Conn // connections from SOCKS streams to the HTTP server
	wg       sync.WaitGroup
	closeOne sync.Once
	done     chan struct{}
}

// ServerOptions say where to listen. Empty addresses mean 127.0.0.1:0.
type ServerOptions struct {
	HTTP  string
	SOCKS string
}

// Ready is the ready line printed by `darkwatch testbed` (DESIGN.md §9).
type Ready struct {
	HTTP    string        `json:"http"`
	SOCKS   string        `json:"socks"`
	Markets []ReadyMarket `json:"markets"`
}

// ReadyMarket is one market in the ready line.
type ReadyMarket struct {
	Name   string `json:"name"`
	Family string `json:"family"`
	URL    string `json:"url"`
}

// Listen opens the listeners and starts serving. Close stops everything.
func (w *World) Listen(opts ServerOptions) (*Server, error) {
	if opts.HTTP == "" {
		opts.HTTP = "127.0.0.1:0"
	}
	if opts.SOCKS == "" {
		opts.SOCKS = "127.0.0.1:0"
	}
	s := &Server{w: w, inner: make(chan net.Conn), done: make(chan struct{})}
	var err error
	if s.httpLn, err = net.Listen("tcp", opts.HTTP); err != nil {
		return nil, fmt.Errorf("testbed listen http %s: %w", opts.HTTP, err)
	}
	if s.socksLn, err = net.Listen("tcp", opts.SOCKS); err != nil {
		s.httpLn.Close()
		return nil, fmt.Errorf("testbed listen socks %s: %w", opts.SOCKS, err)
	}
	s.srv = &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 30 * time.Second}
	s.wg.Add(3)
	go func() { defer s.wg.Done(); s.srv.Serve(s.httpLn) }()
	go func() {
		defer s.wg.Done()
		s.srv.Serve(&chanListener{c: s.inner, done: s.done, addr: s.socksLn.Addr()})
	}()
	go func() { defer s.wg.Done(); s.acceptSOCKS() }()
	return s, nil
}

// HTTPAddr is the address of the plain HTTP listener.
func (s *Server) HTTPAddr() string { return s.httpLn.Addr().String() }

// SOCKSAddr is the address of the SOCKS5 emulator.
func (s *Server) SOCKSAddr() string { return s.socksLn.Addr().String() }

// Ready returns the ready line.
func (s *Server) Ready() Ready {
	r := Ready{HTTP: s.HTTPAddr(), SOCKS: s.SOCKSAddr(), Markets: []ReadyMarket{}}
	for _, m := range s.w.Markets() {
		r.Markets = append(r.Markets, ReadyMarket{Name: m.Name, Family: m.Family, URL: m.URL})
	}
	return r
}

// Close stops the listeners and waits for the serving goroutines. Idempotent.
func (s *Server) Close() error {
	s.closeOne.Do(func() {
		close(s.done)
		s.socksLn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		s.srv.Shutdown(ctx)
		cancel()
		s.srv.Close()
		s.wg.Wait()
	})
	return nil
}

type chanListener struct {
	c    chan net.Conn
	done chan struct{}
	addr net.Addr
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.c:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}
func (l *chanListener) Close() error   { return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }

func (s *Server) acceptSOCKS() {
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := s.socksLn.Accept()
		if err != nil {
			return
		}
		conns.Add(1)
		go func() {
			defer conns.Done()
			s.serveSOCKS(c)
		}()
	}
}

var errSOCKS = errors.New("socks protocol error")

// serveSOCKS handles one client: RFC 1928 greeting (no-auth or RFC 1929 user/pass),
// CONNECT to a domain name only, then pipes the stream to the in-process HTTP server.
func (s *Server) serveSOCKS(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	host, user, err := socksHandshake(c)
	if err != nil {
		return
	}
	code := s.w.connectFault(host, user)
	if code == SocksSucceeded {
		if _, ok := s.w.byHost[host]; !ok {
			code = SocksOnionBadAddress
			if !strings.HasSuffix(host, ".onion") {
				code = SocksHostUnreachable
			}
		}
	}
	if code == SocksSucceeded {
		if d := s.w.connectDelay(host); d > 0 {
			select {
			case <-time.After(d):
			case <-s.done:
				return
			}
		}
	}
	reply := []byte{5, code, 0, 1, 0, 0, 0, 0, 0, 0}
	if _, err := c.Write(reply); err != nil || code != SocksSucceeded {
		return
	}
	c.SetDeadline(time.Time{})
	a, b := net.Pipe()
	select {
	case s.inner <- a:
	case <-s.done:
		return
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		io.Copy(b, c)
		b.Close()
	}()
	io.Copy(c, b)
	c.Close()
	b.Close()
	wg.Wait()
}

func socksHandshake(c net.Conn) (host, user string, err error) {
	var hdr [2]byte
	if _, err = io.ReadFull(c, hdr[:]); err != nil {
		return "", "", err
	}
	if hdr[0] != 5 {
		return "", "", errSOCKS
	}
	methods := make([]byte, hdr[1])
	if _, err = io.ReadFull(c, methods); err != nil {
		return "", "", err
	}
	method := byte(0xFF)
	for _, m := range methods {
		if m == 2 {
			method = 2
			break
		}
		if m == 0 {
			method = 0
		}
	}
	if _, err = c.Write([]byte{5, method}); err != nil {
		return "", "", err
	}
	switch method {
	case 0xFF:
		return "", "", errSOCKS
	case 2:
		var v [2]byte
		if _, err = io.ReadFull(c, v[:]); err != nil {
			return "", "", err
		}
		u := make([]byte, v[1])
		if _, err = io.ReadFull(c, u); err != nil {
			return "", "", err
		}
		var pl [1]byte
		if _, err = io.ReadFull(c, pl[:]); err != nil {
			return "", "", err
		}
		p := make([]byte, pl[0])
		if _, err = io.ReadFull(c, p); err != nil {
			return "", "", err
		}
		user = string(u)
		if _, err = c.Write([]byte{1, 0}); err != nil {
			return "", "", err
		}
	}
	var req [4]byte
	if _, err = io.ReadFull(c, req[:]); err != nil {
		return "", "", err
	}
	if req[0] != 5 {
		return "", "", errSOCKS
	}
	fail := func(code byte) (string, string, error) {
		c.Write([]byte{5, code, 0, 1, 0, 0, 0, 0, 0, 0})
		return "", "", errSOCKS
	}
	switch req[3] {
	case 3:
		var l [1]byte
		if _, err = io.ReadFull(c, l[:]); err != nil {
			return "", "", err
		}
		name := make([]byte, l[0])
		if _, err = io.ReadFull(c, name); err != nil {
			return "", "", err
		}
		host = strings.ToLower(string(name))
	case 1, 4:
		n := 4
		if req[3] == 4 {
			n = 16
		}
		io.ReadFull(c, make([]byte, n+2))
		return fail(SocksAddrUnsupported)
	default:
		return fail(SocksAddrUnsupported)
	}
	var port [2]byte
	if _, err = io.ReadFull(c, port[:]); err != nil {
		return "", "", err
	}
	_ = binary.BigEndian.Uint16(port[:])
	if req[1] != 1 {
		return fail(SocksCommandUnsupported)
	}
	return host, user, nil
}
