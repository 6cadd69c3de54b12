package tor_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/tor"
	"golang.org/x/net/proxy"
)

// BenchmarkTransport compares pages/s and CPU per page through Pool's
// RoundTripper against a bare net/http loop over a plain x/net/proxy SOCKS5
// dialer, same concurrency, same target, alternating in the same run. Each
// page is a new SOCKS stream (Connection: close), so per-stream costs count.
//
// Targets:
//   - testbed-onion: the in-process testbed with onion faults (log-normal
//     connect and first-byte latency, failing CONNECTs, outages) at
//     TimeScale 0.01; failed fetches count as not fetched on both sides.
//   - fixed-delay: an in-test SOCKS server with a 5 ms connect delay in
//     front of a 20 KiB page.
//   - external: DARKWATCH_BENCH_SOCKS + DARKWATCH_BENCH_URLS (comma list),
//     e.g. a `darkwatch testbed --faults onion` or the tornet.
func BenchmarkTransport(b *testing.B) {
	if s := os.Getenv("DARKWATCH_BENCH_SOCKS"); s != "" {
		urls := strings.Split(os.Getenv("DARKWATCH_BENCH_URLS"), ",")
		if urls[0] == "" {
			b.Fatal("DARKWATCH_BENCH_URLS not set")
		}
		b.Run("external", func(b *testing.B) { benchTransport(b, s, urls) })
		return
	}
	b.Run("testbed-onion", func(b *testing.B) {
		srv := startTestbed(b, "onion")
		var urls []string
		for _, m := range srv.Ready().Markets {
			urls = append(urls, m.URL)
		}
		benchTransport(b, srv.SOCKSAddr(), urls)
	})
	b.Run("fixed-delay", func(b *testing.B) {
		page := strings.Repeat("<p>listing row with some text</p>\n", 600) // ~20 KiB
		backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, page)
		}))
		defer backend.Close()
		srv := newSOCKSServer(b, backend.Listener.Addr().String(), nil)
		srv.delay = 5 * time.Millisecond
		var urls []string
		for c := byte('a'); c <= 'h'; c++ {
			urls = append(urls, "http://"+onion(c)+"/listing")
		}
		benchTransport(b, srv.Addr(), urls)
	})
}

func benchTransport(b *testing.B, socksAddr string, urls []string) {
	const workers, perWorker = 8, 4
	p, err := tor.New(tor.Options{Endpoints: []tor.Endpoint{{Socks: socksAddr}}, AllowClearnet: true})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ours := &http.Client{Transport: p.RoundTripper()}

	sd, err := proxy.SOCKS5("tcp", socksAddr, &proxy.Auth{User: "bench", Password: "bench"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	bareT := &http.Transport{DialContext: sd.(proxy.ContextDialer).DialContext, MaxIdleConnsPerHost: workers}
	defer bareT.CloseIdleConnections()
	bare := &http.Client{Transport: bareT}

	type totals struct {
		wall, cpu time.Duration
		ok, fail  int
	}
	// batch fetches workers*perWorker pages.
	batch := func(client *http.Client, t *totals) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		cpu0 := cpuTime()
		start := time.Now()
		for w := range workers {
			wg.Go(func() {
				for i := range perWorker {
					u := urls[(w*perWorker+i)%len(urls)]
					// Our side routes by host: one market per onion, as
					// the crawler does (and as many circuits as bare's).
					req, _ := http.NewRequestWithContext(context.Background(), "GET", u, nil)
					req.Close = true
					resp, err := client.Do(req)
					ok := err == nil
					if ok {
						_, err = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						ok = err == nil && resp.StatusCode == 200
					}
					mu.Lock()
					if ok {
						t.ok++
					} else {
						t.fail++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		t.wall += time.Since(start)
		t.cpu += cpuTime() - cpu0
	}
	// Warm up: circuits (one per onion and credential) are built before
	// timing; cold-start cost is not transport overhead.
	var o, r totals
	batch(ours, &o)
	batch(bare, &r)
	o, r = totals{}, totals{}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 { // ABBA order: drift in machine load hits both sides alike
			batch(ours, &o)
			batch(bare, &r)
		} else {
			batch(bare, &r)
			batch(ours, &o)
		}
	}
	if o.ok == 0 || r.ok == 0 {
		b.Fatalf("no page fetched: ours %+v, bare %+v", o, r)
	}
	oursRate := float64(o.ok) / o.wall.Seconds()
	bareRate := float64(r.ok) / r.wall.Seconds()
	b.ReportMetric(oursRate, "pages/s")
	b.ReportMetric(bareRate, "bare-pages/s")
	b.ReportMetric(oursRate/bareRate, "ratio")
	b.ReportMetric(float64(o.cpu.Microseconds())/float64(o.ok), "cpu-µs/page")
	b.ReportMetric(float64(r.cpu.Microseconds())/float64(r.ok), "bare-cpu-µs/page")
	b.ReportMetric(float64(o.fail)/float64(o.ok+o.fail), "fail-frac")
	b.ReportMetric(float64(r.fail)/float64(r.ok+r.fail), "bare-fail-frac")
}

// cpuTime is this process's user+system CPU time (both transports and the
// in-process servers: the servers' share is the same for both sides).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
