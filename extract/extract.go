package extract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"runtime/debug"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html/charset"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/extract/substance"
)

// MaxBodySize is the largest body Extract reads; longer bodies are truncated and the
// result carries an issue.
const MaxBodySize = 8 << 20

// Page kinds in Result.Kind. KindListing, KindVendor, KindInterstitial and KindNotFound
// are declared in record.go.
const (
	KindCategory    = record.KindCategory
	KindSearch      = record.KindSearch
	KindForumThread = record.KindForumThread
	KindOther       = record.KindOther
)

// Link kinds in Link.Kind.
const (
	LinkListing = "listing"
	LinkVendor  = "vendor"
	LinkNext    = "next"
	LinkNav     = "nav"
)

// ErrPanic wraps a panic recovered while extracting a page.
var ErrPanic = errors.New("extract: panic")

// Page is one fetched page. Body is already decoded to UTF-8 (see DecodeBody).
type Page struct {
	URL         string
	Market      string // market name; empty: the profile name, else the URL host
	Body        []byte
	ContentType string
	Status      int // HTTP status; 0 = unknown
	FetchedAt   time.Time
	Capture     *Capture
}

// Link is an outgoing link with its kind, for crawl prioritisation.
type Link struct {
	URL  string `json:"url"`
	Kind string `json:"kind"` // listing, part, vendor, next, nav
}

// Result is what one page yields.
type Result struct {
	Kind    string `json:"kind"` // listing vendor category search interstitial not_found forum_thread part other
	Profile string `json:"profile,omitempty"`
	// ListingKey is, for a KindPart page, the ID (market/key) of its listing.
	ListingKey string `json:"listing_key,omitempty"`
	// PageType is the profile page type that read the page; empty when the generic
	// extractor did (no profile, or none of its page types matched).
	PageType     string        `json:"-"`
	Listings     []Listing     `json:"listings,omitempty"`
	Vendors      []Vendor      `json:"vendors,omitempty"`
	Interstitial *Interstitial `json:"interstitial,omitempty"`
	Links        []Link        `json:"links,omitempty"`
	Issues       []Issue       `json:"issues,omitempty"` // page-level issues
}

// Options configures an Extractor. The zero value is usable.
type Options struct {
	Profiles []Profile         // user profiles, added to (and overriding by name) the embedded ones
	Tagger   *substance.Tagger // nil: substance.Default()
	Logger   *slog.Logger      // nil: discard
}

// Extractor extracts records from pages. Safe for concurrent use.
type Extractor struct {
	profiles map[string]*compiled
	order    []string
	tagger   *substance.Tagger
	log      *slog.Logger

	labelFirst map[rune]bool
	wantKeys   map[string]bool
	labelKeys  map[string]string
}

// New compiles the embedded and user profiles. It does no I/O.
func New(opts Options) (*Extractor, error) {
	x := &Extractor{profiles: map[string]*compiled{}, tagger: opts.Tagger, log: opts.Logger}
	if x.log == nil {
		x.log = slog.New(slog.DiscardHandler)
	}
	if x.tagger == nil {
		x.tagger = substance.Default()
	}
	emb, err := embeddedProfiles()
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, p := range append(emb, opts.Profiles...) {
		c, err := compileProfile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, ok := x.profiles[p.Name]; !ok {
			x.order = append(x.order, p.Name)
		}
		x.profiles[p.Name] = c
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("extract: profiles: %w", err)
	}
	sort.Strings(x.order)
	x.labelFirst = labelFirstRunes(x.allLabels())
	x.wantKeys, x.labelKeys = labelKeySets(x.allLabels())
	return x, nil
}

// Profiles returns the names of the loaded profiles, sorted.
func (x *Extractor) Profiles() []string { return append([]string(nil), x.order...) }

// Extract extracts records from p. profile is a profile name, "auto" or "" to detect it
// from the page, or any other value (e.g. "generic") for the generic extractor. A panic
// while extracting is returned as an error wrapping ErrPanic.
func (x *Extractor) Extract(p Page, profile string) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			x.log.Error("extract_panic", "url", p.URL, "err", r)
			res = Result{Kind: KindOther}
			err = fmt.Errorf("%w: %s: %v\n%s", ErrPanic, p.URL, r, debug.Stack())
		}
	}()
	var pageIssues []Issue
	body := p.Body
	if len(body) > MaxBodySize {
		body = body[:MaxBodySize]
		pageIssues = append(pageIssues, Issue{Field: "body", Reason: fmt.Sprintf("truncated to %d bytes", MaxBodySize)})
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return Result{Kind: KindOther}, fmt.Errorf("extract: parse %s: %w", p.URL, err)
	}
	pc := newPageCtx(p, doc)
	defer pc.release()
	pc.labelFirst = x.labelFirst
	pc.wantKeys, pc.labelKeys = x.wantKeys, x.labelKeys

	var prof *compiled
	switch profile {
	case "", "auto":
		prof = x.detect(pc)
	default:
		prof = x.profiles[profile]
	}
	if pc.market == "" {
		if prof != nil {
			pc.market = prof.Name
		} else {
			pc.market = hostOf(pc.base)
		}
	}

	var out pageOut
	switch {
	case p.Status == 404 || p.Status == 410:
		out = pageOut{kind: KindNotFound}
		if prof != nil {
			res.Profile = prof.Name
		}
	case prof != nil:
		out = prof.apply(pc)
		res.Profile = prof.Name
		if out.kind != "" && out.kind != KindOther && wallShaped(pc) {
			// A page type matched on the URL and a plain heading (an induced profile's
			// "h2" at a listing URL) also matches the DDoS queue or CAPTCHA page a market
			// serves at that URL: a wall is no listing.
			if in := detectInterstitial(pc); in != nil {
				out = pageOut{kind: KindInterstitial, interstitial: in, issues: out.issues}
			}
		}
	}
	if out.kind == "" || out.kind == KindOther {
		if in := detectInterstitial(pc); in != nil {
			out = pageOut{kind: KindInterstitial, interstitial: in, issues: out.issues}
		} else if detectNotFound(pc) {
			out = pageOut{kind: KindNotFound, issues: out.issues}
		} else {
			g := genericExtract(pc)
			g.issues = append(out.issues, g.issues...)
			out = g
		}
	}
	res.Kind = out.kind
	res.PageType = out.pageType
	res.Interstitial = out.interstitial
	res.Issues = out.issues
	if res.Interstitial != nil {
		res.Interstitial.Market = pc.market
		res.Interstitial.URL = p.URL
	}
	for _, d := range out.listings {
		res.Listings = append(res.Listings, x.finishListing(pc, prof, d))
	}
	for _, d := range out.vendors {
		res.Vendors = append(res.Vendors, x.finishVendor(pc, prof, d))
	}
	if res.Kind != KindInterstitial {
		res.Links = classifyLinks(pc, prof)
	}
	res.Issues = append(pageIssues, res.Issues...)
	if parent, _, ok := PartOf(p.URL); ok && res.Kind != KindInterstitial && res.Kind != KindNotFound {
		res = asPart(res, p.URL, parent, pc.market, prof) // a listing's tab page (parts.go)
	}
	if res.Kind == "" {
		res.Kind = KindOther
	}
	return res, nil
}

// allLabels lists every label the profiles and the generic extractor look up.
func (x *Extractor) allLabels() []string {
	var out []string
	for _, l := range [][]string{lblPrice, lblVendor, lblFrom, lblTo, lblCategory, lblShipping, lblFromShort, lblToShort, lblQuantity, lblLevel, lblRating, lblSales, lblStock, lblHandle} {
		out = append(out, l...)
	}
	var field func(f *cField)
	field = func(f *cField) {
		out = append(out, f.Label...)
		for _, a := range f.alts {
			field(a)
		}
	}
	for _, c := range x.profiles {
		for _, p := range c.pages {
			for _, f := range p.fields {
				field(f)
			}
		}
	}
	return out
}

// detect returns the profile whose detect rules match the page best, or nil.
func (x *Extractor) detect(pc *pageCtx) *compiled {
	var best *compiled
	bestScore := 0
	for _, name := range x.order {
		c := x.profiles[name]
		if c.otherSite(pc) {
			continue
		}
		if s := c.detectScoreAbove(pc, bestScore); s > bestScore {
			best, bestScore = c, s
		}
	}
	return best
}

// DecodeBody converts body to UTF-8 using the charset of contentType, a BOM or a <meta>
// declaration (golang.org/x/net/html/charset). Bodies already in UTF-8 come back unchanged.
func DecodeBody(body []byte, contentType string) ([]byte, error) {
	if len(body) > MaxBodySize {
		body = body[:MaxBodySize]
	}
	peek := body
	if len(peek) > 1024 {
		peek = peek[:1024]
	}
	enc, name, certain := charset.DetermineEncoding(peek, contentType)
	// Without a declaration the sniffer guesses windows-1252; valid UTF-8 is far more
	// likely on today's markets, so keep it.
	if name == "utf-8" || (!certain && utf8.Valid(body)) {
		return body, nil
	}
	out, err := io.ReadAll(io.LimitReader(enc.NewDecoder().Reader(bytes.NewReader(body)), 4*MaxBodySize))
	if err != nil {
		return nil, fmt.Errorf("extract: decode body as %s (%q): %w", name, contentType, err)
	}
	return out, nil
}

func hostOf(u *url.URL) string {
	if u == nil {
		return ""
	}
	h := strings.ToLower(u.Hostname())
	return strings.TrimSuffix(h, ".onion")
}
