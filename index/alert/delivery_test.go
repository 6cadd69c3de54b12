package alert_test

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/elastic"
	"github.com/darkwatch/darkwatch/index/embedded"
)

// receiver is a webhook endpoint that can be down (503) and records what it accepted.
type receiver struct {
	mu     sync.Mutex
	up     atomic.Bool
	secret []byte
	got    map[string]int // dedup key -> deliveries accepted
	alerts map[string]alert.Payload
	bad    []string
	tries  atomic.Int64
}

func newReceiver(secret string) *receiver {
	return &receiver{secret: []byte(secret), got: map[string]int{}, alerts: map[string]alert.Payload{}}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.tries.Add(1)
	if !r.up.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if sig := req.Header.Get(alert.HeaderSignature); !hmac.Equal([]byte(sig), []byte(alert.Sign(r.secret, body))) {
		r.bad = append(r.bad, "bad signature "+sig)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p alert.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		r.bad = append(r.bad, err.Error())
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	if p.DedupKey != req.Header.Get(alert.HeaderDedup) || p.DedupKey == "" {
		r.bad = append(r.bad, "dedup key mismatch "+p.DedupKey)
	}
	r.got[p.DedupKey]++
	r.alerts[p.DedupKey] = p
}

// TestWebhookDownDuringDayTwo: the receiver is down while day 2 is crawled; once it is
// back, it receives every alert of both days exactly once, signed.
func TestWebhookDownDuringDayTwo(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the testbed")
	}
	rcv := newReceiver("s3cret")
	rcv.up.Store(true)
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	store, err := embedded.Open(context.Background(), embedded.Options{Dir: filepath.Join(t.TempDir(), "index")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	hook := &alert.Webhook{NotifierName: "soc", URL: srv.URL, Secret: []byte("s3cret"), Timeout: 5 * time.Second}
	eng, err := alert.New(alert.Options{Rules: e2eRules(), Store: store, LogPath: filepath.Join(t.TempDir(), "alerts.db"),
		Notifiers: []alert.Notifier{hook}, RetryBase: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close() // stops Run and waits for it
	go eng.Run(t.Context())
	sink := &storeSink{store: store, engines: []*alert.Engine{eng}}
	frs := boltFrontiers(t.TempDir())
	crawlDay(t, testbed.Options{Seed: 11, Day: 1, Listings: 40}, frs(t, 1), sink)
	waitDelivered(t, eng, 10*time.Second)
	rcv.up.Store(false)
	before := rcv.tries.Load()
	crawlDay(t, testbed.Options{Seed: 11, Day: 2, Listings: 40}, frs(t, 2), sink)
	pending, _ := eng.Log().Pending()
	if len(pending) == 0 {
		t.Fatal("no alert pending while the receiver is down")
	}
	time.Sleep(100 * time.Millisecond)
	t.Logf("receiver down: %d deliveries pending, %d attempts refused", len(pending), rcv.tries.Load()-before)
	rcv.up.Store(true)
	waitDelivered(t, eng, 20*time.Second)

	all, err := eng.Log().List(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.bad) > 0 {
		t.Errorf("receiver rejected deliveries: %v", rcv.bad)
	}
	for _, a := range all {
		k := alert.DedupKey(a.ID, "soc")
		if rcv.got[k] != 1 {
			t.Errorf("alert %s (%s %s) delivered %d times, want 1", a.ID, a.Kind, a.Subject, rcv.got[k])
		}
		if p := rcv.alerts[k]; p.Subject != a.Subject || p.Kind != a.Kind {
			t.Errorf("delivered payload %+v, want alert %+v", p.Alert, a)
		}
	}
	if len(rcv.got) != len(all) {
		t.Errorf("receiver got %d distinct alerts, log holds %d", len(rcv.got), len(all))
	}
	t.Logf("%d alerts delivered once each after the outage", len(all))
}

func waitDelivered(t *testing.T, eng *alert.Engine, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		p, err := eng.Log().Pending()
		if err != nil {
			t.Fatal(err)
		}
		if len(p) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still pending after %v, e.g. %+v", len(p), within, p[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRaceOneNewVendor: two engines (two crawlers, each with its own alert log) observe the
// same new vendor at once on one store: exactly one alert is raised.
func TestRaceOneNewVendor(t *testing.T) {
	store, err := embedded.Open(context.Background(), embedded.Options{Dir: filepath.Join(t.TempDir(), "index")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	raceOneVendor(t, store)
}

func raceOneVendor(t *testing.T, store index.Store) {
	t.Helper()
	const engines, rounds = 4, 20
	var es []*alert.Engine
	for range engines {
		e, err := alert.New(alert.Options{Rules: e2eRules(), Store: store, LogPath: filepath.Join(t.TempDir(), "alerts.db")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		es = append(es, e)
	}
	ctx := context.Background()
	for r := range rounds {
		v := record.Vendor{ID: "m1/racer" + string(rune('a'+r)), Market: "m1", Handle: "racer" + string(rune('a'+r)),
			PGP: []string{"ABCDEF0123456789ABCDEF0123456789ABCDEF" + string(rune('A'+r)) + "0"}}
		if err := store.PutVendors(ctx, []record.Vendor{v}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, e := range es {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if err := e.ObservePage(ctx, alert.Page{Market: "m1", URL: "http://x.onion/vendor/" + v.Handle, Status: 200, Vendors: []record.Vendor{v},
					Capture: record.Capture{SHA256: "00ff", Time: time.Now()}}); err != nil {
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
	}
	count := map[string]int{}
	for _, e := range es {
		all, err := e.Log().List(time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range all {
			count[a.Kind+" "+a.Subject]++
		}
	}
	for r := range rounds {
		k := alert.KindNewVendor + " m1/racer" + string(rune('a'+r))
		if count[k] != 1 {
			t.Errorf("%s raised %d times by %d racing engines, want 1", k, count[k], engines)
		}
	}
	if len(count) != rounds {
		t.Errorf("raised %d distinct alerts, want %d: %v", len(count), rounds, count)
	}
}

// TestRaceOneNewVendorElastic: the same race on Elasticsearch (novelty by op_type=create).
func TestRaceOneNewVendorElastic(t *testing.T) {
	store, err := elastic.New(elastic.Options{URLs: []string{testenv.ESURL(t)}, Prefix: fmt.Sprintf("dwrace%d", time.Now().UnixNano())})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.DeleteAll(context.Background()); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		store.Close()
	})
	raceOneVendor(t, store)
}

// TestArchiveElastic: the outbox feeds the Elasticsearch archive; List and Ack read and
// change it; a redelivery is a no-op.
func TestArchiveElastic(t *testing.T) {
	es := testenv.ESURL(t)
	arch := &alert.Archive{URL: es, Prefix: fmt.Sprintf("dwarch%d", time.Now().UnixNano())}
	t.Cleanup(func() {
		req, _ := http.NewRequest(http.MethodDelete, es+"/"+arch.Prefix+"-alerts", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	f := newFixture(t, nil, nil)
	eng, err := alert.New(alert.Options{Rules: []alert.Rule{{Name: "nv", Kind: alert.KindNewVendor, Notify: []string{"x"}}}, Store: f.store,
		LogPath: filepath.Join(t.TempDir(), "alerts.db"), Notifiers: []alert.Notifier{&alert.LogNotifier{NotifierName: "x"}}, Archive: arch})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	f.eng = eng
	ctx := context.Background()
	if got, err := arch.List(ctx, time.Time{}); err != nil || len(got) != 0 {
		t.Fatalf("empty archive: %v, %v", got, err)
	}
	as, err := f.page("m1", 200, "u", nil, []record.Vendor{vendor("m1", "a"), vendor("m1", "b")})
	if err != nil || len(as) != 2 {
		t.Fatalf("raised %v, %v", as, err)
	}
	if err := eng.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if p, _ := eng.Log().Pending(); len(p) != 0 {
		t.Fatalf("pending after flush: %+v", p)
	}
	if err := arch.Deliver(ctx, as[0], "again"); err != nil {
		t.Errorf("redelivery: %v", err)
	}
	got, err := arch.List(ctx, time.Time{})
	if err != nil || len(got) != 2 || got[0].ID != as[0].ID || got[1].ID != as[1].ID {
		t.Fatalf("archive List = %+v, %v; want %v", got, err, as)
	}
	at := time.Now().UTC().Truncate(time.Millisecond)
	a1, err := arch.Ack(ctx, as[1].ID, at)
	if err != nil || !a1.Acked.Equal(at) {
		t.Fatalf("Ack = %+v, %v", a1, err)
	}
	if a2, _ := arch.Ack(ctx, as[1].ID, at.Add(time.Hour)); !a2.Acked.Equal(at) {
		t.Errorf("second Ack moved the time to %v", a2.Acked)
	}
	if _, err := arch.Ack(ctx, "nope", at); !errors.Is(err, alert.ErrNotFound) {
		t.Errorf("Ack(unknown) = %v, want ErrNotFound", err)
	}
	if later, _ := arch.List(ctx, as[1].Raised.Add(time.Second)); len(later) != 0 {
		t.Errorf("List(since after) = %d alerts", len(later))
	}
}
