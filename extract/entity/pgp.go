package entity

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

const (
	pgpBegin = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
	pgpEnd   = "-----END PGP PUBLIC KEY BLOCK-----"
	// MaxPGPBlock is the largest armored block PGPFingerprints parses;
	// real public keys with many signatures stay well below it.
	MaxPGPBlock = 256 << 10
	// MaxPGPBlocks is the most blocks PGPFingerprints parses in one text.
	MaxPGPBlocks = 32
)

// ErrNoKey is wrapped by PGPFingerprints errors for blocks with no usable key.
var ErrNoKey = errors.New("no public key")

// pgpSpans returns the byte ranges [start, end) of armored public key
// blocks in text, at most MaxPGPBlocks. An unterminated block runs to the
// end of the text (bounded by MaxPGPBlock).
func pgpSpans(text string) [][2]int {
	var spans [][2]int
	for off := 0; len(spans) < MaxPGPBlocks; {
		i := strings.Index(text[off:], pgpBegin)
		if i < 0 {
			break
		}
		start := off + i
		j := strings.Index(text[start+len(pgpBegin):], pgpEnd)
		end := len(text)
		if j >= 0 {
			end = start + len(pgpBegin) + j + len(pgpEnd)
		}
		spans = append(spans, [2]int{start, end})
		off = end
	}
	return spans
}

// PGPFingerprints parses every ASCII-armored PGP public key block in text
// with github.com/ProtonMail/go-crypto/openpgp and returns the primary-key
// fingerprints as upper-case hex (40 digits for v4 keys, 64 for v5/v6), in
// order, deduplicated. Blocks mangled by HTML rendering (lost blank line
// after the headers, lines joined by spaces, <br> tags) are re-armored
// before parsing. Blocks that still fail are reported in the error (joined,
// each wrapping the parser error); fingerprints of the good blocks are
// returned alongside.
func PGPFingerprints(text string) ([]string, error) {
	var out []string
	var errs []error
	seen := map[string]bool{}
	for n, sp := range pgpSpans(text) {
		block := text[sp[0]:sp[1]]
		if len(block) > MaxPGPBlock {
			errs = append(errs, fmt.Errorf("pgp block %d: %d bytes over limit %d", n, len(block), MaxPGPBlock))
			continue
		}
		fps, err := parseBlock(block)
		if err != nil {
			errs = append(errs, fmt.Errorf("pgp block %d: %w", n, err))
			continue
		}
		for _, fp := range fps {
			if !seen[fp] {
				seen[fp] = true
				out = append(out, fp)
			}
		}
	}
	return out, errors.Join(errs...)
}

func parseBlock(block string) ([]string, error) {
	body, sum := armorBody(block)
	if body == "" {
		return nil, ErrNoKey
	}
	var firstErr error
	// Try with the checksum, then without it (pages often mangle the
	// "=XXXX" line), then dropping leading words that may be headers that
	// lost their line breaks.
	words := strings.Fields(body)
	for drop := 0; drop <= len(words) && drop < 8; drop++ {
		b64 := strings.Join(words[drop:], "")
		for _, withSum := range []bool{true, false} {
			if withSum && sum == "" {
				continue
			}
			fps, err := readArmored(b64, sum, withSum)
			if err == nil {
				return fps, nil
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return nil, firstErr
}

func isB64Line(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

func readArmored(b64, sum string, withSum bool) ([]string, error) {
	// Validate base64 up front so the armor reader gets clean input.
	if _, err := base64.StdEncoding.DecodeString(b64); err != nil {
		return nil, fmt.Errorf("base64: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteString(pgpBegin + "\n\n")
	for len(b64) > 64 {
		buf.WriteString(b64[:64])
		buf.WriteByte('\n')
		b64 = b64[64:]
	}
	buf.WriteString(b64)
	buf.WriteByte('\n')
	if withSum {
		buf.WriteString(sum + "\n")
	}
	buf.WriteString(pgpEnd + "\n")
	// The fingerprint is a hash of the primary public-key packet; it needs no signature
	// checks. Reading packets rather than a verified key ring skips the self-signature
	// verification (an RSA verify is ~1 ms, most of a vendor page's extraction time); a key
	// whose self-signature is broken still identifies the vendor who posted it.
	blk, err := armor.Decode(&buf)
	if err != nil {
		return nil, fmt.Errorf("armor: %w", err)
	}
	if blk.Type != openpgp.PublicKeyType {
		return nil, fmt.Errorf("armor: block type %q is not a public key", blk.Type)
	}
	pr := packet.NewReader(blk.Body)
	var fps []string
	for {
		p, err := pr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var unsupported pgperrors.UnsupportedError
			if errors.As(err, &unsupported) {
				continue
			}
			return nil, fmt.Errorf("read key: %w", err)
		}
		if pk, ok := p.(*packet.PublicKey); ok && !pk.IsSubkey && len(pk.Fingerprint) > 0 {
			fps = append(fps, strings.ToUpper(hex.EncodeToString(pk.Fingerprint)))
		}
	}
	if len(fps) == 0 {
		return nil, ErrNoKey
	}
	return fps, nil
}

// armorBody returns the base64 body of a block (words separated by
// spaces, headers removed) and its "=XXXX" checksum if present.
func armorBody(block string) (body, sum string) {
	block = strings.TrimPrefix(block, pgpBegin)
	block = strings.TrimSuffix(block, pgpEnd)
	if strings.ContainsAny(block, "<&") {
		block = html.UnescapeString(stripTags(block))
	}
	lines := strings.Split(strings.ReplaceAll(block, "\r", "\n"), "\n")
	var words []string
	inHeaders := true
	for _, ln := range lines {
		ln = strings.TrimSpace(ln)
		if ln == "" {
			inHeaders = false
			continue
		}
		if inHeaders && isHeader(ln) {
			continue
		}
		inHeaders = false
		for _, w := range strings.Fields(ln) {
			if len(w) == 5 && w[0] == '=' && isB64Line(w[1:]) {
				sum = w
				continue
			}
			words = append(words, w)
		}
	}
	return strings.Join(words, " "), sum
}

// stripTags replaces HTML tags (<br>, <p>, <span ...>) with line breaks.
func stripTags(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '<' {
			if j := strings.IndexByte(s[i:], '>'); j > 0 && j < 200 {
				b.WriteByte('\n')
				i += j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHeader(ln string) bool {
	i := strings.Index(ln, ": ")
	if i <= 0 || len(ln) > 120 {
		return false
	}
	switch strings.ToLower(ln[:i]) {
	case "version", "comment", "hash", "charset", "messageid":
		return true
	}
	return false
}
