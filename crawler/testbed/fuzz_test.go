package testbed_test

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/testbed"
)

// FuzzSOCKS sends arbitrary bytes to the SOCKS emulator: it must neither hang nor crash.
func FuzzSOCKS(f *testing.F) {
	w, err := testbed.New(testbed.Options{Seed: 1, Listings: 5})
	if err != nil {
		f.Fatal(err)
	}
	srv, err := w.Listen(testbed.ServerOptions{})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	host := w.Markets()[0].Host
	ok := append([]byte{5, 1, 0, 5, 1, 0, 3, byte(len(host))}, host...)
	f.Add(append(ok, 0, 80))
	f.Add([]byte{5, 1, 2, 1, 1, 'u', 1, 'p', 5, 1, 0, 1, 127, 0, 0, 1, 0, 80})
	f.Add([]byte{4, 1, 0, 80, 127, 0, 0, 1, 0})
	f.Add([]byte{5, 255})
	f.Add([]byte{5, 1, 0, 5, 2, 0, 3, 3, 'a', '.', 'b', 0, 80})
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := net.Dial("tcp", srv.SOCKSAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		c.Write(in)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		io.Copy(io.Discard, io.LimitReader(c, 1<<16))
	})
}
