package tor

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// controlConn is a minimal Tor control-protocol client (control-spec.txt):
// enough for AUTHENTICATE, GETINFO, SIGNAL and SETEVENTS.
type controlConn struct {
	c  net.Conn
	r  *bufio.Reader
	mu sync.Mutex
}

// ErrControl is wrapped by every control-port failure.
var ErrControl = errors.New("tor: control port")

func dialControl(ctx context.Context, ep Endpoint) (*controlConn, error) {
	var nd net.Dialer // ep.Control is an IP literal, checked in New
	c, err := nd.DialContext(ctx, "tcp", ep.Control)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrControl, ep.Control, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	cc := &controlConn{c: c, r: bufio.NewReader(c)}
	if err := cc.authenticate(ep); err != nil {
		c.Close()
		return nil, fmt.Errorf("%w %s: %w", ErrControl, ep.Control, err)
	}
	return cc, nil
}

func (cc *controlConn) Close() error { return cc.c.Close() }

// reply is one control reply: status code and its lines (without the
// "250-"/"250 " prefix); data lines of "250+" blocks are joined with "\n".
type reply struct {
	status int
	lines  []string
}

func (cc *controlConn) readReply() (reply, error) {
	var rp reply
	for {
		line, err := cc.r.ReadString('\n')
		if err != nil {
			return rp, err
		}
		line = strings.TrimRight(line, "\r\n")
		if len(line) < 4 {
			return rp, fmt.Errorf("short reply line %q", line)
		}
		var status int
		if _, err := fmt.Sscanf(line[:3], "%d", &status); err != nil {
			return rp, fmt.Errorf("bad reply line %q", line)
		}
		sep, text := line[3], line[4:]
		if status == 650 && rp.status == 0 {
			// Asynchronous event (after SETEVENTS): skip it, with its
			// continuation lines ("650-", "650+" data blocks).
			for sep != ' ' {
				if sep == '+' {
					for {
						l, err := cc.r.ReadString('\n')
						if err != nil {
							return rp, err
						}
						if strings.TrimRight(l, "\r\n") == "." {
							break
						}
					}
				}
				l, err := cc.r.ReadString('\n')
				if err != nil {
					return rp, err
				}
				l = strings.TrimRight(l, "\r\n")
				if len(l) < 4 {
					break
				}
				sep = l[3]
			}
			continue
		}
		rp.status = status
		if sep == '+' {
			var data []string
			for {
				l, err := cc.r.ReadString('\n')
				if err != nil {
					return rp, err
				}
				l = strings.TrimRight(l, "\r\n")
				if l == "." {
					break
				}
				data = append(data, strings.TrimPrefix(l, "."))
			}
			text += "\n" + strings.Join(data, "\n")
		}
		rp.lines = append(rp.lines, text)
		if sep == ' ' {
			return rp, nil
		}
	}
}

// cmd sends one command and returns its reply; non-2xx is an error.
func (cc *controlConn) cmd(line string) (reply, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if _, err := cc.c.Write([]byte(line + "\r\n")); err != nil {
		return reply{}, err
	}
	rp, err := cc.readReply()
	if err != nil {
		return rp, err
	}
	if rp.status/100 != 2 {
		verb, _, _ := strings.Cut(line, " ")
		return rp, fmt.Errorf("%s: %d %s", verb, rp.status, strings.Join(rp.lines, "; "))
	}
	return rp, nil
}

func (cc *controlConn) authenticate(ep Endpoint) error {
	if ep.ControlPassword != "" {
		_, err := cc.cmd("AUTHENTICATE " + quote(ep.ControlPassword))
		return err
	}
	cookieFile := ep.CookieFile
	if cookieFile == "" {
		rp, err := cc.cmd("PROTOCOLINFO 1")
		if err != nil {
			return err
		}
		for _, l := range rp.lines {
			if rest, ok := strings.CutPrefix(l, "AUTH "); ok {
				if methods := field(rest, "METHODS"); !strings.Contains(methods, "COOKIE") {
					if strings.Contains(methods, "NULL") {
						_, err := cc.cmd("AUTHENTICATE")
						return err
					}
					return fmt.Errorf("no usable auth method in %q (set ControlPassword)", methods)
				}
				cookieFile = field(rest, "COOKIEFILE")
			}
		}
		if cookieFile == "" {
			return errors.New("PROTOCOLINFO gave no COOKIEFILE")
		}
	}
	cookie, err := os.ReadFile(cookieFile)
	if err != nil {
		return fmt.Errorf("read cookie: %w", err)
	}
	_, err = cc.cmd("AUTHENTICATE " + hex.EncodeToString(cookie))
	return err
}

// field returns KEY=value or KEY="quoted value" from a control reply line.
func field(line, key string) string {
	i := strings.Index(" "+line, " "+key+"=")
	if i < 0 {
		return ""
	}
	v := line[i+len(key)+1:]
	if strings.HasPrefix(v, `"`) {
		var b strings.Builder
		for j := 1; j < len(v); j++ {
			switch v[j] {
			case '\\':
				if j+1 < len(v) {
					j++
					b.WriteByte(v[j])
				}
			case '"':
				return b.String()
			default:
				b.WriteByte(v[j])
			}
		}
		return b.String()
	}
	v, _, _ = strings.Cut(v, " ")
	return v
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// getInfo returns GETINFO key's value.
func (cc *controlConn) getInfo(key string) (string, error) {
	rp, err := cc.cmd("GETINFO " + key)
	if err != nil {
		return "", err
	}
	for _, l := range rp.lines {
		if v, ok := strings.CutPrefix(l, key+"="); ok {
			return strings.TrimPrefix(v, "\n"), nil
		}
	}
	return "", fmt.Errorf("GETINFO %s: no value", key)
}

// checkEndpoint is one health check: for endpoints with a control port,
// bootstrap PROGRESS=100 and circuit-established=1; otherwise a TCP connect
// to the SOCKS port.
func checkEndpoint(ctx context.Context, ep Endpoint) error {
	if ep.Control == "" {
		var nd net.Dialer
		c, err := nd.DialContext(ctx, "tcp", ep.Socks)
		if err != nil {
			return err
		}
		return c.Close()
	}
	cc, err := dialControl(ctx, ep)
	if err != nil {
		return err
	}
	defer cc.Close()
	phase, err := cc.getInfo("status/bootstrap-phase")
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrControl, ep.Control, err)
	}
	if field(phase, "PROGRESS") != "100" {
		return fmt.Errorf("tor %s not bootstrapped: %s", ep.Control, phase)
	}
	est, err := cc.getInfo("status/circuit-established")
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrControl, ep.Control, err)
	}
	if strings.TrimSpace(est) != "1" {
		return fmt.Errorf("tor %s: no circuit established", ep.Control)
	}
	return nil
}

// Check runs one health check of every endpoint (in parallel), takes sick
// ones out of the routing ring and puts recovered ones back. It returns the
// failures joined, nil when all are healthy.
func (p *Pool) Check(ctx context.Context) error {
	errs := make([]error, len(p.eps))
	var wg sync.WaitGroup
	for i, e := range p.eps {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, p.opts.CheckTimeout)
			defer cancel()
			err := checkEndpoint(cctx, e.Endpoint)
			if ctx.Err() != nil {
				errs[i] = ctx.Err() // our own shutdown says nothing about the endpoint
				return
			}
			p.setHealth(e, err)
			if err != nil {
				errs[i] = fmt.Errorf("endpoint %s: %w", e.Socks, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Run checks the endpoints now and every CheckInterval until ctx ends; it
// returns nil then. Check failures are logged (as endpoint state changes),
// not returned.
func (p *Pool) Run(ctx context.Context) error {
	t := time.NewTicker(p.opts.CheckInterval)
	defer t.Stop()
	for {
		p.Check(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// SignalNewnym sends SIGNAL NEWNYM to the Tor client whose SOCKS or control
// address is endpoint: every market on that client gets new circuits
// (logged-in sessions there may be lost; prefer NewCircuit).
func (p *Pool) SignalNewnym(ctx context.Context, endpoint string) error {
	e, err := p.endpointByAddr(endpoint)
	if err != nil {
		return err
	}
	if e.Control == "" {
		return fmt.Errorf("%w: endpoint %s has no control port", ErrControl, e.Socks)
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.CheckTimeout)
	defer cancel()
	cc, err := dialControl(ctx, e.Endpoint)
	if err != nil {
		return err
	}
	defer cc.Close()
	if _, err := cc.cmd("SIGNAL NEWNYM"); err != nil {
		return fmt.Errorf("%w %s: %w", ErrControl, e.Control, err)
	}
	p.log.Info("tor_newnym", "endpoint", e.Socks)
	return nil
}
