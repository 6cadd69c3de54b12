package induce

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// urlShape is a generalised URL: path segments and query parameters, each a literal or a
// variable.
type urlShape struct {
	segs  []string // literal value; "" = variable
	keys  []string // query keys in order
	vals  []string // literal value; "" = variable
	count int
	seen  map[string]bool
}

// splitURL returns the path segments and the query keys/values of u.
func splitURL(raw string) (segs, keys, vals []string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 2048 {
		return nil, nil, nil, false
	}
	p := strings.Trim(u.EscapedPath(), "/")
	if p != "" {
		segs = strings.Split(p, "/")
	}
	if len(segs) > 12 {
		return nil, nil, nil, false
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		keys, vals = append(keys, k), append(vals, v)
		if len(keys) > 8 {
			return nil, nil, nil, false
		}
	}
	return segs, keys, vals, true
}

// generalise learns URL patterns from example URLs of one link class. It returns the
// regex on path and query (as profile links match) and the key regex whose group 1 is
// the variable part that names the record ("" when none is found). Shapes with fewer
// than two distinct URLs are not generalised.
func generalise(urls []string) (link, key string) { return generaliseN(urls, 3) }

// generaliseN is generalise with at most maxShapes alternatives.
func generaliseN(urls []string, maxShapes int) (link, key string) {
	shapes := map[string]*urlShape{}
	var order []*urlShape
	for _, raw := range urls {
		segs, keys, vals, ok := splitURL(raw)
		if !ok || len(segs)+len(keys) == 0 {
			continue
		}
		shapeSig := strings.Join(append(shapeOf(segs), keys...), "\x00")
		s := shapes[shapeSig]
		if s == nil {
			s = &urlShape{segs: append([]string{}, segs...), keys: keys, vals: append([]string{}, vals...), seen: map[string]bool{}}
			shapes[shapeSig] = s
			order = append(order, s)
		}
		if s.seen[raw] {
			continue
		}
		s.seen[raw] = true
		s.count++
		for i := range s.segs {
			if s.segs[i] != segs[i] {
				s.segs[i] = ""
			}
		}
		for i := range s.vals {
			if s.vals[i] != vals[i] {
				s.vals[i] = ""
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].count > order[j].count })
	var alts, keyAlts []string
	for _, s := range order {
		// a shape needs two URLs and a fifth of the commonest shape's (a category page the
		// generic extractor read as one listing is not a listing URL shape)
		if s.count < 2 || s.count*5 < order[0].count || len(alts) >= maxShapes {
			continue
		}
		re, k := s.regex()
		if re == "" {
			continue
		}
		alts = append(alts, re)
		if k != "" && !contains(keyAlts, k) {
			keyAlts = append(keyAlts, k)
		}
	}
	if len(alts) == 0 {
		return "", ""
	}
	link = "^(?:" + strings.Join(alts, "|") + ")$"
	if len(alts) == 1 {
		link = "^" + alts[0] + "$"
	}
	if len(keyAlts) == 1 {
		key = keyAlts[0]
	}
	return link, key
}

// shapeOf keeps the segment count and the segments that look like words (a path's fixed
// parts) so that /listing/x and /vendor/y are different shapes.
func shapeOf(segs []string) []string {
	out := make([]string, len(segs))
	for i, s := range segs {
		if i < len(segs)-1 && wordSeg.MatchString(s) {
			out[i] = s
		} else {
			out[i] = "*"
		}
	}
	return out
}

var wordSeg = regexp.MustCompile(`^[A-Za-z_-]{2,24}(\.php|\.html?|\.aspx?)?$`)

const varSeg = `[^/?#]+`

func (s *urlShape) regex() (re, key string) {
	var b strings.Builder
	variable := false
	for i, seg := range s.segs {
		b.WriteString("/")
		if seg == "" {
			variable = true
			b.WriteString(varSeg)
			// the last variable path segment after a literal one names the record
			if i > 0 && s.segs[i-1] != "" {
				key = "/" + regexp.QuoteMeta(s.segs[i-1]) + "/(" + varSeg + ")"
			} else if i == 0 {
				key = "^[a-z]+://[^/]+/(" + varSeg + ")"
			}
		} else {
			b.WriteString(regexp.QuoteMeta(seg))
		}
	}
	if len(s.segs) == 0 {
		b.WriteString("/")
	}
	for i, k := range s.keys {
		if i == 0 {
			b.WriteString(`\?`)
		} else {
			b.WriteString("&")
		}
		b.WriteString(regexp.QuoteMeta(k))
		if s.vals[i] == "" {
			variable = true
			b.WriteString("=[^&#]*")
			key = "[?&]" + regexp.QuoteMeta(k) + "=([^&#]+)"
		} else {
			b.WriteString("=" + regexp.QuoteMeta(s.vals[i]))
		}
	}
	if !variable {
		return "", ""
	}
	return b.String(), key
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
