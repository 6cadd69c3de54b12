package entity_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract/entity"
)

var hexFP = regexp.MustCompile(`^(?:[0-9A-F]{40}|[0-9A-F]{64})$`)

// FuzzPGPBlock feeds arbitrary armored blocks to PGPFingerprints. Inputs
// are capped so each run stays fast; the parser must not panic and must
// only return well-formed fingerprints.
func FuzzPGPBlock(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.asc"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
			f.Add(strings.Join(strings.Fields(string(b)), " "))
			f.Add(string(b[:len(b)/2]))
		}
	}
	f.Add("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF\n=AAAA\n-----END PGP PUBLIC KEY BLOCK-----")
	f.Add("-----BEGIN PGP PUBLIC KEY BLOCK-----")
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 16<<10 {
			s = s[:16<<10]
		}
		fps, _ := entity.PGPFingerprints(s)
		for _, fp := range fps {
			if !hexFP.MatchString(fp) {
				t.Fatalf("bad fingerprint %q", fp)
			}
		}
		// also as a block body
		if !strings.Contains(s, "-----BEGIN") {
			_, _ = entity.PGPFingerprints("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + s + "\n-----END PGP PUBLIC KEY BLOCK-----")
		}
	})
}

// FuzzEntityFind checks that Find never panics and only reports valid,
// normalised entities.
func FuzzEntityFind(f *testing.F) {
	for _, s := range []string{
		"Contact: Telegram: @DrugKing_99, wickr: kingpin99, jabber: king@exploit.im",
		"email King@Proton.me Threema: ABCD1234 session " + session,
		"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
		"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed t.me/someshop",
		"@@@@ t.me/ telegram: @ wickr: threema: 05",
	} {
		f.Add(s)
	}
	kinds := map[string]bool{"pgp": true, "btc": true, "xmr": true, "ltc": true, "eth": true, "telegram": true, "session": true, "wickr": true, "threema": true, "xmpp": true, "email": true}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 64<<10 {
			s = s[:64<<10]
		}
		seen := map[entity.Entity]bool{}
		for _, e := range entity.Find(s) {
			if !kinds[e.Kind] || e.Value == "" {
				t.Fatalf("bad entity %+v", e)
			}
			if seen[e] {
				t.Fatalf("duplicate %+v", e)
			}
			seen[e] = true
			switch e.Kind {
			case "btc":
				if !entity.ValidBTC(e.Value) {
					t.Fatalf("invalid btc %q", e.Value)
				}
			case "ltc":
				if !entity.ValidLTC(e.Value) {
					t.Fatalf("invalid ltc %q", e.Value)
				}
			case "xmr":
				if !entity.ValidXMR(e.Value) {
					t.Fatalf("invalid xmr %q", e.Value)
				}
			case "eth":
				if !entity.ValidETH(e.Value) {
					t.Fatalf("invalid eth %q", e.Value)
				}
			case "telegram", "wickr", "email", "xmpp", "session", "threema":
				if e.Value != strings.ToLower(e.Value) {
					t.Fatalf("%s not lower case: %q", e.Kind, e.Value)
				}
			}
		}
	})
}
