package extract

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/andybalholm/cascadia"
	"gopkg.in/yaml.v3"
)

// Profile describes one market family declaratively. See profiles/*.yaml and
// docs in profiles/README.md for the format.
type Profile struct {
	Name      string     `yaml:"name"`
	Version   int        `yaml:"version"`
	Detect    []Matcher  `yaml:"detect"`     // any rule matching identifies the market; more matches win
	Currency  string     `yaml:"currency"`   // default currency for bare amounts
	Key       string     `yaml:"key"`        // regex on the listing URL; group 1 is the listing key
	VendorKey string     `yaml:"vendor_key"` // regex on a vendor URL; group 1 is the handle
	Links     LinkRules  `yaml:"links"`
	PageTypes []PageType `yaml:"page_types"`
}

// Matcher matches a page by URL regex, CSS selector, title regex and/or text substring.
// All given conditions must hold.
type Matcher struct {
	URL      string `yaml:"url"`
	Selector string `yaml:"selector"`
	Text     string `yaml:"text"`  // case-insensitive substring of the visible text
	Title    string `yaml:"title"` // regex on <title>
}

// LinkRules classify outgoing links: regexes on absolute URLs, plus a selector for the
// next-page link.
type LinkRules struct {
	Listing string `yaml:"listing"`
	Vendor  string `yaml:"vendor"`
	Next    string `yaml:"next"` // CSS selector of next-page anchors
	NextURL string `yaml:"next_url"`
	Ignore  string `yaml:"ignore"` // links never followed (logout, cart actions)
}

// PageType is one kind of page of a market and how to read it.
type PageType struct {
	Name   string           `yaml:"name"`
	Kind   string           `yaml:"kind"` // listing vendor category search interstitial not_found forum_thread other
	Type   string           `yaml:"type"` // interstitial type for kind interstitial
	Match  Matcher          `yaml:"match"`
	Cards  string           `yaml:"cards"` // selector of repeated cards: one listing per card
	Fields map[string]Field `yaml:"fields"`
}

// Field is how to read one value: a CSS selector and/or a label, then transforms.
// In YAML a field is a selector string, a mapping, or a list of alternatives (the first
// non-empty wins).
type Field struct {
	Selector string   `yaml:"selector"` // CSS, relative to the card on card pages
	Label    strList  `yaml:"label"`    // label-value lookup: "Ships from", "Vendor"...
	Attr     string   `yaml:"attr"`     // read this attribute instead of the text
	HTML     bool     `yaml:"html"`     // inner HTML instead of text
	Own      bool     `yaml:"own"`      // own text only (direct text children)
	All      bool     `yaml:"all"`      // every match, joined with Join
	Join     string   `yaml:"join"`     // default ", "
	Regex    string   `yaml:"regex"`    // keep group 1 (or the whole match)
	Replace  []string `yaml:"replace"`  // pairs regex, replacement
	Split    string   `yaml:"split"`    // regex splitting one value into items (offers)
	Tree     *Tree    `yaml:"tree"`     // category path from a sidebar tree
	Const    string   `yaml:"const"`    // a fixed value
	URL      string   `yaml:"url"`      // regex on the page URL instead of the DOM; group 1
	Alt      []Field  `yaml:"-"`
}

// Tree reads a category path from a flat list of tree items: the item matching Selected
// and, before it, the last item at each lower depth.
type Tree struct {
	Selected string `yaml:"selected"` // selector that the selected item matches
	Depth    string `yaml:"depth"`    // regex on the class attribute; group 1 = depth
	Text     string `yaml:"text"`     // selector of the label inside an item
	Join     string `yaml:"join"`     // default " > "
}

type strList []string

func (s *strList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*s = strList{n.Value}
		return nil
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		*s = l
		return nil
	}
	return fmt.Errorf("line %d: label: want a string or a list", n.Line)
}

type fieldPlain Field

// UnmarshalYAML accepts a selector string, a mapping (strictly) or a list of alternatives.
func (f *Field) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*f = Field{Selector: n.Value}
		return nil
	case yaml.SequenceNode:
		var alts []Field
		for _, c := range n.Content {
			var a Field
			if err := a.UnmarshalYAML(c); err != nil {
				return err
			}
			alts = append(alts, a)
		}
		*f = Field{Alt: alts}
		return nil
	case yaml.MappingNode:
		var p fieldPlain
		if err := strictNode(n, &p); err != nil {
			return err
		}
		*f = Field(p)
		return nil
	}
	return fmt.Errorf("line %d: field: want a selector, a mapping or a list", n.Line)
}

// strictNode decodes n into v rejecting unknown keys (yaml.v3 drops KnownFields inside
// custom unmarshalers, so re-encode and decode strictly).
func strictNode(n *yaml.Node, v any) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	d := yaml.NewDecoder(bytes.NewReader(b))
	d.KnownFields(true)
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("near line %d: %w", n.Line, err)
	}
	return nil
}

// LoadProfile reads one profile from YAML, strictly: unknown keys are errors. The profile
// is also compiled (selectors and regexes checked).
func LoadProfile(r io.Reader) (Profile, error) {
	var p Profile
	d := yaml.NewDecoder(io.LimitReader(r, 1<<20))
	d.KnownFields(true)
	if err := d.Decode(&p); err != nil {
		return Profile{}, fmt.Errorf("extract: profile: %w", err)
	}
	if _, err := compileProfile(p); err != nil {
		return Profile{}, err
	}
	return p, nil
}

//go:embed profiles/*.yaml
var profileFS embed.FS

func embeddedProfiles() ([]Profile, error) {
	ents, err := fs.Glob(profileFS, "profiles/*.yaml")
	if err != nil {
		return nil, err
	}
	var out []Profile
	for _, e := range ents {
		b, err := profileFS.ReadFile(e)
		if err != nil {
			return nil, err
		}
		p, err := LoadProfile(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path.Base(e), err)
		}
		out = append(out, p)
	}
	return out, nil
}

// compiled is a profile with its selectors and regexes compiled.
type compiled struct {
	Profile
	detect    []cMatcher
	key       *regexp.Regexp
	vendorKey *regexp.Regexp
	lListing  *quickRe
	lVendor   *quickRe
	lNextURL  *quickRe
	lIgnore   *quickRe
	lNext     cascadia.Selector
	lNextNeed [][]string
	pages     []cPage
}

type cMatcher struct {
	url    *quickRe
	sel    cascadia.Selector
	selSrc string     // the selector's source, the key of pageCtx.existsMemo
	need   [][]string // per comma-separated part: class/id tokens it requires
	text   string
	title  *quickRe
	// weak: a detect rule that is one simple selector (a tag and a plain-word class,
	// "div.crumbs"): markup that unrelated market software shares, so it identifies a
	// market only beside another matching rule.
	weak bool
}

type cPage struct {
	PageType
	match  cMatcher
	cards  cascadia.Selector
	fields map[string]*cField
}

type cField struct {
	Field
	sel     cascadia.Selector
	re      *quickRe
	urlRe   *regexp.Regexp
	split   *regexp.Regexp
	repl    []*regexp.Regexp
	alts    []*cField
	treeSel cascadia.Selector
	treeTxt cascadia.Selector
	treeDep *regexp.Regexp
}

var validKinds = map[string]bool{
	KindListing: true, KindVendor: true, KindCategory: true, KindSearch: true,
	KindInterstitial: true, KindNotFound: true, KindForumThread: true, KindOther: true,
}

var listingFields = map[string]bool{
	"title": true, "description": true, "category": true, "vendor": true, "vendor_url": true,
	"price": true, "currency": true, "ships_from": true, "ships_to": true, "status": true,
	"quantity": true, "offers": true, "key": true, "url": true, "pgp": true, "contacts": true,
	"activity": true,
}

var vendorFields = map[string]bool{
	"handle": true, "display_name": true, "level": true, "rating": true, "sales": true,
	"pgp": true, "description": true, "url": true, "contacts": true,
}

func compileProfile(p Profile) (*compiled, error) {
	var errs []error
	bad := func(where string, err error) { errs = append(errs, fmt.Errorf("%s: %w", where, err)) }
	if p.Name == "" {
		return nil, errors.New("extract: profile: missing name")
	}
	c := &compiled{Profile: p}
	re := func(where, s string) *regexp.Regexp {
		if s == "" {
			return nil
		}
		r, err := regexp.Compile(s)
		if err != nil {
			bad(where, err)
		}
		return r
	}
	qre := func(where, s string) *quickRe { return newQuick(re(where, s)) }
	sel := func(where, s string) cascadia.Selector {
		if s == "" {
			return nil
		}
		r, err := cascadia.Compile(s)
		if err != nil {
			bad(where, err)
			return nil
		}
		return r
	}
	matcher := func(where string, m Matcher) cMatcher {
		return cMatcher{url: qre(where+".url", m.URL), sel: sel(where+".selector", m.Selector), selSrc: m.Selector, need: selectorNeeds(m.Selector),
			text: strings.ToLower(m.Text), title: qre(where+".title", m.Title)}
	}
	if len(p.Detect) == 0 {
		bad("detect", errors.New("at least one rule needed"))
	}
	for i, m := range p.Detect {
		cm := matcher(fmt.Sprintf("detect[%d]", i), m)
		cm.weak = m.URL == "" && m.Title == "" && m.Text == "" && simpleSelector(m.Selector)
		c.detect = append(c.detect, cm)
	}
	c.key = re("key", p.Key)
	c.vendorKey = re("vendor_key", p.VendorKey)
	c.lListing = qre("links.listing", p.Links.Listing)
	c.lVendor = qre("links.vendor", p.Links.Vendor)
	c.lNextURL = qre("links.next_url", p.Links.NextURL)
	c.lIgnore = qre("links.ignore", p.Links.Ignore)
	c.lNext = sel("links.next", p.Links.Next)
	c.lNextNeed = selectorNeeds(p.Links.Next)
	var field func(where string, f Field) *cField
	field = func(where string, f Field) *cField {
		cf := &cField{Field: f, sel: sel(where+".selector", f.Selector), re: qre(where+".regex", f.Regex),
			urlRe: re(where+".url", f.URL), split: re(where+".split", f.Split)}
		if len(f.Replace)%2 != 0 {
			bad(where+".replace", errors.New("want pairs of regex, replacement"))
		}
		for i := 0; i+1 < len(f.Replace); i += 2 {
			cf.repl = append(cf.repl, re(where+".replace", f.Replace[i]))
		}
		if f.Tree != nil {
			cf.treeSel = sel(where+".tree.selected", f.Tree.Selected)
			cf.treeTxt = sel(where+".tree.text", f.Tree.Text)
			cf.treeDep = re(where+".tree.depth", f.Tree.Depth)
			if cf.treeSel == nil || cf.treeDep == nil {
				bad(where+".tree", errors.New("selected and depth are required"))
			}
		}
		for i, a := range f.Alt {
			cf.alts = append(cf.alts, field(fmt.Sprintf("%s[%d]", where, i), a))
		}
		if f.Selector == "" && len(f.Label) == 0 && f.Const == "" && f.URL == "" && len(f.Alt) == 0 && f.Tree == nil {
			bad(where, errors.New("needs selector, label, const, url or tree"))
		}
		return cf
	}
	for i, pt := range p.PageTypes {
		where := fmt.Sprintf("page_types[%d]", i)
		if pt.Name != "" {
			where = "page_types." + pt.Name
		}
		if !validKinds[pt.Kind] {
			bad(where+".kind", fmt.Errorf("unknown kind %q", pt.Kind))
		}
		if pt.Match.URL == "" && pt.Match.Selector == "" && pt.Match.Text == "" && pt.Match.Title == "" {
			bad(where+".match", errors.New("empty match"))
		}
		cp := cPage{PageType: pt, match: matcher(where+".match", pt.Match), cards: sel(where+".cards", pt.Cards),
			fields: map[string]*cField{}}
		allowed := listingFields
		if pt.Kind == KindVendor {
			allowed = vendorFields
		}
		for name, f := range pt.Fields {
			if !allowed[name] {
				bad(where+".fields."+name, errors.New("unknown field"))
				continue
			}
			cp.fields[name] = field(where+".fields."+name, f)
		}
		c.pages = append(c.pages, cp)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("extract: profile %s: %w", p.Name, err)
	}
	return c, nil
}

func (m *cMatcher) matches(pc *pageCtx) bool {
	if m.url != nil && !m.url.MatchString(pc.page.URL) {
		return false
	}
	if m.title != nil && !m.title.MatchString(pc.title()) {
		return false
	}
	if m.sel != nil && (!pc.mayMatch(m.need) || !pc.existsMemo(m.selSrc, m.sel)) {
		return false
	}
	if m.text != "" && !strings.Contains(pc.lowerText(), m.text) {
		return false
	}
	return true
}

// otherSite reports whether the page's <title> names a site that is not this profile's
// market: the profile identifies its market by a title rule ("^Empire Market"), the page's
// title has a site-name segment ("WeTheNorth - Orders": a first or last segment of at most
// three words beside a separator) and no title rule matches it. Clones of one market's
// software share its markup, so matching selectors alone would give a clone the
// original's profile; a wrong profile is worse than none.
func (c *compiled) otherSite(pc *pageCtx) bool {
	hasTitleRule := false
	for i := range c.detect {
		if c.detect[i].title != nil {
			hasTitleRule = true
			if c.detect[i].title.MatchString(pc.title()) {
				return false
			}
		}
	}
	return hasTitleRule && siteSegment(pc.title()) != ""
}

// siteSegment is the first or last segment of a <title> of the form "Site - Page" or
// "Page | Site" when it has at most three words; "" when the title has no separator.
func siteSegment(t string) string {
	locs := titleSepRe.FindAllStringIndex(t, -1)
	if len(locs) == 0 {
		return ""
	}
	if first := strings.TrimSpace(t[:locs[0][0]]); first != "" && len(strings.Fields(first)) <= 3 {
		return first
	}
	if last := strings.TrimSpace(t[locs[len(locs)-1][1]:]); last != "" && len(strings.Fields(last)) <= 3 {
		return last
	}
	return ""
}

// detectScoreAbove is the number of the profile's detect rules the page matches when that
// exceeds floor; otherwise it may stop early (once the rules left cannot lift the score
// above floor) and return any value <= floor. detect keeps the first best profile, so
// the choice is the same as with full scores.
//
// Matching weak rules alone (one simple selector each) count only when two or more match:
// a page of other software with a "div.crumbs" is not this market's page.
func (c *compiled) detectScoreAbove(pc *pageCtx, floor int) int {
	n, strong := 0, false
	for i := range c.detect {
		if n+len(c.detect)-i <= floor {
			return n
		}
		if c.detect[i].matches(pc) {
			n++
			strong = strong || !c.detect[i].weak
		}
	}
	if n == 1 && !strong {
		return 0
	}
	return n
}

var commonSelRe = regexp.MustCompile(`^[a-z0-9]*(?:[.#][a-z]+)?$`)

// simpleSelector reports whether sel is one tag, optionally with one class or id that is
// a plain lower-case word ("div.crumbs", "nav", "#header"): vocabulary every template
// uses. A class with capitals, digits or separators ("listDes", "seth1", "tiny-market",
// "kdfiuer847") is the software's own and identifies it.
func simpleSelector(sel string) bool {
	sel = strings.TrimSpace(sel)
	return sel != "" && commonSelRe.MatchString(sel)
}

var (
	selStripRe = regexp.MustCompile(`\[[^\]]*\]|\([^)]*\)|"[^"]*"|'[^']*'`)
	selTokenRe = regexp.MustCompile(`[.#][A-Za-z_][\w-]*`)
	selHrefRe  = regexp.MustCompile(`\[\s*href\s*\^=\s*['"]?([^'"\]\s]+)['"]?\s*\]`)
	selAttrRe  = regexp.MustCompile(`\[\s*([\w-]+)\s*=\s*['"]?([\w-]+)['"]?\s*\]`)
)

const hrefPrefixLen = 8

// selectorNeeds lists, for each comma-separated part of a selector, the class (".x") and
// id ("#x") tokens the part requires; a page lacking one of them cannot match that part.
// Parts under :not() or attribute/quoted text are ignored (conservative).
func selectorNeeds(s string) [][]string {
	if s == "" || strings.Contains(s, ":not") {
		return nil
	}
	var out [][]string
	depth := 0
	start := 0
	var parts []string
	for i, r := range s {
		switch r {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	parts = append(parts, s[start:])
	for _, p := range parts {
		var toks []string
		// [type=password]: exact attribute values are indexed as "@type=password"
		for _, m := range selAttrRe.FindAllStringSubmatch(p, -1) {
			toks = append(toks, "@"+strings.ToLower(m[1])+"="+m[2])
		}
		// [href^='listing.php?ls_id=']: the first hrefPrefixLen bytes of hrefs are indexed
		for _, m := range selHrefRe.FindAllStringSubmatch(p, -1) {
			if len(m[1]) >= hrefPrefixLen {
				toks = append(toks, "@href^"+m[1][:hrefPrefixLen])
			}
		}
		p = selStripRe.ReplaceAllString(p, " ")
		out = append(out, append(toks, selTokenRe.FindAllString(p, -1)...))
	}
	return out
}
