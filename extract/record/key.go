package record

import (
	"net/url"
	"path"
	"strings"
)

var idParams = []string{"id", "ls_id", "lid", "listing", "listing_id", "offer", "product", "product_id", "pid", "item", "item_id", "itemid", "p", "t", "topic", "thread"}

// URLKey extracts a listing key from a URL: a known id query parameter, else the last
// non-empty path segment (without a file extension). "" when there is none.
func URLKey(raw string) string {
	if len(raw) > 4096 {
		raw = raw[:4096]
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	q := u.Query()
	for _, p := range idParams {
		if v := strings.TrimSpace(q.Get(p)); v != "" && len(v) <= 128 {
			return sanitizeKey(v)
		}
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		if s == "" {
			continue
		}
		if ext := path.Ext(s); ext != "" && len(ext) <= 6 {
			base := strings.TrimSuffix(s, ext)
			if isGenericPage(base) {
				continue
			}
			s = base
		}
		if isGenericPage(s) {
			continue
		}
		if len(s) > 128 {
			s = s[:128]
		}
		return sanitizeKey(s)
	}
	return ""
}

func isGenericPage(s string) bool {
	switch strings.ToLower(s) {
	case "", "index", "listing", "product", "products", "item", "view", "viewproduct", "offer", "page", "show", "details", "user", "vendor", "profile", "u", "p":
		return true
	}
	return false
}

func sanitizeKey(s string) string {
	if us, err := url.PathUnescape(s); err == nil {
		s = us
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '/' || r == ' ' || r < 0x20 || r == 0x7f:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MergePart fills the fields of listing l that its part record p carries and l lacks.
func MergePart(l, p Listing) Listing {
	if len(l.ShipsFrom) == 0 && l.ShipsFromRaw == "" {
		l.ShipsFrom, l.ShipsFromRaw = p.ShipsFrom, p.ShipsFromRaw
	}
	if len(l.ShipsTo) == 0 && l.ShipsToRaw == "" {
		l.ShipsTo, l.ShipsToRaw = p.ShipsTo, p.ShipsToRaw
	}
	return l
}
