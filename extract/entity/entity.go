package entity

import (
	"regexp"
	"sort"
	"strings"
)

// Entity is an identifier found in text; same shape as extract.Entity.
// Kinds: pgp btc xmr ltc eth telegram session wickr threema xmpp email.
type Entity struct {
	Kind  string
	Value string
}

// Kinds of Entity.
const (
	KindPGP      = "pgp"
	KindBTC      = "btc"
	KindXMR      = "xmr"
	KindLTC      = "ltc"
	KindETH      = "eth"
	KindTelegram = "telegram"
	KindSession  = "session"
	KindWickr    = "wickr"
	KindThreema  = "threema"
	KindXMPP     = "xmpp"
	KindEmail    = "email"
)

// MaxInput is the number of bytes of text Find looks at.
const MaxInput = 2 << 20

// Label regexps run only on short windows that start at a keyword, so
// their cost does not grow with page size.
var (
	reTMe     = regexp.MustCompile(`(?i)^(?:t|telegram)\.me/(?:s/)?([a-z][a-z0-9_]{3,31})\b`)
	reTGLabel = regexp.MustCompile(`(?i)^(?:telegram|телеграмм?|телега|tg)\s*(?:id|username|handle|контакт)?\s*(?:[:：=\-–—>]|is|at|me|@)\s*@?([a-z][a-z0-9_]{3,31})\b`)
	reWickr   = regexp.MustCompile(`(?i)^wickr(?:\s*me)?(?:\s*(?:id|username|user|name))?\s*(?:[:：=\-–—>]|is|@)\s*@?([a-z][a-z0-9_.\-]{2,31})`)
	reThreema = regexp.MustCompile(`^(?i:threema)(?i:\s*(?:id|ид))?\s*(?:[:：=\-–—>]|is)?\s*([A-Z0-9*]{8})\b`)
)

// labelWindow is how many bytes after a keyword a label regexp may read.
const labelWindow = 96

// tgContext are words that make a nearby bare @handle a Telegram handle.
var tgContext = []string{"telegram", "t.me", "телеграм", "телега", " tg ", " tg:", "tg:", "tg "}

// xmppContext and emailContext decide whether user@host is a Jabber id or an email.
var (
	xmppContext  = []string{"jabber", "xmpp", "jid", "джаббер", "жаббер", "omemo", "otr"}
	emailContext = []string{"email", "e-mail", "mail:", "почта", "почту", "mailto"}
	xmppHosts    = []string{"jabber.", "xmpp.", "exploit.im", "jabb.im", "404.city", "thesecure.biz", "creep.im", "dukgo.com", "xmpp.jp", "conversations.im", "blah.im", "draugr.de", "jabbim.", "sj.ms", "jabber.calyxinstitute.org", "xabber.", "hot-chilli.", "anonym.im", "yourdata.forsale", "riseup.net:xmpp"}
	badTLDs      = map[string]bool{"png": true, "jpg": true, "jpeg": true, "gif": true, "svg": true, "webp": true, "css": true, "js": true, "ico": true, "bmp": true}
)

// wickrStop are words that follow "wickr:" but are not user names.
var wickrStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`me only available is and or the for id contact upon request ask pm dm message just soon here
		same below above see profile my your inbox via not no none private please send add user username handle email mail
		telegram wickr threema jabber session signal ping`) {
		wickrStop[w] = true
	}
}

type found struct {
	pos int
	e   Entity
}

// Find returns all validated entities in text, deduplicated, in order of
// appearance. PGP public key blocks yield their fingerprints (kind pgp) and
// are masked before the other scans, so hex or base58 look-alikes inside
// them are not reported. Crypto addresses must pass their checksums;
// contacts need a label or context (a bare "@name" is not a contact).
func Find(text string) []Entity {
	if len(text) > MaxInput {
		text = text[:MaxInput]
	}
	var fs []found
	spans := pgpSpans(text)
	if len(spans) > 0 {
		masked := []byte(text)
		for _, sp := range spans {
			fps, _ := PGPFingerprints(text[sp[0]:sp[1]])
			for _, fp := range fps {
				fs = append(fs, found{sp[0], Entity{KindPGP, fp}})
			}
			for i := sp[0]; i < sp[1]; i++ {
				if masked[i] != '\n' {
					masked[i] = ' '
				}
			}
		}
		text = string(masked)
	}
	lower := foldLower(text)
	fs = append(fs, findTokens(text)...)
	fs = append(fs, findContacts(text, lower)...)

	sort.SliceStable(fs, func(i, j int) bool { return fs[i].pos < fs[j].pos })
	var out []Entity
	seen := map[Entity]bool{}
	for _, f := range fs {
		if !seen[f.e] {
			seen[f.e] = true
			out = append(out, f.e)
		}
	}
	return out
}

func findContacts(text, lower string) []found {
	var fs []found
	// user@host: xmpp or email; bare @handles near "telegram"
	var atSpans [][2]int
	inAt := func(p int) bool {
		for _, sp := range atSpans {
			if p >= sp[0] && p < sp[1] {
				return true
			}
		}
		return false
	}
	for off := 0; off < len(text); {
		k := strings.IndexByte(text[off:], '@')
		if k < 0 {
			break
		}
		i := off + k
		off = i + 1
		if start, end, ok := addrAt(text, i); ok {
			atSpans = append(atSpans, [2]int{start, end})
			addr := strings.ToLower(text[start:end])
			kind := KindEmail
			if c := nearestContext(lower, start, 64); c != "" {
				kind = c
			} else if knownXMPPHost(addr[strings.IndexByte(addr, '@')+1:]) {
				kind = KindXMPP
			}
			fs = append(fs, found{start, Entity{kind, addr}})
			off = end
			continue
		}
		// "@handle" (not part of a word) with Telegram context nearby
		if i > 0 && isTokenByte(text[i-1]) && !strings.HasSuffix(lower[:i], "telegram") {
			continue
		}
		j := i + 1
		for j < len(text) && j-i <= 33 && isTokenByte(text[j]) {
			j++
		}
		h := strings.ToLower(text[i+1 : j])
		if len(h) < 5 || len(h) > 32 || h[0] < 'a' || h[0] > 'z' || (j < len(text) && isTokenByte(text[j])) {
			continue
		}
		if hasContext(lower, i, 48, tgContext) {
			fs = append(fs, found{i, Entity{KindTelegram, h}})
		}
	}
	// Telegram links and labels
	keywordWindows(lower, []string{"t.me/", "telegram.me/"}, func(at int) {
		start := at
		if strings.HasPrefix(lower[at:], "t.me/") && at >= 7 && lower[at-7:at] == "telegra" {
			return // counted as telegram.me/
		}
		if m := reTMe.FindStringSubmatchIndex(window(text, start)); m != nil {
			h := strings.ToLower(text[start+m[2] : start+m[3]])
			switch h {
			case "joinchat", "share", "addstickers", "proxy", "iv":
				return
			}
			fs = append(fs, found{start, Entity{KindTelegram, h}})
		}
	})
	keywordWindows(lower, []string{"telegram", "телеграм", "телега", "tg"}, func(at int) {
		if !wordStart(lower, at) {
			return
		}
		if m := reTGLabel.FindStringSubmatchIndex(window(text, at)); m != nil {
			h := strings.ToLower(text[at+m[2] : at+m[3]])
			// a label is strong context: accept 4 characters (Telegram's
			// own minimum is 5, but older and fragment handles are shorter)
			if len(h) < 4 || wickrStop[h] || inAt(at+m[2]) {
				return
			}
			fs = append(fs, found{at, Entity{KindTelegram, h}})
		}
	})
	keywordWindows(lower, []string{"wickr"}, func(at int) {
		if !wordStart(lower, at) {
			return
		}
		if m := reWickr.FindStringSubmatchIndex(window(text, at)); m != nil {
			h := strings.ToLower(strings.TrimRight(text[at+m[2]:at+m[3]], ".-"))
			if len(h) < 5 || wickrStop[h] || inAt(at+m[2]) {
				return
			}
			fs = append(fs, found{at, Entity{KindWickr, h}})
		}
	})
	keywordWindows(lower, []string{"threema"}, func(at int) {
		if !wordStart(lower, at) {
			return
		}
		if m := reThreema.FindStringSubmatchIndex(window(text, at)); m != nil {
			fs = append(fs, found{at, Entity{KindThreema, strings.ToLower(text[at+m[2] : at+m[3]])}})
		}
	})
	return fs
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// nearestContext returns xmpp or email according to the closest label in
// the window before pos, or "" if there is none.
func nearestContext(lower string, pos, window int) string {
	lo := max(0, pos-window)
	w := lower[lo:pos]
	best, kind := -1, ""
	for _, k := range xmppContext {
		if i := strings.LastIndex(w, k); i > best {
			best, kind = i, KindXMPP
		}
	}
	for _, k := range emailContext {
		if i := strings.LastIndex(w, k); i > best {
			best, kind = i, KindEmail
		}
	}
	return kind
}

func hasContext(lower string, pos, window int, words []string) bool {
	lo := max(0, pos-window)
	hi := min(len(lower), pos+window)
	w := " " + lower[lo:hi] + " "
	for _, k := range words {
		if strings.Contains(w, k) {
			return true
		}
	}
	return false
}

func knownXMPPHost(host string) bool {
	for _, h := range xmppHosts {
		if strings.HasPrefix(host, h) || host == strings.TrimSuffix(h, ".") || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}
