package testbed

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/net/html"
)

// Economy traps (Options.Traps): what real markets do that costs a crawler requests without
// adding a listing. Every page gets header links to the login and registration pages and to
// actions (logout, currency and language switches); every listing page gets links to
//   - /watch?item=KEY: a 302 chain (/watch -> /session/check -> /login) to the login page;
//   - /messages/new?to=HANDLE&item=KEY ("Send a message") and /ask/KEY ("Ask the vendor"):
//     message forms behind a CAPTCHA (the second without any telling word in its URL);
//   - /search/vendor?q=HANDLE: a vendor search that answers HTTP 500 on every request;
//   - actions: /order/new, /wishlist/add, /vote, /report.
//
// A crawler must never request an action (TrapActions); the truth's markets[].min_requests
// is the number of requests that sees every listing and vendor page (see minRequests).

// TrapActions are the path prefixes of the trap links that would act on a market if fetched.
var TrapActions = []string{"/order/", "/wishlist/", "/vote", "/report", "/logout", "/settings/", "/messages/send"}

// trapPaths are the path prefixes the traps answer (served before the market's own pages).
var trapPaths = []string{"/watch", "/session/check", "/login", "/register", "/messages/", "/ask/", "/search/vendor",
	"/order/", "/wishlist/", "/vote", "/report", "/logout", "/settings/"}

// trapIndex maps the listing and vendor page paths of one market to what they show.
type trapIndex struct {
	once     sync.Once
	listings map[string]*slot   // "/listing/100007" -> slot
	vendors  map[string]*vendor // "/vendor/handle" -> vendor
}

func (w *World) trapIndexOf(m *market) *trapIndex {
	w.trapsMu.Lock()
	ti := w.trapIdx[m.info.Name]
	if ti == nil {
		ti = &trapIndex{}
		if w.trapIdx == nil {
			w.trapIdx = map[string]*trapIndex{}
		}
		w.trapIdx[m.info.Name] = ti
	}
	w.trapsMu.Unlock()
	ti.once.Do(func() {
		ti.listings, ti.vendors = map[string]*slot{}, map[string]*vendor{}
		for _, s := range w.visible(m, nil) {
			ti.listings["/"+w.listingPath(s)] = s
		}
		for _, v := range m.vendors {
			if v.firstDay <= w.opts.Day {
				ti.vendors["/"+vendorPath(v)] = v
			}
		}
	})
	return ti
}

// serveTrap answers the trap paths and reports whether it did.
func (w *World) serveTrap(rw http.ResponseWriter, r *http.Request, m *market) bool {
	p := r.URL.Path
	hit := false
	for _, t := range trapPaths {
		if p == strings.TrimSuffix(t, "/") || strings.HasPrefix(p, t) {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	next := url.QueryEscape(r.URL.RequestURI())
	switch {
	case p == "/watch":
		http.Redirect(rw, r, "/session/check?next="+next, http.StatusFound)
	case p == "/session/check":
		http.Redirect(rw, r, "/login?next="+url.QueryEscape(r.URL.Query().Get("next")), http.StatusFound)
	case p == "/login", p == "/register":
		w.writePage(rw, r, loginPage(m, r))
	case strings.HasPrefix(p, "/messages/"), strings.HasPrefix(p, "/ask/"):
		w.writePage(rw, r, messageForm(m))
	case p == "/search/vendor":
		http.Error(rw, "500 Internal Server Error: search backend unavailable", http.StatusInternalServerError)
	default: // an action: the market would act on it
		w.writePage(rw, r, &page{status: 200, body: fmt.Appendf(nil, `<!DOCTYPE html><html><head><title>Done | %s</title></head><body><p>Your request was carried out.</p><a href="/">Back</a></body></html>`, esc(m.info.Name))})
	}
	return true
}

// messageForm is a "contact the vendor" form behind a CAPTCHA: no listing content.
func messageForm(m *market) *page {
	return &page{status: 200, body: fmt.Appendf(nil, `<!DOCTYPE html><html><head><title>New message | %s</title></head><body><div class="compose"><h1>Write to the vendor</h1>
<form method="post" action="/messages/send"><input name="subject" placeholder="Subject"><textarea name="body" rows="8"></textarea>
<img src="/captcha.png?m=1" alt="captcha"><input name="captcha" placeholder="Enter the characters above"><button type="submit">Send</button></form>
<p><a href="/">Back to the shop</a></p></div></body></html>`, esc(m.info.Name))}
}

// addTrapLinks puts the trap links into an HTML page of market m at path p.
func (w *World) addTrapLinks(m *market, p string, pg *page) {
	if pg.status != 0 && pg.status != http.StatusOK {
		return
	}
	var b strings.Builder
	b.WriteString(`<div class="account"><a href="/login">Log in</a> <a href="/register">Register</a> <a href="/logout">Log out</a> <a href="/settings/currency?set=EUR">EUR</a> <a href="/settings/lang?set=de">Deutsch</a></div>`)
	ti := w.trapIndexOf(m)
	if s := ti.listings[p]; s != nil {
		k, h := url.QueryEscape(s.key), url.QueryEscape(s.vendor.handle)
		fmt.Fprintf(&b, `<div class="actions"><a href="/watch?item=%s">Watch this item</a> <a href="/messages/new?item=%s&amp;to=%s">Send a message</a> <a href="/ask/%s">Ask the vendor a question</a> <a href="/search/vendor?q=%s">More from this vendor</a> <a href="/order/new?item=%s">Buy now</a> <a href="/wishlist/add?item=%s">Add to wishlist</a> <a href="/vote?item=%s&amp;dir=up">Upvote</a> <a href="/report?item=%s">Report</a></div>`,
			k, k, h, url.PathEscape(s.key), h, k, k, k, k)
	}
	b.WriteString("</body>")
	if i := bytes.LastIndex(pg.body, []byte("</body>")); i >= 0 {
		pg.body = append(pg.body[:i:i], append([]byte(b.String()), pg.body[i+len("</body>"):]...)...)
	}
}

// minRequests is the number of requests that sees every field of every listing and vendor of
// market m today: the front page, every listing and vendor page, and the navigation pages on
// a shortest link path from the front page to each of them (category pages and their
// pagination, boards, shop lists). Pages that lead to none of them (FAQ, rules, login,
// messages, actions, traps) are not counted, nor are repeats, redirects and failures. It is
// found by a breadth-first walk of the market's pages as rendered (no faults, no traps).
func (w *World) minRequests(m *market) int {
	ti := w.trapIndexOf(m)
	host := m.info.Host
	parent := map[string]string{"/": ""}
	queue := []string{"/"}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		req, err := http.NewRequest(http.MethodGet, "http://"+host+p, nil)
		if err != nil {
			continue
		}
		pg := w.render(m, req)
		if pg.status != 0 && pg.status != http.StatusOK {
			continue
		}
		base := req.URL
		for _, href := range hrefs(pg.body) {
			u, err := base.Parse(href)
			if err != nil || (u.Host != "" && !strings.EqualFold(u.Host, host)) {
				continue
			}
			k := u.EscapedPath()
			if u.RawQuery != "" {
				k += "?" + u.RawQuery
			}
			if _, ok := parent[k]; !ok {
				parent[k] = p
				queue = append(queue, k)
			}
		}
	}
	need := map[string]bool{"/": true}
	mark := func(p string) {
		for x := p; x != "" && !need[x]; x = parent[x] {
			need[x] = true
		}
		need[p] = true
	}
	for p := range ti.listings {
		mark(p)
	}
	for p := range ti.vendors {
		mark(p)
	}
	return len(need)
}

// hrefs returns the href attributes of a page's anchors.
func hrefs(body []byte) []string {
	var out []string
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			name, attr := z.TagName()
			if string(name) != "a" || !attr {
				continue
			}
			for {
				k, v, more := z.TagAttr()
				if string(k) == "href" {
					out = append(out, string(v))
				}
				if !more {
					break
				}
			}
		}
	}
}
