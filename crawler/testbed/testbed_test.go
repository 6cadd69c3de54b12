package testbed_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/proxy"

	"github.com/darkwatch/darkwatch/crawler/testbed"
)

func newWorld(t testing.TB, o testbed.Options) *testbed.World {
	t.Helper()
	w, err := testbed.New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return w
}

func TestDeterministic(t *testing.T) {
	o := testbed.Options{Seed: 7, Day: 2, Listings: 60}
	a, _ := json.Marshal(newWorld(t, o).Truth())
	b, _ := json.Marshal(newWorld(t, o).Truth())
	if !bytes.Equal(a, b) {
		t.Fatal("same seed and day gave different truth")
	}
	o.Seed = 8
	c, _ := json.Marshal(newWorld(t, o).Truth())
	if bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same truth")
	}
	w1, w2 := newWorld(t, testbed.Options{Seed: 7, Day: 2, Listings: 60}), newWorld(t, testbed.Options{Seed: 7, Day: 2, Listings: 60})
	for _, l := range w1.Truth().Listings {
		u, _ := url.Parse(l.URL)
		_, _, p1, err := w1.Page(l.Market, u.RequestURI())
		if err != nil {
			t.Fatal(err)
		}
		_, _, p2, _ := w2.Page(l.Market, u.RequestURI())
		if !bytes.Equal(p1, p2) {
			t.Fatalf("page %s differs between two worlds with the same seed", l.URL)
		}
	}
}

var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// TestWalkViaSOCKS crawls every market through the SOCKS emulator with plain net/http and
// checks that every truth listing and vendor is reachable by links from the front page.
func TestWalkViaSOCKS(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    testbed.Options
	}{
		{"none", testbed.Options{Seed: 3, Listings: 80}},
		{"families", testbed.Options{Seed: 3, Markets: 8, Listings: 60}},
		{"day4", testbed.Options{Seed: 3, Listings: 50, Day: 4}},
		{"onion", testbed.Options{Seed: 4, Listings: 40, Faults: testbed.FaultsOnion, TimeScale: 0.0005}},
		{"hostile", testbed.Options{Seed: 5, Listings: 40, Faults: testbed.FaultsHostile, TimeScale: 0.0005}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, tc.o)
			srv, err := w.Listen(testbed.ServerOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			truth := w.Truth()
			seen := walk(t, srv.SOCKSAddr(), truth)
			for _, l := range truth.Listings {
				if !seen[l.URL] {
					t.Errorf("listing %s (%s) not reached from the front page", l.ID, l.URL)
				}
			}
			for _, v := range truth.Vendors {
				if !seen[v.URL] {
					t.Errorf("vendor %s (%s) not reached from the front page", v.ID, v.URL)
				}
			}
			if st := w.Stats(); st.Requests == 0 {
				t.Error("stats counted no requests")
			}
		})
	}
}

// walk follows same-host links breadth-first from each front page, retrying transient
// failures, skipping the truth's trap URLs. It returns the URLs fetched with status 200.
func walk(t *testing.T, socks string, truth testbed.Truth) map[string]bool {
	t.Helper()
	d, err := proxy.SOCKS5("tcp", socks, &proxy.Auth{User: "iso", Password: "x"}, proxy.Direct)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{DialContext: d.(proxy.ContextDialer).DialContext, MaxConnsPerHost: 2}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	seen := map[string]bool{}
	for _, m := range truth.Markets {
		traps := map[string]bool{}
		for _, u := range m.Traps {
			traps[u] = true
		}
		queue := []string{m.URL}
		visited := map[string]bool{m.URL: true}
		for len(queue) > 0 && len(visited) < 5000 {
			u := queue[0]
			queue = queue[1:]
			var body []byte
			status := 0
			for attempt := 0; attempt < 30; attempt++ {
				req, _ := http.NewRequest("GET", u, nil)
				if m.Cookie != "" {
					req.Header.Set("Cookie", m.Cookie)
				}
				resp, err := client.Do(req)
				if err != nil {
					time.Sleep(5 * time.Millisecond)
					continue
				}
				body, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
				if status == 429 || status == 503 || bytes.Contains(body, []byte("Security check")) || bytes.Contains(body, []byte("You are in the queue")) {
					time.Sleep(5 * time.Millisecond)
					continue
				}
				break
			}
			seen[u] = status == 200
			base, _ := url.Parse(u)
			for _, mm := range hrefRE.FindAllStringSubmatch(string(body), -1) {
				ref, err := url.Parse(strings.ReplaceAll(mm[1], "&amp;", "&"))
				if err != nil {
					continue
				}
				abs := base.ResolveReference(ref)
				abs.Fragment = ""
				s := abs.String()
				if abs.Host != base.Host || visited[s] || traps[s] {
					continue
				}
				visited[s] = true
				queue = append(queue, s)
			}
		}
	}
	return seen
}

// TestDayChanges checks that day 2 differs from day 1 exactly as the day-2 alerts say.
func TestDayChanges(t *testing.T) {
	o := testbed.Options{Seed: 11, Listings: 100}
	t1 := newWorld(t, o).Truth()
	o.Day = 2
	t2 := newWorld(t, o).Truth()
	if len(t1.Alerts) != 0 {
		t.Errorf("day 1 has %d alerts, want 0 (baseline)", len(t1.Alerts))
	}
	want := map[string]bool{}
	for _, a := range t2.Alerts {
		want[a.Kind+" "+a.Subject] = true
	}
	got := map[string]bool{}
	prev := map[string]float64{}
	for _, l := range t1.Listings {
		prev[l.ID] = l.Price.Amount
	}
	cur := map[string]bool{}
	for _, l := range t2.Listings {
		cur[l.ID] = true
		if p, ok := prev[l.ID]; ok && p != l.Price.Amount {
			got["price_change "+l.ID] = true
		}
	}
	for id := range prev {
		if !cur[id] {
			got["listing_gone "+id] = true
		}
	}
	vend1 := map[string]bool{}
	actorMarkets := map[string]bool{}
	vendorActor := map[string]string{}
	for _, v := range t1.Vendors {
		vend1[v.ID] = true
		actorMarkets[v.Actor+" "+v.Market] = true
	}
	for _, v := range t2.Vendors {
		vendorActor[v.ID] = v.Actor
		if !vend1[v.ID] {
			got["new_vendor "+v.ID] = true
			if !actorMarkets[v.Actor+" "+v.Market] && strings.HasPrefix(v.Actor, "actor-") && isShared(t2, v.Actor) {
				got["vendor_on_new_market "+v.Actor] = true
			}
		}
	}
	subs1 := map[string]bool{}
	for _, l := range t1.Listings {
		for _, s := range l.Substances {
			subs1[l.Market+" "+s.Name] = true
		}
	}
	for _, l := range t2.Listings {
		for _, s := range l.Substances {
			if !subs1[l.Market+" "+s.Name] {
				got["new_substance "+s.Name] = true
			}
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("alert %q not reflected in the day-2 truth", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("change %q has no alert", k)
		}
	}
	kinds := map[string]int{}
	for _, a := range t2.Alerts {
		kinds[a.Kind]++
	}
	for _, k := range []string{"new_vendor", "new_substance", "vendor_on_new_market", "price_change"} {
		if kinds[k] == 0 {
			t.Errorf("day 2 has no %s alert", k)
		}
	}
}

func isShared(t testbed.Truth, actor string) bool {
	for _, a := range t.Actors {
		if a.ID == actor {
			return len(a.Vendors) > 1
		}
	}
	return false
}
