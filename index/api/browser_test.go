package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/darkwatch/darkwatch/crawler/testbed"
	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index/alert"
	"github.com/darkwatch/darkwatch/index/api"
	"github.com/darkwatch/darkwatch/index/embedded"
)

// xssTitle is a listing title written by an attacker. If any of it runs, window.__xss is
// set or a dialog opens.
const xssTitle = `<img src=x onerror="window.__xss='img';alert('img')"><script>window.__xss='script';alert('script')</script>"><svg onload=alert('svg')>`

// chromiumPath finds Debian's chromium. Without it the browser tests skip, except in CI.
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found: install the Debian package chromium (CI=true)")
	}
	t.Skip("chromium not found (apt-get install chromium); skipping browser tests")
	return ""
}

// testOutDir is where screenshots go: $DARKWATCH_TEST_OUT/<test> or a temp dir.
func testOutDir(t *testing.T) string {
	if d := os.Getenv("DARKWATCH_TEST_OUT"); d != "" {
		dir := filepath.Join(d, t.Name())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// browserEnv serves a testbed world (truth records loaded into an embedded store, day 1
// and day 2 so listings have a price history) plus one hostile listing.
type browserEnv struct {
	srv    *httptest.Server
	truth  testbed.Truth    // day 2
	all    []record.Listing // every truth listing of both days (the index keeps gone ones)
	xssID  string
	vendor record.Vendor   // a vendor whose operator has accounts on other markets
	linked []record.Vendor // all accounts of that operator
}

func newBrowserEnv(t *testing.T) *browserEnv {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := embedded.Open(ctx, embedded.Options{Dir: filepath.Join(dir, "index")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	be := &browserEnv{}
	for d := 1; d <= 2; d++ {
		w, err := testbed.New(testbed.Options{Seed: 7, Day: d, Markets: 4, Listings: 40})
		if err != nil {
			t.Fatal(err)
		}
		tr := w.Truth()
		seen := time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC)
		for i := range tr.Listings {
			if tr.Listings[i].LastSeen.IsZero() {
				tr.Listings[i].LastSeen = seen
			}
		}
		for i := range tr.Vendors {
			if tr.Vendors[i].LastSeen.IsZero() {
				tr.Vendors[i].LastSeen = seen
			}
		}
		if err := st.PutVendors(ctx, tr.Vendors); err != nil {
			t.Fatal(err)
		}
		if err := st.PutListings(ctx, tr.Listings); err != nil {
			t.Fatal(err)
		}
		be.truth = tr
		be.all = append(be.all, tr.Listings...)
	}
	// The hostile listing: a copy of a truth listing with an attacker's title.
	x := be.truth.Listings[0]
	x.ID, x.Title = x.Market+"/xss-1", xssTitle
	x.Description = "desc " + xssTitle
	x.Offers = nil
	if err := st.PutListings(ctx, []record.Listing{x}); err != nil {
		t.Fatal(err)
	}
	be.xssID = x.ID
	if err := st.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// A shared actor with accounts on at least two markets.
	for _, a := range be.truth.Actors {
		if len(a.Vendors) < 2 {
			continue
		}
		var vs []record.Vendor
		markets := map[string]bool{}
		for _, id := range a.Vendors {
			i := slices.IndexFunc(be.truth.Vendors, func(v record.Vendor) bool { return v.ID == id })
			vs = append(vs, be.truth.Vendors[i])
			markets[be.truth.Vendors[i].Market] = true
		}
		if len(markets) >= 2 {
			be.vendor, be.linked = vs[0], vs
			break
		}
	}
	if be.vendor.ID == "" {
		t.Fatal("testbed truth has no actor on two markets")
	}
	al, err := alert.OpenLog(filepath.Join(dir, "alerts.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { al.Close() })
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	if _, err := al.Add([]alert.Alert{
		{ID: "b1", Key: "k1", Rule: "cross-market", Kind: "vendor_on_new_market", Severity: "critical", Market: be.linked[1].Market,
			Subject: be.vendor.Actor, Summary: "operator of " + be.vendor.ID + " now on " + be.linked[1].Market,
			Linked: []string{be.vendor.ID}, Entities: be.vendor.PGP, FirstSeen: now, Raised: now},
		{ID: "b2", Key: "k2", Rule: "watch", Kind: "watch", Severity: "warning", Market: x.Market, Subject: x.ID,
			Summary: xssTitle, FirstSeen: now, Raised: now.Add(time.Minute)},
	}, func(alert.Alert) []string { return nil }); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range be.truth.Markets {
		names = append(names, m.Name)
	}
	markets := &fakeMarkets{fn: func(context.Context) ([]api.MarketStatus, error) {
		var out []api.MarketStatus
		for i, n := range names {
			ms := api.MarketStatus{Name: n, Status: api.StatusUp, Queued: int64(10 * i), Seen: 200, Hosts: []api.HostStatus{{Host: n + "xxxxxxxxxxxxxxxx.onion", Up: i != 2}}}
			for h := range 12 {
				ms.Hosts[0].History = append(ms.Hosts[0].History, api.HostEvent{At: now.Add(time.Duration(h) * time.Hour), Up: h%5 != 4 || i == 0})
			}
			switch i {
			case 1:
				ms.Status, ms.Paused = api.StatusPaused, "captcha"
			case 2:
				ms.Status = api.StatusDown
			}
			out = append(out, ms)
		}
		return out, nil
	}}
	analystHash, adminHash := passwordHashes(t)
	s, err := api.New(api.Options{Store: st, Alerts: logAlerts{al}, Markets: markets, AuditPath: filepath.Join(dir, "audit.log"),
		Users: []api.User{{Name: "alice", Role: api.RoleAnalyst, PasswordHash: analystHash}, {Name: "root", Role: api.RoleAdmin, PasswordHash: adminHash}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	be.srv = httptest.NewServer(s.Handler())
	t.Cleanup(be.srv.Close)
	return be
}

// newBrowser starts headless Chromium with a fresh profile and no network beyond loopback.
func newBrowser(t *testing.T) (context.Context, *atomic.Int32) {
	exe := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	dialogs := &atomic.Int32{}
	evs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range evs {
			if err != nil {
				return
			}
			dialogs.Add(1)
			t.Logf("JavaScript dialog opened: %q", ev.Message)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return ctx, dialogs
}

func login(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := chromedp.Do(sctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), user),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
	)
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		t.Fatalf("login as %s: %v (at %s: %.2000s)", user, err, loc, body)
	}
}

// open navigates to path, waits for the page script to finish and checks that it showed
// no error; it saves a full-page screenshot as name.png.
func open(t *testing.T, ctx context.Context, base, path, out, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`))); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		t.Fatalf("open %s: %v (%.2000s)", path, err, body)
	}
	errText, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const e = document.getElementById("error"); return e && !e.hidden ? e.textContent : ""; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if errText != "" {
		t.Errorf("%s: page shows error %q", path, errText)
	}
	shot(t, ctx, out, name)
}

func shot(t *testing.T, ctx context.Context, out, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(out, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

func evalJS[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// listingIDsOnPage reads the listing ids linked from the results table.
const listingIDsJS = `Array.from(document.querySelectorAll("table.listings a[href^='/listing?id=']")).map(a => new URLSearchParams(a.getAttribute("href").slice(9)).get("id"))`

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	chromiumPath(t)
	be := newBrowserEnv(t)
	ctx, dialogs := newBrowser(t)
	out := testOutDir(t)
	base := be.srv.URL

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("user"))); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, out, "login")
	login(t, ctx, base, "alice")

	t.Run("search by substance shows the truth's listings", func(t *testing.T) {
		// The substance with the most truth listings that fit on one page.
		count := map[string]map[string]bool{}
		for _, l := range be.all {
			for _, s := range l.Substances {
				if count[s.Name] == nil {
					count[s.Name] = map[string]bool{}
				}
				count[s.Name][l.ID] = true
			}
		}
		var sub string
		for n, ids := range count {
			if len(ids) <= 50 && (sub == "" || len(ids) > len(count[sub]) || len(ids) == len(count[sub]) && n < sub) {
				sub = n
			}
		}
		if sub == "" || len(count[sub]) < 2 {
			t.Fatalf("no usable substance in the truth: %v", count)
		}
		var want []string
		for id := range count[sub] {
			want = append(want, id)
		}
		if slices.ContainsFunc(be.truth.Listings[0].Substances, func(s record.Substance) bool { return s.Name == sub }) {
			want = append(want, be.xssID) // the hostile copy carries the same substances
		}
		slices.Sort(want)
		open(t, ctx, base, "/?"+url.Values{"substance": {sub}, "sort": {"id"}}.Encode(), out, "search")
		got := evalJS[[]string](t, ctx, listingIDsJS)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("search substance=%s: listings differ from the truth (-want +got):\n%s", sub, diff)
		}
		total := evalJS[string](t, ctx, `document.getElementById("total").textContent`)
		if total != fmt.Sprintf("%d listings", len(want)) {
			t.Errorf("total: got %q, want %d listings", total, len(want))
		}
		// Facet counts: the substance facet shows the filter's own count.
		facet := evalJS[string](t, ctx, `(() => { const a = Array.from(document.querySelectorAll("a[data-facet=substance]")).find(a => a.textContent === `+jsString(sub)+`); return a ? a.nextSibling.textContent.trim() : ""; })()`)
		if facet != fmt.Sprint(len(want)) {
			t.Errorf("substance facet count: got %q, want %d", facet, len(want))
		}
		// The form submits filters as a GET to the same page.
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
			chromedp.SendKeys(chromedp.ID("f-substance"), sub), chromedp.Click(chromedp.ID("search-button"))); err != nil {
			t.Fatal(err)
		}
		var loc string
		for range 100 { // bounded wait for the navigation
			loc, _ = chromedp.Run(ctx, chromedp.Location())
			if strings.Contains(loc, "substance=") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !strings.Contains(loc, "substance="+url.QueryEscape(sub)) || strings.Contains(loc, "min_usd=") {
			t.Errorf("form submit: location %s: want the substance and no empty filters", loc)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`))); err != nil {
			t.Fatal(err)
		}
		if got := evalJS[int](t, ctx, `document.querySelectorAll("table.listings tbody tr").length`); got != len(want) {
			t.Errorf("form search: got %d rows, want %d", got, len(want))
		}
	})

	t.Run("vendor page shows its linked markets", func(t *testing.T) {
		open(t, ctx, base, "/vendor?"+url.Values{"id": {be.vendor.ID}}.Encode(), out, "vendor")
		got := evalJS[string](t, ctx, `document.getElementById("linked-markets").textContent`)
		for _, v := range be.linked {
			if !strings.Contains(got, v.Market) {
				t.Errorf("linked markets %q lack %s (account %s)", got, v.Market, v.ID)
			}
		}
		rows := evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll("table.linked tbody tr")).map(r => r.textContent)`)
		for _, v := range be.linked[1:] {
			if !slices.ContainsFunc(rows, func(r string) bool { return strings.Contains(r, v.ID) }) {
				t.Errorf("linked accounts table %q lacks %s", rows, v.ID)
			}
		}
		if n := evalJS[int](t, ctx, `document.querySelectorAll("figure.chart svg polyline, figure.chart svg circle").length`); n == 0 {
			t.Error("vendor page: no price-history chart")
		}
		if n := evalJS[int](t, ctx, `document.querySelectorAll(".facet-table table tbody tr").length`); n == 0 {
			t.Error("vendor page: no ships-from table rows")
		}
	})

	t.Run("actor page", func(t *testing.T) {
		open(t, ctx, base, "/actor?"+url.Values{"id": {be.vendor.Actor}}.Encode(), out, "actor")
		rows := evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll("table.accounts tbody tr")).map(r => r.textContent)`)
		if len(rows) != len(be.linked) {
			t.Errorf("actor accounts: got %d rows %q, want %d", len(rows), rows, len(be.linked))
		}
	})

	t.Run("XSS payload in a listing title does not run", func(t *testing.T) {
		open(t, ctx, base, "/listing?"+url.Values{"id": {be.xssID}}.Encode(), out, "listing-xss")
		if got := evalJS[string](t, ctx, `document.getElementById("title").textContent`); got != xssTitle {
			t.Errorf("title shown as %q, want the payload as text %q", got, xssTitle)
		}
		open(t, ctx, base, "/?"+url.Values{"q": {"svg onload"}}.Encode(), out, "search-xss")
		shown := evalJS[[]string](t, ctx, `Array.from(document.querySelectorAll("table.listings a[href^='/listing?id=']")).map(a => a.textContent)`)
		if !slices.Contains(shown, xssTitle) {
			t.Errorf("search results %q: payload not shown as text", shown)
		}
		open(t, ctx, base, "/alerts", out, "alerts")
		if got := evalJS[bool](t, ctx, `Array.from(document.querySelectorAll("table.alerts td")).some(td => td.textContent === `+jsString(xssTitle)+`)`); !got {
			t.Error("alerts page: hostile summary not shown as text")
		}
		if v := evalJS[string](t, ctx, `String(window.__xss)`); v != "undefined" {
			t.Errorf("payload ran: window.__xss = %s", v)
		}
		if n := evalJS[int](t, ctx, `document.querySelectorAll("img, script:not([src]), svg[onload], [onerror]").length`); n != 0 {
			t.Errorf("%d injected elements in the DOM", n)
		}
		if n := dialogs.Load(); n != 0 {
			t.Errorf("%d JavaScript dialogs opened", n)
		}
	})

	t.Run("an id with .. segments stays one path segment", func(t *testing.T) {
		// Sent as segments, "x/../../me" would be resolved by the browser to /api/v1/me and
		// the page would render that; as one escaped segment it is an unknown listing.
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, chromedp.Navigate(base+"/listing?"+url.Values{"id": {"x/../../me"}}.Encode()),
			chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`))); err != nil {
			t.Fatal(err)
		}
		got := evalJS[string](t, ctx, `(() => { const e = document.getElementById("error"); return e && !e.hidden ? e.textContent : ""; })()`)
		if got != "not found" {
			t.Errorf("listing x/../../me: page error %q, want \"not found\" (the id reached the server as one segment)", got)
		}
	})

	t.Run("acknowledge an alert from the UI", func(t *testing.T) {
		open(t, ctx, base, "/alerts", out, "alerts-before-ack")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button.ack[data-id="b1"]`)),
			chromedp.WaitNotPresent(chromedp.CSS(`button.ack[data-id="b1"]`))); err != nil {
			t.Fatalf("ack: %v", err)
		}
		open(t, ctx, base, "/alerts?acked=false", out, "alerts-unacked")
		if n := evalJS[int](t, ctx, `document.querySelectorAll("table.alerts tbody tr").length`); n != 1 {
			t.Errorf("unacknowledged alerts after ack: got %d rows, want 1", n)
		}
	})

	t.Run("markets page", func(t *testing.T) {
		open(t, ctx, base, "/markets", out, "markets")
		got := evalJS[string](t, ctx, `document.querySelector("table.markets").textContent`)
		for _, want := range []string{"paused (captcha)", "down", "up"} {
			if !strings.Contains(got, want) {
				t.Errorf("markets table lacks %q", want)
			}
		}
	})

	t.Run("audit page for admins", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form.logout button`)), chromedp.WaitVisible(chromedp.ID("user"))); err != nil {
			t.Fatalf("logout: %v", err)
		}
		login(t, ctx, base, "root")
		open(t, ctx, base, "/audit", out, "audit")
		got := evalJS[string](t, ctx, `document.querySelector("table.audit").textContent`)
		if !strings.Contains(got, "alice") || !strings.Contains(got, "substance=") {
			t.Errorf("audit page lacks alice's searches: %.300s", got)
		}
	})
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d JavaScript dialogs opened during the test", n)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "<", `\x3c`)
	return `"` + r.Replace(s) + `"`
}
