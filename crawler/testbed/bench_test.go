package testbed_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"testing"
	"time"

	"golang.org/x/net/proxy"

	"github.com/darkwatch/darkwatch/crawler/testbed"
)

// BenchmarkServe reports pages/s rendered by the handler for listing pages of a large world
// (20 markets x 5,000 listings), against a baseline of the static front page.
func BenchmarkServe(b *testing.B) {
	w := newWorld(b, testbed.Options{Seed: 1, Markets: 20, Listings: 5000})
	h := w.Handler()
	var urls []*url.URL
	for mi, m := range w.Markets() {
		for i := 0; i < 5000; i += 499 {
			k := map[string]string{
				testbed.FamilyClassic: fmt.Sprintf("listing/%d", 100000+7*i),
				testbed.FamilyRUShop:  fmt.Sprintf("product/%d", 5000+i),
				testbed.FamilyForum:   fmt.Sprintf("post/%d", 70000+3*i+mi%3),
				testbed.FamilyShop:    fmt.Sprintf("product/p%d", 100+i),
			}[m.Family]
			u, _ := url.Parse(m.URL + k)
			urls = append(urls, u)
		}
	}
	serve := func(u *url.URL) {
		req := httptest.NewRequest("GET", u.String(), nil)
		req.Host = u.Host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 && rec.Code != 404 && rec.Code != 410 {
			b.Fatalf("%s: status %d", u, rec.Code)
		}
	}
	for _, u := range urls { // warm the lazy caches
		serve(u)
	}
	front, _ := url.Parse(w.Markets()[0].URL)
	start := time.Now()
	const baseN = 50
	for range baseN {
		serve(front)
	}
	baseline := time.Since(start) / baseN
	b.ReportAllocs()
	i := 0
	t0 := time.Now()
	for b.Loop() {
		serve(urls[i%len(urls)])
		i++
	}
	el := time.Since(t0)
	b.ReportMetric(float64(i)/el.Seconds(), "pages/s")
	b.ReportMetric(float64(el/time.Duration(i))/float64(baseline), "x_front_page")
}

// BenchmarkOnionLatency measures stream setup + first byte at the client through the SOCKS
// emulator with onion faults (time scale 0.01) and reports measured vs configured quantiles.
func BenchmarkOnionLatency(b *testing.B) {
	const scale = 0.01
	w := newWorld(b, testbed.Options{Seed: 1, Listings: 20, Faults: testbed.FaultsOnion, TimeScale: scale})
	srv, err := w.Listen(testbed.ServerOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	d, _ := proxy.SOCKS5("tcp", srv.SOCKSAddr(), nil, proxy.Direct)
	tr := &http.Transport{DialContext: d.(proxy.ContextDialer).DialContext, DisableKeepAlives: true}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	u := w.Markets()[0].URL + "vendor/none"
	var lat []time.Duration
	failed := 0
	for b.Loop() {
		t0 := time.Now()
		resp, err := client.Get(u)
		if err != nil {
			failed++
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(t0))
	}
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	b.ReportMetric(float64(q(0.5).Milliseconds()), "p50_ms")
	b.ReportMetric(float64(q(0.9).Milliseconds()), "p90_ms")
	b.ReportMetric(float64(w.ConnectLatencyQuantile(0.5).Milliseconds()), "cfg_connect_p50_ms")
	b.ReportMetric(float64(w.ConnectLatencyQuantile(0.9).Milliseconds()), "cfg_connect_p90_ms")
	b.ReportMetric(float64(q(0.5))/float64(w.ConnectLatencyQuantile(0.5)), "p50_ratio")
	b.ReportMetric(float64(failed)/float64(failed+len(lat)), "fail_share")
}
