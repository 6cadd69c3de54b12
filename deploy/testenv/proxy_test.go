package testenv_test

import (
	"bufio"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/darkwatch/darkwatch/deploy/testenv"
)

// echoServer answers each line with the same line until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					if _, err := c.Write(append(sc.Bytes(), '\n')); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

// roundTrip sends a line over c and returns the answer ("" and the error when there is none).
func roundTrip(c net.Conn, line string) (string, error) {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	return got, err
}

// reaches says whether a new connection through the proxy gets the echo.
func reaches(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	got, err := roundTrip(c, "hello")
	return err == nil && got == "hello\n"
}

// TestProxyCutRestore: the proxy forwards; Cut drops the open connections and refuses new
// ones, leaving no goroutine behind; a second Cut changes nothing; Restore forwards again
// on the same address.
func TestProxyCutRestore(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // registered first: runs after every other cleanup
	p := testenv.NewProxy(t, echoServer(t))
	if !reaches(p.Addr()) {
		t.Fatal("before Cut: a new connection did not reach the target")
	}
	open, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if _, err := roundTrip(open, "first"); err != nil {
		t.Fatalf("before Cut: %v", err)
	}

	p.Cut()
	if got, err := roundTrip(open, "second"); err == nil {
		t.Errorf("after Cut: an open connection still answered %q, want it closed", got)
	}
	if reaches(p.Addr()) {
		t.Error("after Cut: a new connection reached the target, want refused")
	}
	p.Cut()
	if reaches(p.Addr()) {
		t.Error("after a second Cut: a new connection reached the target, want refused")
	}

	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	if !reaches(p.Addr()) {
		t.Error("after Restore: a new connection did not reach the target")
	}
}
