package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/api"
	"github.com/darkwatch/darkwatch/index/embedded"
	"github.com/darkwatch/darkwatch/index/indextest"
)

// queryValues is the inverse of the API's parameter parsing, for the load mix.
func queryValues(q index.Query) url.Values {
	v := url.Values{}
	add := func(k string, vals []string) {
		for _, s := range vals {
			v.Add(k, s)
		}
	}
	if q.Text != "" {
		v.Set("q", q.Text)
	}
	add("substance", q.Substance)
	add("class", q.Class)
	add("family", q.Family)
	add("vendor", q.Vendor)
	add("actor", q.Actor)
	add("market", q.Market)
	add("ships_from", q.ShipsFrom)
	add("ships_to", q.ShipsTo)
	add("entity", q.Entity)
	add("agg", q.Aggs)
	if q.DrugOffer != nil {
		v.Set("drug_offer", strconv.FormatBool(*q.DrugOffer))
	}
	for k, f := range map[string]*float64{"min_usd": q.MinUSD, "max_usd": q.MaxUSD, "min_unit_usd": q.MinUnitUSD, "max_unit_usd": q.MaxUnitUSD} {
		if f != nil {
			v.Set(k, strconv.FormatFloat(*f, 'f', -1, 64))
		}
	}
	for k, t := range map[string]time.Time{"since": q.SeenSince, "until": q.SeenUntil, "first_seen_since": q.FirstSeenSince} {
		if !t.IsZero() {
			v.Set(k, t.UTC().Format(time.RFC3339Nano))
		}
	}
	if q.Sort != "" {
		v.Set("sort", q.Sort)
	}
	if q.From > 0 {
		v.Set("from", strconv.Itoa(q.From))
	}
	if q.Size > 0 {
		v.Set("size", strconv.Itoa(q.Size))
	}
	return v
}

type loadResult struct {
	lat    []time.Duration
	errors int64
	first  error
	dur    time.Duration
}

func (r *loadResult) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(float64(len(r.lat))*p))]
}

// runLoad runs clients goroutines calling op in a loop for d and gathers latencies.
func runLoad(clients int, d time.Duration, op func(i int) error) loadResult {
	var (
		mu    sync.Mutex
		res   loadResult
		errs  atomic.Int64
		wg    sync.WaitGroup
		start = time.Now()
	)
	deadline := start.Add(d)
	for c := range clients {
		wg.Go(func() {
			var lat []time.Duration
			for i := c; time.Now().Before(deadline); i += clients {
				t0 := time.Now()
				if err := op(i); err != nil {
					if errs.Add(1) == 1 {
						mu.Lock()
						res.first = err
						mu.Unlock()
					}
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.dur = time.Since(start)
	res.errors = errs.Load()
	slices.Sort(res.lat)
	return res
}

// loadSeconds is the load duration: $DARKWATCH_LOAD_SECONDS (30 for the acceptance run),
// default 5.
func loadSeconds() time.Duration {
	if n, err := strconv.Atoi(os.Getenv("DARKWATCH_LOAD_SECONDS")); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 5 * time.Second
}

// BenchmarkLoad: 50 concurrent search clients over loopback HTTP (token auth, audit log
// fsynced per request with group commit) for loadSeconds, no errors allowed, against the
// same query mix sent by 50 goroutines straight to the Store in-process (the baseline).
// Reports p50/p95/p99 of both and the p95 ratio api/direct.
func BenchmarkLoad(b *testing.B) {
	const clients = 50
	ctx := context.Background()
	dir := b.TempDir()
	st, err := embedded.Open(ctx, embedded.Options{Dir: filepath.Join(dir, "index")})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	indextest.LoadSynthetic(b, st, indextest.BenchListings())
	s, err := api.New(api.Options{Store: st, AuditPath: filepath.Join(dir, "audit.log"),
		Tokens: []api.Token{{Name: "load", Role: api.RoleAnalyst, TokenHash: tokenHash(analystToken)}}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	qs := indextest.BenchQueries()
	urls := make([]string, len(qs))
	for i, q := range qs {
		urls[i] = srv.URL + "/api/v1/search?" + queryValues(q.Query).Encode()
	}
	viaHTTP := func(i int) error {
		req, _ := http.NewRequest("GET", urls[i%len(urls)], nil)
		req.Header.Set("Authorization", "Bearer "+analystToken)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		// Read the whole answer; decoding it is left out: the client shares the CPU with
		// the server, and the baseline decodes nothing either.
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte(`{"total":`)) {
			return fmt.Errorf("%s: %d %.200s", qs[i%len(qs)].Name, resp.StatusCode, body)
		}
		return nil
	}
	direct := func(i int) error {
		_, err := st.Search(ctx, qs[i%len(qs)].Query)
		return err
	}
	// The API answers what the store answers, for every query of the mix.
	for i, q := range qs {
		want, err := st.Search(ctx, q.Query)
		if err != nil {
			b.Fatal(err)
		}
		req, _ := http.NewRequest("GET", urls[i], nil)
		req.Header.Set("Authorization", "Bearer "+analystToken)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var got api.SearchResponse
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || got.Total != want.Total {
			b.Fatalf("%s: api total %d (%v), store total %d", q.Name, got.Total, err, want.Total)
		}
	}

	d := loadSeconds()
	b.ReportAllocs()
	var base, load loadResult
	for b.Loop() {
		base = runLoad(clients, min(d, 5*time.Second), direct)
		load = runLoad(clients, d, viaHTTP)
	}
	if base.errors > 0 || load.errors > 0 {
		b.Fatalf("errors: direct %d (%v), api %d (%v)", base.errors, base.first, load.errors, load.first)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(load.pct(0.50)), "api-p50-ms")
	b.ReportMetric(ms(load.pct(0.95)), "api-p95-ms")
	b.ReportMetric(ms(load.pct(0.99)), "api-p99-ms")
	b.ReportMetric(float64(len(load.lat))/load.dur.Seconds(), "api-req/s")
	b.ReportMetric(ms(base.pct(0.95)), "direct-p95-ms")
	b.ReportMetric(float64(len(base.lat))/base.dur.Seconds(), "direct-req/s")
	if p := base.pct(0.95); p > 0 {
		b.ReportMetric(float64(load.pct(0.95))/float64(p), "p95-ratio-api/direct")
	}
	b.Logf("%d clients, %v: api %d requests, 0 errors, p50 %v p95 %v p99 %v; direct %d searches in %v, p95 %v",
		clients, load.dur.Round(time.Millisecond), len(load.lat), load.pct(0.5), load.pct(0.95), load.pct(0.99),
		len(base.lat), base.dur.Round(time.Millisecond), base.pct(0.95))
}
