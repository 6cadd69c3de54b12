package entity_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"github.com/darkwatch/darkwatch/deploy/testenv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/darkwatch/darkwatch/extract/entity"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/pgp.golden.json from the parser's output")

// TestPGPGolden checks fingerprints of keys generated with GnuPG 2.2.40
// (testdata/*.asc); the golden values were printed by
// `gpg --show-keys --with-colons` and agree with the library.
func TestPGPGolden(t *testing.T) {
	goldenPath := filepath.Join("testdata", "pgp.golden.json")
	files, _ := filepath.Glob(filepath.Join("testdata", "*.asc"))
	if len(files) == 0 {
		t.Fatal("no testdata/*.asc")
	}
	got := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fps, err := entity.PGPFingerprints(string(b))
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
		got[filepath.Base(f)] = fps
	}
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(goldenPath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string][]string
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("fingerprints (-want +got):\n%s", d)
	}
}

// TestPGPMangled: HTML rendering loses blank lines, joins lines, inserts
// <br> and CRLF; the fingerprint must survive.
func TestPGPMangled(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "rsa2048_v4.asc"))
	if err != nil {
		t.Fatal(err)
	}
	orig := string(b)
	const want = "8657DA0A772EE1AA431E1989D6DAE5080CF7C683"
	noBlank := strings.Replace(orig, "-----\n\n", "-----\n", 1)
	withHeader := strings.Replace(orig, "-----\n\n", "-----\nVersion: GnuPG v2\nComment: test\n\n", 1)
	variants := map[string]string{
		"original":            orig,
		"crlf":                strings.ReplaceAll(orig, "\n", "\r\n"),
		"no blank line":       noBlank,
		"headers":             withHeader,
		"headers no blank":    strings.Replace(withHeader, "test\n\n", "test\n", 1),
		"one line":            strings.Join(strings.Fields(orig), " "),
		"one line headers":    strings.Join(strings.Fields(withHeader), " "),
		"br tags":             strings.ReplaceAll(orig, "\n", "<br>\n"),
		"br only":             strings.ReplaceAll(orig, "\n", "<br/>"),
		"indented":            strings.ReplaceAll(orig, "\n", "\n    "),
		"html paragraphs":     "<div class=\"pgp\">" + strings.ReplaceAll(orig, "\n", "</p>\n<p>") + "</div>",
		"html entities":       strings.ReplaceAll(strings.ReplaceAll(orig, "/", "&#x2F;"), "+", "&#43;"),
		"no checksum":         regexp.MustCompile(`(?m)^=[A-Za-z0-9+/]{4}\n`).ReplaceAllString(orig, ""),
		"bad checksum":        regexp.MustCompile(`(?m)^=[A-Za-z0-9+/]{4}\n`).ReplaceAllString(orig, "=AAAA\n"),
		"surrounded by prose": "Vendor PGP key below, verify!\n" + orig + "\nThanks for shopping.",
	}
	for name, in := range variants {
		got, err := entity.PGPFingerprints(in)
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("%s: got %v, %v; want [%s]", name, got, err, want)
		}
	}
}

func TestPGPErrors(t *testing.T) {
	b, _ := os.ReadFile(filepath.Join("testdata", "ed25519_v4.asc"))
	good := string(b)
	// the key material line replaced: must not yield the original fingerprint
	lines := strings.Split(good, "\n")
	lines[2] = strings.Repeat("A", len(lines[2]))
	corrupt := strings.Join(lines, "\n")
	if fps, _ := entity.PGPFingerprints(corrupt); len(fps) > 0 && fps[0] == "82A316E3D2752DE32105F1E21CF5417872914214" {
		t.Errorf("corrupted block still gives the original fingerprint")
	}
	tests := []struct {
		name    string
		in      string
		wantN   int
		wantErr bool
	}{
		{"empty", "", 0, false},
		{"no block", "hello", 0, false},
		{"garbage body", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64 !!!\n-----END PGP PUBLIC KEY BLOCK-----", 0, true},
		{"unterminated", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF", 0, true},
		{"good then garbage", good + "\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----", 1, true},
		{"duplicate", good + good, 1, false},
		{"private key block ignored", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nAAAA\n-----END PGP PRIVATE KEY BLOCK-----", 0, false},
	}
	for _, tt := range tests {
		got, err := entity.PGPFingerprints(tt.in)
		if len(got) != tt.wantN || (err != nil) != tt.wantErr {
			t.Errorf("%s: got %v, err %v; want %d fingerprints, err %v", tt.name, got, err, tt.wantN, tt.wantErr)
		}
	}
}

// TestPGPV6 generates an RFC 9580 v6 key with the library and checks the
// 64-hex-digit fingerprint path.
func TestPGPV6(t *testing.T) {
	cfg := &packet.Config{V6Keys: true, Algorithm: packet.PubKeyAlgoEd25519}
	e, err := openpgp.NewEntity("v6 test", "", "v6@darkwatch.invalid", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got, err := entity.PGPFingerprints(buf.String())
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ToUpper(hexString(e.PrimaryKey.Fingerprint))
	if len(got) != 1 || got[0] != want || len(want) != 64 {
		t.Errorf("v6 fingerprint = %v, want [%s] (64 hex)", got, want)
	}
}

// TestPGPRealPages parses vendor keys from the shared msc-darkweb-scraping
// pages; the fingerprints were confirmed with GnuPG 2.2.40.
func TestPGPRealPages(t *testing.T) {
	dir := sharedData(t)
	tests := map[string]string{
		"msc-darkweb-scraping/cryptonia/expected_values/user_profile_0_pgp_key": "37474A6869D513FF0DADD79268DD47D7666DB031",
		"msc-darkweb-scraping/cryptonia/expected_values/user_profile_5_pgp_key": "B1029052A33DB2FEF09C6111D1CF1B87E7984F1F", // brainpool ECDSA
		"msc-darkweb-scraping/dream/html_files/sellers/seller_0.html":           "CADFC78BCB67070C0C2D141923A5B750309D62E5",
	}
	for path, want := range tests {
		b, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		got, err := entity.PGPFingerprints(string(b))
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("%s: got %v, %v; want [%s]", path, got, err, want)
		}
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func sharedData(t testing.TB) string {
	t.Helper()
	return testenv.SharedData(t, "")
}

func readKeyRing(armored string) (openpgp.EntityList, error) {
	return openpgp.ReadArmoredKeyRing(strings.NewReader(armored))
}
