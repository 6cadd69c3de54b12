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

var (
	reBTC     = regexp.MustCompile(`\b(?:bc1[02-9ac-hj-np-z]{11,87}|BC1[02-9AC-HJ-NP-Z]{11,87}|[13][1-9A-HJ-NP-Za-km-z]{25,34})\b`)
	reLTC     = regexp.MustCompile(`\b(?:ltc1[02-9ac-hj-np-z]{11,86}|LTC1[02-9AC-HJ-NP-Z]{11,86}|[LM][1-9A-HJ-NP-Za-km-z]{25,34})\b`)
	reXMR     = regexp.MustCompile(`\b[48][1-9A-HJ-NP-Za-km-z]{94}(?:[1-9A-HJ-NP-Za-km-z]{11})?\b`)
	reETH     = regexp.MustCompile(`\b0[xX][0-9a-fA-F]{40}\b`)
	reSession = regexp.MustCompile(`\b05[0-9a-fA-F]{64}\b`)
	reAt      = regexp.MustCompile(`[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8}`)
	reTMe     = regexp.MustCompile(`(?i)\b(?:t|telegram)\.me/(?:s/)?([a-z][a-z0-9_]{3,31})\b`)
	reTGLabel = regexp.MustCompile(`(?i)(?:\btelegram|телеграмм?|телега|\btg)\b\s*(?:id|username|handle|контакт)?\s*(?:[:：=\-–—>]|is|at|me|@)\s*@?([a-z][a-z0-9_]{3,31})\b`)
	reHandle  = regexp.MustCompile(`@([A-Za-z][A-Za-z0-9_]{3,31})\b`)
	reWickr   = regexp.MustCompile(`(?i)\bwickr(?:\s*me)?(?:\s*(?:id|username|user|name))?\s*(?:[:：=\-–—>]|is|@)\s*@?([a-z][a-z0-9_.\-]{2,31})`)
	reThreema = regexp.MustCompile(`(?i:\bthreema)(?i:\s*(?:id|ид))?\s*(?:[:：=\-–—>]|is)?\s*([A-Z0-9*]{8})\b`)
)

// tgContext are words that make a nearby bare @handle a Telegram handle.
var tgContext = []string{"telegram", "t.me", "телеграм", "телега", " tg ", " tg:", "tg:", "tg "}

// xmppContext and emailContext decide whether user@host is a Jabber id or an email.
var (
	xmppContext  = []string{"jabber", "xmpp", "jid", "джаббер", "жаббер", "omemo", "otr"}
	emailContext = []string{"email", "e-mail", "mail:", "почта", "почту", "mailto"}
	xmppHosts    = []string{"jabber.", "xmpp.", "exploit.im", "jabb.im", "404.city", "thesecure.biz", "creep.im", "dukgo.com", "xmpp.jp", "conversations.im", "blah.im", "draugr.de", "jabbim.", "sj.ms", "jabber.calyxinstitute.org", "anonym.im", "yourdata.forsale", "riseup.net:xmpp"}
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
	lower := strings.ToLower(text)

	for _, m := range reBTC.FindAllStringIndex(text, -1) {
		if s := text[m[0]:m[1]]; ValidBTC(s) {
			v := s
			if strings.HasPrefix(strings.ToLower(s), "bc1") {
				v = strings.ToLower(s)
			}
			fs = append(fs, found{m[0], Entity{KindBTC, v}})
		}
	}
	for _, m := range reLTC.FindAllStringIndex(text, -1) {
		if s := text[m[0]:m[1]]; ValidLTC(s) {
			v := s
			if strings.HasPrefix(strings.ToLower(s), "ltc1") {
				v = strings.ToLower(s)
			}
			fs = append(fs, found{m[0], Entity{KindLTC, v}})
		}
	}
	for _, m := range reXMR.FindAllStringIndex(text, -1) {
		if s := text[m[0]:m[1]]; ValidXMR(s) {
			fs = append(fs, found{m[0], Entity{KindXMR, s}})
		}
	}
	for _, m := range reETH.FindAllStringIndex(text, -1) {
		if s := text[m[0]:m[1]]; ValidETH(s) {
			fs = append(fs, found{m[0], Entity{KindETH, "0x" + eip55(strings.ToLower(s[2:]))}})
		}
	}
	for _, m := range reSession.FindAllStringIndex(text, -1) {
		fs = append(fs, found{m[0], Entity{KindSession, strings.ToLower(text[m[0]:m[1]])}})
	}
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
	// user@host: xmpp or email
	var atSpans [][2]int
	for _, m := range reAt.FindAllStringIndex(text, -1) {
		addr := strings.ToLower(strings.TrimRight(text[m[0]:m[1]], ".-"))
		at := strings.IndexByte(addr, '@')
		if at <= 0 || strings.HasPrefix(addr, ".") {
			continue
		}
		host := addr[at+1:]
		tld := host[strings.LastIndexByte(host, '.')+1:]
		if badTLDs[tld] || len(tld) < 2 || isDigits(tld) {
			continue
		}
		atSpans = append(atSpans, [2]int{m[0], m[1]})
		kind := KindEmail
		if k := nearestContext(lower, m[0], 64); k != "" {
			kind = k
		} else if knownXMPPHost(host) {
			kind = KindXMPP
		}
		fs = append(fs, found{m[0], Entity{kind, addr}})
	}
	inAt := func(p int) bool {
		for _, sp := range atSpans {
			if p >= sp[0] && p < sp[1] {
				return true
			}
		}
		return false
	}
	// Telegram
	for _, m := range reTMe.FindAllStringSubmatchIndex(text, -1) {
		h := strings.ToLower(text[m[2]:m[3]])
		if h == "joinchat" || h == "share" || h == "addstickers" || h == "proxy" || h == "iv" {
			continue
		}
		fs = append(fs, found{m[0], Entity{KindTelegram, h}})
	}
	for _, m := range reTGLabel.FindAllStringSubmatchIndex(text, -1) {
		h := strings.ToLower(text[m[2]:m[3]])
		if len(h) < 5 || wickrStop[h] || inAt(m[2]) {
			continue
		}
		fs = append(fs, found{m[0], Entity{KindTelegram, h}})
	}
	for _, m := range reHandle.FindAllStringSubmatchIndex(text, -1) {
		if m[0] > 0 && isWordByte(text[m[0]-1]) || inAt(m[0]) {
			continue // part of an email or jabber id
		}
		h := strings.ToLower(text[m[2]:m[3]])
		if len(h) < 5 {
			continue
		}
		if !hasContext(lower, m[0], 48, tgContext) {
			continue
		}
		fs = append(fs, found{m[0], Entity{KindTelegram, h}})
	}
	// Wickr
	for _, m := range reWickr.FindAllStringSubmatchIndex(text, -1) {
		h := strings.ToLower(strings.TrimRight(text[m[2]:m[3]], ".-"))
		if len(h) < 5 || wickrStop[h] || inAt(m[2]) {
			continue
		}
		fs = append(fs, found{m[0], Entity{KindWickr, h}})
	}
	// Threema
	for _, m := range reThreema.FindAllStringSubmatchIndex(text, -1) {
		id := text[m[2]:m[3]]
		fs = append(fs, found{m[0], Entity{KindThreema, id}})
	}
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

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
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
