package tor

// End-to-end test against the private Tor network of deploy/tornet:
//
//	eval "$(deploy/tornet/tornet.sh start --clients 2 --hs-dir DIR --hs-target ADDR)"
//	go test -run E2E ./crawler/tor/
//	deploy/tornet/tornet.sh stop
//
// It is an internal test because it reads circuit and stream events with the
// package's control-port client.

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha3"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

type tornetEnv struct {
	socks, control, cookies, onions []string
}

func loadTornet(t *testing.T) tornetEnv {
	t.Helper()
	socks := os.Getenv("DARKWATCH_TORNET_SOCKS")
	if socks == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("DARKWATCH_TORNET_SOCKS not set (start deploy/tornet/tornet.sh)")
		}
		t.Skip("DARKWATCH_TORNET_SOCKS not set; run deploy/tornet/tornet.sh start")
	}
	split := func(k string) []string {
		v := os.Getenv(k)
		if v == "" {
			return nil
		}
		return strings.Split(v, ",")
	}
	e := tornetEnv{split("DARKWATCH_TORNET_SOCKS"), split("DARKWATCH_TORNET_CONTROL"),
		split("DARKWATCH_TORNET_COOKIES"), split("DARKWATCH_TORNET_ONIONS")}
	if len(e.socks) < 2 || len(e.control) != len(e.socks) || len(e.cookies) != len(e.socks) || len(e.onions) == 0 {
		t.Fatalf("tornet env incomplete: %+v (want >= 2 clients, control and cookie per client, onions)", e)
	}
	// With the testbed behind the onions, every market must be published.
	if path := os.Getenv("DARKWATCH_TORNET_TESTBED"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var ready struct {
			Markets []struct{ Name, URL string }
		}
		if err := json.Unmarshal(b, &ready); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		published := map[string]bool{}
		for _, o := range e.onions {
			published[o] = true
		}
		for _, m := range ready.Markets {
			host := strings.TrimSuffix(strings.TrimPrefix(m.URL, "http://"), "/")
			if !published[host] {
				t.Errorf("testbed market %s (%s) not among the published onions %v", m.Name, host, e.onions)
			}
		}
		if len(ready.Markets) == 0 {
			t.Errorf("%s lists no markets", path)
		}
	}
	return e
}

// streamEvent is a "650 STREAM" event.
type streamEvent struct {
	control string // which client reported it
	id      string
	status  string
	circ    string
	target  string
	user    string
}

// watchStreams subscribes to STREAM events on one client's control port.
func watchStreams(ctx context.Context, t *testing.T, ep Endpoint, out chan<- streamEvent) {
	t.Helper()
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cc, err := dialControl(dctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	cc.c.SetDeadline(time.Time{})
	if _, err := cc.cmd("SETEVENTS STREAM"); err != nil {
		cc.Close()
		t.Fatal(err)
	}
	go func() {
		<-ctx.Done()
		cc.Close()
	}()
	go func() {
		r := bufio.NewReader(cc.r)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			f := strings.Fields(strings.TrimRight(line, "\r\n"))
			if len(f) < 6 || f[0] != "650" || f[1] != "STREAM" {
				continue
			}
			ev := streamEvent{control: ep.Control, id: f[2], status: f[3], circ: f[4], target: f[5],
				user: field(strings.Join(f[6:], " "), "SOCKS_USERNAME")}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
}

func TestE2ETornet(t *testing.T) {
	env := loadTornet(t)
	var eps []Endpoint
	for i := range env.socks {
		eps = append(eps, Endpoint{Socks: env.socks[i], Control: env.control[i], CookieFile: env.cookies[i]})
	}
	p, err := New(Options{Endpoints: eps, ConnectTimeout: 60 * time.Second, ReadIdleTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	if err := p.Check(ctx); err != nil {
		t.Fatalf("health check of tornet clients: %v", err)
	}

	// Markets: every onion at least twice, and at least two markets per client.
	perClient := map[string]int{}
	market := map[string]string{} // market -> onion
	enough := func() bool {
		if len(market) < 2*len(env.onions) {
			return false
		}
		for _, s := range env.socks {
			if perClient[s] < 2 {
				return false
			}
		}
		return true
	}
	for i := 0; !enough() && i < 1000; i++ {
		m := fmt.Sprintf("market-%d", i)
		e, _ := p.Route(m)
		perClient[e.Socks]++
		market[m] = env.onions[i%len(env.onions)]
	}
	users := map[string]string{} // SOCKS username -> market
	for m := range market {
		u, _ := p.Credentials(m)
		users[u] = m
	}

	events := make(chan streamEvent, 4096)
	ectx, ecancel := context.WithCancel(ctx)
	defer ecancel()
	for _, e := range eps {
		watchStreams(ectx, t, e, events)
	}

	const rounds = 3
	fetchAll := func(round int) {
		var wg sync.WaitGroup
		errs := make(chan error, len(market))
		for m, o := range market {
			wg.Go(func() {
				client := &http.Client{Transport: p.RoundTripper()}
				req, _ := http.NewRequestWithContext(WithMarket(ctx, m), "GET", fmt.Sprintf("http://%s/?round=%d", o, round), nil)
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errs <- fmt.Errorf("market %s -> %s: %w", m, o, err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				p.HTTPTransport(m).CloseIdleConnections() // next round: a new stream
				t.Logf("round %d market %s via %s: %s in %v", round, m, mustRoute(p, m), resp.Status, time.Since(start).Round(time.Millisecond))
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	for r := range rounds {
		fetchAll(r)
	}
	time.Sleep(500 * time.Millisecond) // let the last events arrive
	ecancel()

	circMarket := map[string]string{} // control+circ -> market
	marketClients := map[string]map[string]bool{}
	succeeded := map[string]int{}
	marketCircs := map[string]map[string]bool{}
drain:
	for {
		select {
		case ev := <-events:
			m, ok := users[ev.user]
			if !ok || ev.status != "SUCCEEDED" {
				continue
			}
			succeeded[m]++
			key := ev.control + "/" + ev.circ
			if prev, ok := circMarket[key]; ok && prev != m {
				t.Errorf("circuit %s carries markets %s and %s", key, prev, m)
			}
			circMarket[key] = m
			if marketClients[m] == nil {
				marketClients[m] = map[string]bool{}
				marketCircs[m] = map[string]bool{}
			}
			marketClients[m][ev.control] = true
			marketCircs[m][key] = true
		default:
			break drain
		}
	}
	usedClients := map[string]bool{}
	for m := range market {
		e, _ := p.Route(m)
		if succeeded[m] < rounds {
			t.Errorf("market %s: %d streams seen on control ports, want %d", m, succeeded[m], rounds)
		}
		if len(marketClients[m]) != 1 || !marketClients[m][e.Control] {
			t.Errorf("market %s: streams on clients %v, want only %s", m, keys(marketClients[m]), e.Control)
		}
		usedClients[e.Control] = true
	}
	if len(usedClients) < 2 {
		t.Errorf("only %d client(s) used, want >= 2", len(usedClients))
	}
	t.Logf("%d markets over %d onions, %d clients, %d circuits, streams per market %v", len(market), len(env.onions), len(usedClients), len(circMarket), succeeded)

	t.Run("NewCircuit moves only that market", func(t *testing.T) {
		var m string
		for k := range market {
			m = k
			break
		}
		before := marketCircs[m]
		if err := p.NewCircuit(ctx, m); err != nil {
			t.Fatal(err)
		}
		ev := fetchWatched(ctx, t, p, m, market[m])
		if before[ev.control+"/"+ev.circ] {
			t.Errorf("after NewCircuit market %s still on circuit %s", m, ev.circ)
		}
		if e, _ := p.Route(m); ev.control != e.Control {
			t.Errorf("after NewCircuit market %s moved to client %s", m, ev.control)
		}
	})

	t.Run("extended errors", func(t *testing.T) {
		tests := []struct {
			host string
			code byte
			is   error
		}{
			{validUnpublishedOnion(t), ReplyOnionDescNotFound, ErrHostDown},
			{"not-a-real-address.onion", ReplyOnionBadAddress, ErrBadAddress},
		}
		for _, tt := range tests {
			start := time.Now()
			_, err := p.DialerFor("errors").DialContext(ctx, "tcp", tt.host+":80")
			var te *Error
			if !errors.As(err, &te) || te.Code != tt.code || !errors.Is(err, tt.is) {
				t.Errorf("%s: err = %v, want code 0x%02X and %v", tt.host, err, tt.code, tt.is)
				continue
			}
			t.Logf("%s: 0x%02X %v after %v", tt.host, te.Code, te.Policy(), time.Since(start).Round(time.Millisecond))
		}
	})
}

func mustRoute(p *Pool, m string) string {
	e, _ := p.Route(m)
	return e.Socks
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// fetchWatched fetches one page for market and returns its stream event.
func fetchWatched(ctx context.Context, t *testing.T, p *Pool, m, onion string) streamEvent {
	t.Helper()
	e, _ := p.Route(m)
	events := make(chan streamEvent, 256)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watchStreams(wctx, t, e, events)
	client := &http.Client{Transport: p.RoundTripper()}
	req, _ := http.NewRequestWithContext(WithMarket(ctx, m), "GET", "http://"+onion+"/", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	p.HTTPTransport(m).CloseIdleConnections()
	u, _ := p.Credentials(m)
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.user == u && ev.status == "SUCCEEDED" {
				return ev
			}
		case <-timeout:
			t.Fatalf("no SUCCEEDED stream event for %s", m)
		}
	}
}

// validUnpublishedOnion is a well-formed v3 address nobody publishes.
func validUnpublishedOnion(t *testing.T) string {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h := sha3.New256()
	h.Write([]byte(".onion checksum"))
	h.Write(pub)
	h.Write([]byte{3})
	sum := h.Sum(nil)
	raw := append(append(append([]byte{}, pub...), sum[:2]...), 3)
	return strings.ToLower(base32.StdEncoding.EncodeToString(raw)) + ".onion"
}
