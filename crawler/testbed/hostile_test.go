package testbed_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/net/proxy"

	"github.com/darkwatch/darkwatch/crawler/testbed"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func hostileClient(t *testing.T, w *testbed.World) (*http.Client, func()) {
	t.Helper()
	srv, err := w.Listen(testbed.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := proxy.SOCKS5("tcp", srv.SOCKSAddr(), nil, proxy.Direct)
	tr := &http.Transport{DialContext: d.(proxy.ContextDialer).DialContext, DisableCompression: true}
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return c, func() { tr.CloseIdleConnections(); srv.Close() }
}

func get(t *testing.T, c *http.Client, u, cookie string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, b
}

// getOK retries past queue and CAPTCHA interstitials and fails unless it gets a 200.
func getOK(t *testing.T, c *http.Client, u, cookie string) (*http.Response, []byte) {
	t.Helper()
	for range 20 {
		resp, body := get(t, c, u, cookie)
		if resp.StatusCode == 503 || resp.StatusCode == 429 || strings.Contains(string(body), "Security check") {
			continue
		}
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: status %d", u, resp.StatusCode)
		}
		return resp, body
	}
	t.Fatalf("GET %s: only interstitials", u)
	return nil, nil
}

func TestHostile(t *testing.T) {
	w := newWorld(t, testbed.Options{Seed: 5, Listings: 20, Faults: testbed.FaultsHostile, TimeScale: 0.0001})
	c, stop := hostileClient(t, w)
	defer stop()
	m := w.Truth().Markets[0]
	if m.Cookie == "" || len(m.Traps) != len(testbed.Traps) {
		t.Fatalf("hostile market without cookie or traps: %+v", m)
	}
	t.Run("login wall without cookie", func(t *testing.T) {
		resp, _ := get(t, c, m.URL, "")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("got %d %s, want 302 to /login", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body := get(t, c, m.URL+"login", "")
		if resp.StatusCode != 200 || !strings.Contains(string(body), `type="password"`) {
			t.Errorf("login page: %d", resp.StatusCode)
		}
	})
	t.Run("login sets the session cookie", func(t *testing.T) {
		resp, err := c.Post(m.URL+"login?next=%2Fcategory%2Fopioids", "application/x-www-form-urlencoded", strings.NewReader("username=a&password=b"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var got string
		for _, ck := range resp.Cookies() {
			got = ck.Name + "=" + ck.Value
		}
		if resp.StatusCode != http.StatusFound || got != m.Cookie || resp.Header.Get("Location") != "/category/opioids" {
			t.Errorf("POST /login: %d, cookie %q (want %q), location %q", resp.StatusCode, got, m.Cookie, resp.Header.Get("Location"))
		}
	})
	t.Run("redirect loop", func(t *testing.T) {
		resp, _ := get(t, c, m.URL+"r/a", m.Cookie)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/r/b" {
			t.Errorf("got %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("big page streamed", func(t *testing.T) {
		req, _ := http.NewRequest("GET", m.URL+"dump/big", nil)
		req.Header.Set("Cookie", m.Cookie)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		t.Logf("big page: status %d, %d bytes", resp.StatusCode, n)
		if resp.StatusCode == 200 && n != testbed.BigPageBytes {
			t.Errorf("big page %d bytes, want %d", n, testbed.BigPageBytes)
		}
	})
	t.Run("gzip bomb", func(t *testing.T) {
		resp, body := getOK(t, c, m.URL+"dump/bomb", m.Cookie)
		{
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatal("bomb without Content-Encoding gzip")
			}
			zr, err := gzip.NewReader(strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, io.LimitReader(zr, 64<<20))
			if n < 64<<20 || len(body) > 1<<20 {
				t.Errorf("bomb: %d compressed bytes expand to >= %d, want small -> >= 64 MiB", len(body), n)
			}
		}
	})
	t.Run("calendar trap is infinite", func(t *testing.T) {
		_, body := getOK(t, c, m.URL+"calendar?date=2031-05-06", m.Cookie)
		if !strings.Contains(string(body), "2031-05-07") {
			t.Errorf("calendar has no next-day link")
		}
	})
	t.Run("429 above k concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("GET", m.URL+"category/opioids", nil)
				req.Header.Set("Cookie", m.Cookie)
				resp, err := c.Do(req)
				if err != nil {
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				codes[resp.StatusCode]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		st := w.Stats()
		if st.MaxConcurrency[strings.TrimSuffix(strings.TrimPrefix(m.URL, "http://"), "/")] > 4 && codes[429] == 0 {
			t.Errorf("concurrency above 4 observed but no 429: %v", codes)
		}
	})
}

func TestOnionFaultsDeterministic(t *testing.T) {
	// The sequence of SOCKS replies for one host is a function of the seed.
	run := func() []byte {
		w := newWorld(t, testbed.Options{Seed: 8, Listings: 5, Faults: testbed.FaultsOnion, TimeScale: 0.00001})
		srv, err := w.Listen(testbed.ServerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		var out []byte
		for range 60 {
			out = append(out, socksConnect(t, srv.SOCKSAddr(), w.Markets()[0].Host))
		}
		return out
	}
	a, b := run(), run()
	if string(a) != string(b) {
		t.Errorf("reply sequences differ: %x vs %x", a, b)
	}
	fails := 0
	for _, c := range a {
		if c != 0 {
			fails++
		}
	}
	if fails == 0 || fails > 20 {
		t.Errorf("%d of 60 CONNECTs failed, want a few", fails)
	}
}
