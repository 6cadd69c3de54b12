package entity

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldLower lower-cases s without changing any byte offset: runes whose
// lower case has a different UTF-8 length are kept as they are.
func foldLower(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if l := unicode.ToLower(r); l != r && utf8.RuneLen(l) == size {
			utf8.EncodeRune(b[i:], l)
		}
		i += size
	}
	return string(b)
}

func isTokenByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// findTokens scans runs of [A-Za-z0-9_] (the \b word boundary) and
// validates those shaped like addresses or Session ids.
func findTokens(text string) []found {
	var fs []found
	for i := 0; i < len(text); {
		if !isTokenByte(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isTokenByte(text[j]) {
			j++
		}
		if n := j - i; n >= 26 {
			if e, ok := classify(text[i:j]); ok {
				fs = append(fs, found{i, e})
			}
		}
		i = j
	}
	return fs
}

func classify(t string) (Entity, bool) {
	n := len(t)
	switch {
	case n == 66 && t[0] == '0' && t[1] == '5' && isHex(t):
		return Entity{KindSession, strings.ToLower(t)}, true
	case n == 42 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'):
		if ValidETH(t) {
			return Entity{KindETH, "0x" + eip55(strings.ToLower(t[2:]))}, true
		}
	case (n == 95 || n == 106) && (t[0] == '4' || t[0] == '8'):
		if ValidXMR(t) {
			return Entity{KindXMR, t}, true
		}
	case n >= 14 && n <= 90 && strings.EqualFold(t[:3], "bc1"):
		if ValidBTC(t) {
			return Entity{KindBTC, strings.ToLower(t)}, true
		}
	case n >= 15 && n <= 90 && strings.EqualFold(t[:4], "ltc1"):
		if ValidLTC(t) {
			return Entity{KindLTC, strings.ToLower(t)}, true
		}
	case n <= 35 && (t[0] == '1' || t[0] == '3'):
		if ValidBTC(t) {
			return Entity{KindBTC, t}, true
		}
	case n <= 35 && (t[0] == 'L' || t[0] == 'M'):
		if ValidLTC(t) {
			return Entity{KindLTC, t}, true
		}
	}
	return Entity{}, false
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isLocalByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isHostByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-'
}

// addrAt returns the user@host span around the '@' at i, if well formed.
func addrAt(text string, i int) (start, end int, ok bool) {
	start = i
	for start > 0 && i-start < 64 && isLocalByte(text[start-1]) {
		start--
	}
	end = i + 1
	for end < len(text) && end-i < 254 && isHostByte(text[end]) {
		end++
	}
	for end > i+1 && (text[end-1] == '.' || text[end-1] == '-') {
		end--
	}
	for start < i && text[start] == '.' {
		start++
	}
	if start == i || end <= i+1 {
		return 0, 0, false
	}
	host := text[i+1 : end]
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || strings.Contains(host, "..") {
		return 0, 0, false
	}
	tld := strings.ToLower(host[dot+1:])
	if len(tld) < 2 || badTLDs[tld] || isDigits(tld) {
		return 0, 0, false
	}
	return start, end, true
}

// keywordWindows calls fn with the offset of every occurrence of any
// keyword in lower (offset-preserving lower case of the text).
func keywordWindows(lower string, keywords []string, fn func(at int)) {
	for _, kw := range keywords {
		for off := 0; off < len(lower); {
			k := strings.Index(lower[off:], kw)
			if k < 0 {
				break
			}
			at := off + k
			fn(at)
			off = at + len(kw)
		}
	}
}

func window(text string, at int) string {
	return text[at:min(len(text), at+labelWindow)]
}

// wordStart reports whether the byte before at is not a letter or digit.
func wordStart(lower string, at int) bool {
	if at == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(lower[:at])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}
