package tor_test

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// socksServer is a tiny SOCKS5 server for tests: RFC 1929 auth, CONNECT,
// reply codes chosen per target host, and on success a pipe to backend.
type socksServer struct {
	t       testing.TB
	ln      net.Listener
	backend string          // host:port to splice successful streams to
	replies map[string]byte // target host -> reply code (0 = success)
	delay   time.Duration   // before the CONNECT reply

	mu    sync.Mutex
	conns []socksConn
	wg    sync.WaitGroup
}

type socksConn struct {
	User, Pass string
	ATYP       byte
	Target     string // host:port as received
}

func newSOCKSServer(t testing.TB, backend string, replies map[string]byte) *socksServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &socksServer{t: t, ln: ln, backend: backend, replies: replies}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

func (s *socksServer) Addr() string { return s.ln.Addr().String() }

func (s *socksServer) Close() {
	s.ln.Close()
	s.wg.Wait()
}

func (s *socksServer) Conns() []socksConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]socksConn(nil), s.conns...)
}

func (s *socksServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(c)
		}()
	}
}

func (s *socksServer) handle(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	var rec socksConn
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(r, hdr); err != nil || hdr[0] != 5 {
		return
	}
	methods := make([]byte, hdr[1])
	if _, err := io.ReadFull(r, methods); err != nil {
		return
	}
	method := byte(0xff)
	for _, m := range methods {
		if m == 2 {
			method = 2
		} else if m == 0 && method == 0xff {
			method = 0
		}
	}
	c.Write([]byte{5, method})
	if method == 0xff {
		return
	}
	if method == 2 {
		b := make([]byte, 2)
		if _, err := io.ReadFull(r, b); err != nil {
			return
		}
		u := make([]byte, b[1])
		io.ReadFull(r, u)
		pl, _ := r.ReadByte()
		pw := make([]byte, pl)
		io.ReadFull(r, pw)
		rec.User, rec.Pass = string(u), string(pw)
		c.Write([]byte{1, 0})
	}
	req := make([]byte, 4)
	if _, err := io.ReadFull(r, req); err != nil || req[1] != 1 {
		return
	}
	rec.ATYP = req[3]
	var host string
	switch req[3] {
	case 1:
		b := make([]byte, 4)
		io.ReadFull(r, b)
		host = net.IP(b).String()
	case 4:
		b := make([]byte, 16)
		io.ReadFull(r, b)
		host = net.IP(b).String()
	case 3:
		l, _ := r.ReadByte()
		b := make([]byte, l)
		io.ReadFull(r, b)
		host = string(b)
	default:
		return
	}
	pb := make([]byte, 2)
	io.ReadFull(r, pb)
	rec.Target = net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(pb))))
	s.mu.Lock()
	s.conns = append(s.conns, rec)
	s.mu.Unlock()
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	code := s.replies[host]
	var up net.Conn
	if code == 0 && s.backend != "" {
		var err error
		if up, err = net.Dial("tcp", s.backend); err != nil { // test backend only
			code = 5
		}
	}
	c.Write([]byte{5, code, 0, 1, 127, 0, 0, 1, 0, 0})
	if code != 0 || up == nil {
		return
	}
	defer up.Close()
	c.SetDeadline(time.Time{})
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, r); up.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	go func() { io.Copy(c, up); c.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	<-done
	<-done
}

// controlServer fakes a Tor control port: PROTOCOLINFO, AUTHENTICATE
// (cookie or password), GETINFO status/*, SIGNAL NEWNYM.
type controlServer struct {
	ln         net.Listener
	cookie     []byte
	cookieFile string
	password   string

	mu        sync.Mutex
	progress  int
	circuitOK bool
	signals   []string
	wg        sync.WaitGroup
}

func newControlServer(t testing.TB, cookieFile string, cookie []byte, password string) *controlServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &controlServer{ln: ln, cookie: cookie, cookieFile: cookieFile, password: password, progress: 100, circuitOK: true}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.handle(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *controlServer) Addr() string { return s.ln.Addr().String() }

func (s *controlServer) set(progress int, circuitOK bool) {
	s.mu.Lock()
	s.progress, s.circuitOK = progress, circuitOK
	s.mu.Unlock()
}

func (s *controlServer) Signals() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.signals...)
}

func (s *controlServer) handle(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	authed := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch verb {
		case "PROTOCOLINFO":
			methods := "COOKIE"
			if s.password != "" {
				methods = "HASHEDPASSWORD"
			}
			fmt.Fprintf(c, "250-PROTOCOLINFO 1\r\n250-AUTH METHODS=%s COOKIEFILE=\"%s\"\r\n250-VERSION Tor=\"0.4.9.11\"\r\n250 OK\r\n", methods, s.cookieFile)
		case "AUTHENTICATE":
			ok := (s.password != "" && arg == `"`+s.password+`"`) || (s.cookie != nil && arg == hex.EncodeToString(s.cookie))
			if !ok {
				fmt.Fprintf(c, "515 Authentication failed: Wrong length on authentication cookie.\r\n")
				return
			}
			authed = true
			fmt.Fprintf(c, "250 OK\r\n")
		case "GETINFO":
			if !authed {
				fmt.Fprintf(c, "514 Authentication required.\r\n")
				return
			}
			s.mu.Lock()
			p, ok := s.progress, s.circuitOK
			s.mu.Unlock()
			switch arg {
			case "status/bootstrap-phase":
				fmt.Fprintf(c, "250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=%d TAG=done SUMMARY=\"Done\"\r\n250 OK\r\n", p)
			case "status/circuit-established":
				v := 0
				if ok {
					v = 1
				}
				fmt.Fprintf(c, "250-status/circuit-established=%d\r\n250 OK\r\n", v)
			default:
				fmt.Fprintf(c, "552 Unrecognized key \"%s\"\r\n", arg)
			}
		case "SIGNAL":
			if !authed {
				fmt.Fprintf(c, "514 Authentication required.\r\n")
				return
			}
			s.mu.Lock()
			s.signals = append(s.signals, arg)
			s.mu.Unlock()
			fmt.Fprintf(c, "250 OK\r\n")
		default:
			fmt.Fprintf(c, "510 Unrecognized command \"%s\"\r\n", verb)
		}
	}
}
