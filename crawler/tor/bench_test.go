package tor_test

import (
	"context"
	"fmt"
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
// dialer, same concurrency, same target, in the same run. Each page is a new
// SOCKS stream (Connection: close), so the per-stream cost is included.
//
// Target: a testbed started with `darkwatch testbed --socks A --faults onion`
// when DARKWATCH_BENCH_SOCKS (its SOCKS address) and DARKWATCH_BENCH_URLS
// (comma-separated onion URLs from its ready line) are set; otherwise an
// in-test SOCKS server with a fixed 5 ms connect delay in front of a 20 KiB page.
func BenchmarkTransport(b *testing.B) {
	const workers = 8
	socksAddr, urls := benchTarget(b)

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

	// batch fetches workers*perWorker pages and returns wall and CPU time.
	const perWorker = 4
	batch := func(client *http.Client, tag bool) (time.Duration, time.Duration) {
		var wg sync.WaitGroup
		cpu0 := cpuTime()
		start := time.Now()
		for w := range workers {
			wg.Go(func() {
				for i := range perWorker {
					u := urls[(w*perWorker+i)%len(urls)]
					ctx := context.Background()
					if tag {
						ctx = tor.WithMarket(ctx, fmt.Sprintf("market-%d", w))
					}
					req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
					req.Close = true
					if !tag {
						req.Header.Set("Accept-Encoding", "gzip, deflate")
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		wg.Wait()
		return time.Since(start), cpuTime() - cpu0
	}
	var oursWall, oursCPU, bareWall, bareCPU time.Duration
	b.ReportAllocs()
	for b.Loop() {
		w, c := batch(ours, true)
		oursWall, oursCPU = oursWall+w, oursCPU+c
		w, c = batch(bare, false)
		bareWall, bareCPU = bareWall+w, bareCPU+c
	}
	pages := float64(b.N * workers * perWorker)
	oursRate := pages / oursWall.Seconds()
	bareRate := pages / bareWall.Seconds()
	b.ReportMetric(oursRate, "pages/s")
	b.ReportMetric(bareRate, "bare-pages/s")
	b.ReportMetric(oursRate/bareRate, "ratio")
	b.ReportMetric(float64(oursCPU.Microseconds())/pages, "cpu-µs/page")
	b.ReportMetric(float64(bareCPU.Microseconds())/pages, "bare-cpu-µs/page")
}

func benchTarget(b *testing.B) (string, []string) {
	if s := os.Getenv("DARKWATCH_BENCH_SOCKS"); s != "" {
		urls := strings.Split(os.Getenv("DARKWATCH_BENCH_URLS"), ",")
		if urls[0] == "" {
			b.Fatal("DARKWATCH_BENCH_URLS not set")
		}
		return s, urls
	}
	page := strings.Repeat("<p>listing row with some text</p>\n", 600) // ~20 KiB
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, page)
	}))
	b.Cleanup(backend.Close)
	srv := newSOCKSServer(b, backend.Listener.Addr().String(), nil)
	srv.delay = 5 * time.Millisecond
	var urls []string
	for c := byte('a'); c <= 'h'; c++ {
		urls = append(urls, "http://"+onion(c)+"/listing")
	}
	return srv.Addr(), urls
}

// cpuTime is this process's user+system CPU time (both transports and the
// in-process servers: the servers' share is the same for both sides).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
