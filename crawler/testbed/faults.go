package testbed

import (
	"net/http"
	"time"
)

type faultState struct{}

// serveFault answers the request with a fault when the world's fault mode says so, and
// reports whether it did.
func (w *World) serveFault(rw http.ResponseWriter, r *http.Request, m *market, conc int64) bool {
	return false
}

// writeBody writes a page body, throttled to the per-stream bandwidth cap with onion faults.
func (w *World) writeBody(rw http.ResponseWriter, r *http.Request, body []byte) {
	rw.Write(body)
}

// connectFault returns the SOCKS reply code for a CONNECT to host (0 = success).
func (w *World) connectFault(host, user string) byte { return SocksSucceeded }

// connectDelay is the simulated circuit and rendezvous setup time for a new stream.
func (w *World) connectDelay(host string) time.Duration { return 0 }
