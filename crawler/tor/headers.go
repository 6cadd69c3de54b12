package tor

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// UserAgent is Tor Browser 14's (Firefox 128 ESR, Windows, resistFingerprinting).
const UserAgent = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"

// BrowserHeaders is the header set Tor Browser 14 sends for a top-level
// navigation. Accept-Encoding omits br and zstd: RoundTripper decodes only
// gzip and deflate. Sec-Fetch-Site is computed per request by
// ApplyBrowserHeaders.
var BrowserHeaders = http.Header{
	"User-Agent":                {UserAgent},
	"Accept":                    {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
	"Accept-Language":           {"en-US,en;q=0.5"},
	"Accept-Encoding":           {"gzip, deflate"},
	"Upgrade-Insecure-Requests": {"1"},
	"Sec-Fetch-Dest":            {"document"},
	"Sec-Fetch-Mode":            {"navigate"},
	"Sec-Fetch-Site":            {"none"},
	"Sec-Fetch-User":            {"?1"},
	"Priority":                  {"u=0, i"},
}

// ApplyBrowserHeaders sets every BrowserHeaders field on h, replacing what a
// crawler library put there (its User-Agent, Accept), and leaves other
// fields (Cookie, Referer, Content-Type) alone. Sec-Fetch-Site follows the
// Referer: none without one, same-origin or cross-site with one.
func ApplyBrowserHeaders(req *http.Request) {
	for k, v := range BrowserHeaders {
		req.Header[k] = append([]string(nil), v...)
	}
	if ref := req.Header.Get("Referer"); ref != "" {
		site := "cross-site"
		if strings.HasPrefix(ref, req.URL.Scheme+"://"+req.URL.Host+"/") || ref == req.URL.Scheme+"://"+req.URL.Host {
			site = "same-origin"
		}
		req.Header["Sec-Fetch-Site"] = []string{site}
		delete(req.Header, "Sec-Fetch-User") // not a user-initiated navigation
	}
}

type marketKey struct{}

// WithMarket tags ctx so RoundTripper routes the request as market.
func WithMarket(ctx context.Context, market string) context.Context {
	return context.WithValue(ctx, marketKey{}, market)
}

// MarketFrom returns the market set by WithMarket.
func MarketFrom(ctx context.Context) (string, bool) {
	m, ok := ctx.Value(marketKey{}).(string)
	return m, ok && m != ""
}

// RoundTripper returns an http.RoundTripper for all markets: it routes a
// request by the market in its context (WithMarket), or else by its URL
// host, through that market's HTTPTransport; applies BrowserHeaders; and
// decodes gzip/deflate response bodies.
func (p *Pool) RoundTripper() http.RoundTripper { return roundTripper{p} }

type roundTripper struct{ p *Pool }

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	market, ok := MarketFrom(req.Context())
	if !ok {
		market = strings.ToLower(req.URL.Hostname())
	}
	r := req.Clone(req.Context())
	ApplyBrowserHeaders(r)
	resp, err := rt.p.HTTPTransport(market).RoundTrip(r)
	if err != nil {
		if req.Body != nil && r.Body == nil {
			req.Body.Close()
		}
		return nil, err
	}
	if err := decodeBody(resp); err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("tor: %s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	return resp, nil
}

func decodeBody(resp *http.Response) error {
	enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	var body io.ReadCloser
	switch enc {
	case "", "identity":
		return nil
	case "gzip", "x-gzip":
		body = &lazyReader{src: resp.Body, open: func(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) }}
	case "deflate":
		body = &lazyReader{src: resp.Body, open: openDeflate}
	default:
		return nil // unknown coding: leave it for the caller to see
	}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	resp.Uncompressed = true
	resp.Body = body
	return nil
}

// openDeflate accepts both zlib-wrapped (RFC 1950, the standard) and raw
// (RFC 1951, what some servers send) deflate.
func openDeflate(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReader(r)
	h, err := br.Peek(2)
	if err == nil && h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}

// lazyReader opens the decoder on first Read, so a failed header read
// surfaces as a body read error (as net/http's own gzip reader does).
type lazyReader struct {
	src  io.ReadCloser
	open func(io.Reader) (io.ReadCloser, error)
	dec  io.ReadCloser
	err  error
}

func (l *lazyReader) Read(b []byte) (int, error) {
	if l.dec == nil && l.err == nil {
		dec, err := l.open(l.src)
		if err != nil {
			l.err = err // dec may be a typed nil (gzip.NewReader)
		} else {
			l.dec = dec
		}
	}
	if l.err != nil {
		return 0, l.err
	}
	return l.dec.Read(b)
}

func (l *lazyReader) Close() error {
	if l.dec != nil {
		l.dec.Close()
	}
	return l.src.Close()
}
