package frontier

// Item payloads of the Redis frontier: compact JSON without the market (the key names it)
// and without the host when it is the URL's, with a fast path for plain strings.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// payloadHost is the host an item payload leaves out: the URL's authority,
// the bytes between "://" and the next '/', '?' or '#' (luaCommon's hostof
// applies the same rule).
func payloadHost(u string) (string, bool) {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return "", false
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest, true
}

// redisPayload is how the Redis frontier stores an item: its JSON without
// market (the key names it), NotBefore (a score) and, when it is the URL's
// authority (payloadHost), host.
func redisPayload(it Item) ([]byte, error) {
	it.Market, it.NotBefore = "", time.Time{}
	if h, ok := payloadHost(it.URL); ok && h == it.Host {
		it.Host = ""
	}
	return marshalItem(it)
}

// fromRedisPayload decodes a redisPayload of market's.
func fromRedisPayload(s, market string) (Item, error) {
	var it Item
	if err := unmarshalItem(s, &it); err != nil {
		return Item{}, fmt.Errorf("decode item: %w", err)
	}
	if it.URL == "" {
		return Item{}, fmt.Errorf("decode item: no URL in %.80q", s)
	}
	it.Market, it.NotBefore = market, time.Time{}
	if it.Host == "" {
		it.Host, _ = payloadHost(it.URL)
	}
	return it, nil
}

// plainJSON reports whether s is printable ASCII other than '"' and '\\'
// (what appendJSON writes without encoding/json's help).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// appendJSON appends s (plainJSON) as a JSON string, escaping '<', '>' and
// '&' as encoding/json does (\u003c, \u003e, \u0026; URLs often hold '&').
func appendJSON(b []byte, s string) []byte {
	b = append(b, '"')
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '<':
			esc = `\u003c`
		case '>':
			esc = `\u003e`
		case '&':
			esc = `\u0026`
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	b = append(b, s[last:]...)
	return append(b, '"')
}

// payloadItem is the JSON of a stored item: Item's fields without market
// and due time, host only when set.
type payloadItem struct {
	URL      string `json:"u"`
	Host     string `json:"h,omitempty"`
	Depth    int    `json:"d,omitempty"`
	Priority int    `json:"p,omitempty"`
	Attempt  int    `json:"a,omitempty"`
	Kind     string `json:"k,omitempty"`
}

// payloadField is one field of a payload in marshalItem's direct form: its
// JSON key and where it lives in an Item (a string or an int). Written in
// payloadItem's order (encoding/json's), with a zero value left out except
// the URL; decodeOnly fields are read (other writers) but never written.
type payloadField struct {
	key        string
	str        func(*Item) *string
	num        func(*Item) *int
	decodeOnly bool
}

var payloadFields = [...]payloadField{
	{key: "u", str: func(it *Item) *string { return &it.URL }},
	{key: "m", str: func(it *Item) *string { return &it.Market }, decodeOnly: true},
	{key: "h", str: func(it *Item) *string { return &it.Host }},
	{key: "d", num: func(it *Item) *int { return &it.Depth }},
	{key: "p", num: func(it *Item) *int { return &it.Priority }},
	{key: "a", num: func(it *Item) *int { return &it.Attempt }},
	{key: "k", str: func(it *Item) *string { return &it.Kind }},
}

// marshalItem returns json.Marshal(payloadItem of it). Items whose strings
// are printable ASCII (every canonical URL) are written directly, byte for
// byte what encoding/json writes, without reflection.
func marshalItem(it Item) ([]byte, error) {
	if !plainJSON(it.URL) || !plainJSON(it.Host) || !plainJSON(it.Kind) {
		return json.Marshal(payloadItem{URL: it.URL, Host: it.Host, Depth: it.Depth, Priority: it.Priority, Attempt: it.Attempt, Kind: it.Kind})
	}
	b := make([]byte, 0, len(it.URL)+len(it.Host)+len(it.Kind)+48)
	b = append(b, '{')
	for _, f := range payloadFields {
		if f.decodeOnly {
			continue
		}
		if f.str != nil {
			if v := *f.str(&it); v != "" || f.key == "u" {
				b = appendKey(b, f.key)
				b = appendJSON(b, v)
			}
		} else if v := *f.num(&it); v != 0 {
			b = appendKey(b, f.key)
			b = strconv.AppendInt(b, int64(v), 10)
		}
	}
	return append(b, '}'), nil
}

// appendKey appends `"key":`, after a comma unless it is the object's first.
func appendKey(b []byte, key string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// unmarshalItem decodes an item payload. Payloads in marshalItem's direct
// form are parsed without reflection; anything else (escapes, NotBefore,
// other writers) goes to encoding/json.
func unmarshalItem(s string, it *Item) error {
	if fastItem(s, it) {
		return nil
	}
	*it = Item{}
	return json.Unmarshal([]byte(s), it)
}

// payloadFieldOf returns the payloadFields entry of key.
func payloadFieldOf(key string) (payloadField, bool) {
	for _, f := range payloadFields {
		if f.key == key {
			return f, true
		}
	}
	return payloadField{}, false
}

func fastItem(s string, it *Item) bool {
	var out Item
	rest, ok := strings.CutPrefix(s, "{")
	if !ok || !strings.HasSuffix(rest, "}") {
		return false
	}
	rest = rest[:len(rest)-1]
	for rest != "" {
		if rest[0] != '"' {
			return false
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 || len(rest) < end+3 || rest[end+2] != ':' {
			return false
		}
		f, known := payloadFieldOf(rest[1 : end+1])
		if !known {
			return false
		}
		rest = rest[end+3:]
		if rest != "" && rest[0] == '"' {
			e := strings.IndexByte(rest[1:], '"')
			if e < 0 || f.str == nil {
				return false
			}
			val, ok := unescapeHTML(rest[1 : e+1])
			if !ok {
				return false // other escapes, control bytes, UTF-8: encoding/json decides
			}
			*f.str(&out) = val
			rest = rest[e+2:]
		} else {
			e := strings.IndexByte(rest, ',')
			if e < 0 {
				e = len(rest)
			}
			n, err := strconv.Atoi(rest[:e])
			if err != nil || f.num == nil || rest[0] == '+' || (e > 1 && rest[0] == '0') {
				return false
			}
			*f.num(&out) = n
			rest = rest[e:]
		}
		if rest == "" {
			break
		}
		if rest[0] != ',' || len(rest) == 1 {
			return false
		}
		rest = rest[1:]
	}
	*it = out
	return true
}

// unescapeHTML returns s with appendJSON's escapes (\u003c, \u003e,
// \u0026) undone; ok is false when s holds anything else that is not
// printable ASCII or another escape.
func unescapeHTML(s string) (string, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "", false
		}
		if c == '\\' {
			n++
		}
	}
	if n == 0 {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b = append(b, s[i])
			continue
		}
		if i+6 > len(s) {
			return "", false
		}
		switch s[i : i+6] {
		case `\u003c`:
			b = append(b, '<')
		case `\u003e`:
			b = append(b, '>')
		case `\u0026`:
			b = append(b, '&')
		default:
			return "", false
		}
		i += 5
	}
	return string(b), true
}
