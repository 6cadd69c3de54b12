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
// checks that every truth listing is reachable by links from the front page.
func TestWalkViaSOCKS(t *testing.T) {
	w := newWorld(t, testbed.Options{Seed: 3, Listings: 80})
	srv, err := w.Listen(testbed.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	d, err := proxy.SOCKS5("tcp", srv.SOCKSAddr(), &proxy.Auth{User: "iso", Password: "x"}, proxy.Direct)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{Dial: d.Dial}, Timeout: 20 * time.Second}
	defer client.CloseIdleConnections()
	truth := w.Truth()
	seen := map[string]bool{}
	for _, m := range truth.Markets {
		queue := []string{m.URL}
		visited := map[string]bool{m.URL: true}
		for len(queue) > 0 && len(visited) < 5000 {
			u := queue[0]
			queue = queue[1:]
			resp, err := client.Get(u)
			if err != nil {
				t.Fatalf("GET %s: %v", u, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			seen[u] = resp.StatusCode == 200
			base, _ := url.Parse(u)
			for _, mm := range hrefRE.FindAllStringSubmatch(string(body), -1) {
				ref, err := url.Parse(strings.ReplaceAll(mm[1], "&amp;", "&"))
				if err != nil {
					continue
				}
				abs := base.ResolveReference(ref)
				abs.Fragment = ""
				if abs.Host != base.Host || visited[abs.String()] {
					continue
				}
				visited[abs.String()] = true
				queue = append(queue, abs.String())
			}
		}
	}
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
}
