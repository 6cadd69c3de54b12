package crawler

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
)

// MaxURLLength bounds URLs taken from hostile pages.
const MaxURLLength = 2048

// Reasons a URL is out of scope; counted in metrics.
var (
	ErrOffSite     = errors.New("host not in the market's scope")
	ErrScheme      = errors.New("scheme not http or https")
	ErrExcluded    = errors.New("path excluded by the market's rules")
	ErrTooLong     = errors.New("URL too long")
	ErrTrap        = errors.New("URL looks like a crawler trap")
	ErrUnparseable = errors.New("URL cannot be parsed")
)

// sessionParams are query parameters that only carry a session and make one page look like
// many. They are dropped from canonical URLs (the session travels in cookies).
var sessionParams = map[string]bool{
	"phpsessid": true, "sid": true, "sessionid": true, "session": true, "jsessionid": true,
	"utm_source": true, "utm_medium": true, "utm_campaign": true,
}

// Canonical returns the canonical form of raw resolved against base (which may be nil):
// lower-case scheme and host, no default port, no fragment, dot segments resolved, session
// parameters dropped, query parameters sorted. Two URLs for the same page give one string.
func Canonical(base *url.URL, raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > MaxURLLength {
		return nil, ErrTooLong
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnparseable, err)
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, ErrScheme
	}
	host := strings.TrimRight(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return nil, fmt.Errorf("%w: no host", ErrUnparseable)
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	u.Host = host
	if port != "" {
		u.Host = host + ":" + port
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	} else {
		trailing := strings.HasSuffix(u.Path, "/")
		u.Path = path.Clean(u.Path)
		if trailing && u.Path != "/" {
			u.Path += "/"
		}
	}
	u.RawPath = ""
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			// Keep a query we cannot parse as it is: the market may need it.
			q = nil
		}
		if q != nil {
			for k := range q {
				if sessionParams[strings.ToLower(k)] {
					delete(q, k)
				}
			}
			keys := make([]string, 0, len(q))
			for k := range q {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var b strings.Builder
			for _, k := range keys {
				vs := q[k]
				sort.Strings(vs)
				for _, v := range vs {
					if b.Len() > 0 {
						b.WriteByte('&')
					}
					b.WriteString(url.QueryEscape(k))
					b.WriteByte('=')
					b.WriteString(url.QueryEscape(v))
				}
			}
			u.RawQuery = b.String()
		}
	}
	u.ForceQuery = false
	out := u.String()
	if len(out) > MaxURLLength {
		return nil, ErrTooLong
	}
	// What we hand on must parse again (hosts such as "[:]" survive a lenient first parse).
	if _, err := url.Parse(out); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnparseable, err)
	}
	return u, nil
}

// Scope decides which URLs belong to a market.
type Scope struct {
	hosts   map[string]bool
	include []*regexp.Regexp
	exclude []*regexp.Regexp
}

// NewScope builds a market's scope from its seed URLs, extra hosts and path rules.
func NewScope(seeds, hosts, include, exclude []string) (*Scope, error) {
	s := &Scope{hosts: map[string]bool{}}
	for _, seed := range seeds {
		u, err := Canonical(nil, seed)
		if err != nil {
			return nil, fmt.Errorf("seed %q: %w", seed, err)
		}
		s.hosts[u.Host] = true
	}
	for _, h := range hosts {
		s.hosts[strings.ToLower(strings.TrimSuffix(h, "."))] = true
	}
	for _, r := range include {
		re, err := regexp.Compile(r)
		if err != nil {
			return nil, fmt.Errorf("include %q: %w", r, err)
		}
		s.include = append(s.include, re)
	}
	for _, r := range exclude {
		re, err := regexp.Compile(r)
		if err != nil {
			return nil, fmt.Errorf("exclude %q: %w", r, err)
		}
		s.exclude = append(s.exclude, re)
	}
	return s, nil
}

// Check reports whether a canonical URL is in scope, and why not.
func (s *Scope) Check(u *url.URL) error {
	if !s.hosts[u.Host] {
		return ErrOffSite
	}
	p := u.RequestURI()
	for _, re := range s.exclude {
		if re.MatchString(p) {
			return ErrExcluded
		}
	}
	if len(s.include) > 0 {
		ok := false
		for _, re := range s.include {
			if re.MatchString(p) {
				ok = true
				break
			}
		}
		if !ok {
			return ErrExcluded
		}
	}
	if isTrap(u) {
		return ErrTrap
	}
	return nil
}

// isTrap flags URLs of the shapes that crawler traps take: very deep paths, a segment
// repeated many times (/a/b/a/b/a/b), or a query with a very large number of parameters.
func isTrap(u *url.URL) bool {
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) > 16 {
		return true
	}
	count := map[string]int{}
	for _, s := range segs {
		if s == "" {
			continue
		}
		count[s]++
		if count[s] > 3 {
			return true
		}
	}
	return strings.Count(u.RawQuery, "&") > 20
}
