package entity_test

import (
	"crypto/sha256"
	"math/big"
	"strings"
	"testing"

	"github.com/darkwatch/darkwatch/extract/entity"
	"golang.org/x/crypto/sha3"
)

// test-only encoders, written from the specs, to build vectors for
// networks without well-known published addresses.

const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func b58(b []byte) string {
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod := new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, big.NewInt(58), mod)
		out = append(out, alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

func b58check(version byte, payload []byte) string {
	data := append([]byte{version}, payload...)
	h1 := sha256.Sum256(data)
	h2 := sha256.Sum256(h1[:])
	return b58(append(data, h2[:4]...))
}

func xmrEncode(tag byte, body []byte) string {
	data := append([]byte{tag}, body...)
	k := sha3.NewLegacyKeccak256()
	k.Write(data)
	data = append(data, k.Sum(nil)[:4]...)
	sizes := []int{0, 2, 3, 5, 6, 7, 9, 10, 11}
	var sb strings.Builder
	for i := 0; i < len(data); i += 8 {
		blk := data[i:min(i+8, len(data))]
		n := new(big.Int).SetBytes(blk)
		enc := make([]byte, sizes[len(blk)])
		for j := range enc {
			enc[j] = '1'
		}
		mod := new(big.Int)
		for j := len(enc) - 1; n.Sign() > 0; j-- {
			n.DivMod(n, big.NewInt(58), mod)
			enc[j] = alphabet[mod.Int64()]
		}
		sb.Write(enc)
	}
	return sb.String()
}

const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func segwitEncode(hrp string, ver byte, prog []byte, m bool) string {
	var data []byte
	acc, bits := 0, 0
	for _, b := range prog {
		acc = acc<<8 | int(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			data = append(data, byte(acc>>bits&31))
		}
	}
	if bits > 0 {
		data = append(data, byte(acc<<(5-bits)&31))
	}
	data = append([]byte{ver}, data...)
	values := []byte{}
	for i := 0; i < len(hrp); i++ {
		values = append(values, hrp[i]>>5)
	}
	values = append(values, 0)
	for i := 0; i < len(hrp); i++ {
		values = append(values, hrp[i]&31)
	}
	values = append(values, data...)
	values = append(values, 0, 0, 0, 0, 0, 0)
	c := uint32(1)
	if m {
		c = 0x2bc830a3
	}
	pm := polymod(values) ^ c
	for i := 0; i < 6; i++ {
		data = append(data, byte(pm>>(5*(5-i))&31))
	}
	var sb strings.Builder
	sb.WriteString(hrp + "1")
	for _, d := range data {
		sb.WriteByte(charset[d])
	}
	return sb.String()
}

func polymod(values []byte) uint32 {
	gen := []uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		b := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if b>>i&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

func seq(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i*7)
	}
	return b
}

// mutate changes one character inside s (keeps the alphabet).
func mutate(s string, i int) string {
	b := []byte(s)
	if b[i] == 'z' || b[i] == 'Z' {
		b[i] = 'y'
	} else if b[i] == '9' {
		b[i] = '8'
	} else {
		b[i]++
		if b[i] == 'l' || b[i] == 'I' || b[i] == 'O' || b[i] == ':' {
			b[i]++
		}
	}
	return string(b)
}

func TestValidBTC(t *testing.T) {
	valid := []string{
		"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",                             // genesis P2PKH
		"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",                             // P2SH (BIP-13 era example)
		"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",                     // P2WPKH
		"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",                     // BIP-173 vector, upper case
		"bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", // BIP-173 P2WSH
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", // BIP-350 taproot
		b58check(0x00, seq(20, 1)),
		b58check(0x05, seq(20, 9)),
		segwitEncode("bc", 0, seq(20, 3), false),
		segwitEncode("bc", 1, seq(32, 3), true),
	}
	invalid := []string{
		"", "1", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", // bad checksum
		"mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",                             // testnet
		"2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc",                            // testnet P2SH
		"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",                     // testnet bech32
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", // v1 with bech32 checksum (BIP-350)
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",                     // v0 with bech32m checksum (BIP-350)
		"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3t4",                     // mixed case
		"bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",                          // BIP-350 invalid program length
		b58check(0x30, seq(20, 1)),                                       // litecoin
		b58check(0x00, seq(19, 1)),                                       // short payload
		segwitEncode("bc", 0, seq(20, 3), true),                          // v0 bech32m
		segwitEncode("ltc", 0, seq(20, 3), false),
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
	}
	for _, s := range valid {
		if !entity.ValidBTC(s) {
			t.Errorf("ValidBTC(%q) = false, want true", s)
		}
		if m := mutate(s, len(s)-3); entity.ValidBTC(m) {
			t.Errorf("ValidBTC(%q) (mutated) = true, want false", m)
		}
	}
	for _, s := range invalid {
		if entity.ValidBTC(s) {
			t.Errorf("ValidBTC(%q) = true, want false", s)
		}
	}
}

func TestValidLTC(t *testing.T) {
	valid := []string{
		b58check(0x30, seq(20, 1)), // L...
		b58check(0x32, seq(20, 2)), // M...
		b58check(0x05, seq(20, 3)), // 3... (legacy P2SH, same bytes as BTC)
		segwitEncode("ltc", 0, seq(20, 4), false),
		segwitEncode("ltc", 0, seq(32, 4), false),
		strings.ToUpper(segwitEncode("ltc", 0, seq(20, 5), false)),
	}
	for _, s := range valid {
		if !entity.ValidLTC(s) {
			t.Errorf("ValidLTC(%q) = false, want true", s)
		}
		if m := mutate(s, len(s)-3); entity.ValidLTC(m) {
			t.Errorf("ValidLTC(%q) (mutated) = true, want false", m)
		}
	}
	for _, s := range []string{"", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", b58check(0x6f, seq(20, 1)), segwitEncode("tltc", 0, seq(20, 4), false), segwitEncode("bc", 0, seq(20, 4), false)} {
		if entity.ValidLTC(s) {
			t.Errorf("ValidLTC(%q) = true, want false", s)
		}
	}
}

func TestValidXMR(t *testing.T) {
	valid := []string{
		"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A", // Monero general fund
		xmrEncode(18, seq(64, 1)),
		xmrEncode(42, seq(64, 2)), // subaddress "8..."
		xmrEncode(19, seq(72, 3)), // integrated, 106 chars
	}
	for _, s := range valid {
		if !entity.ValidXMR(s) {
			t.Errorf("ValidXMR(%q) = false, want true", s)
		}
		if m := mutate(s, 50); entity.ValidXMR(m) {
			t.Errorf("ValidXMR(%q) (mutated) = true, want false", m)
		}
	}
	if n := len(xmrEncode(19, seq(72, 3))); n != 106 {
		t.Fatalf("integrated test vector has %d chars", n)
	}
	invalid := []string{
		"", "4", xmrEncode(53, seq(64, 1)), // testnet tag
		xmrEncode(24, seq(64, 1)), // stagenet
		xmrEncode(18, seq(63, 1)), // wrong length
		"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3B",
		strings.Repeat("z", 95),
	}
	for _, s := range invalid {
		if entity.ValidXMR(s) {
			t.Errorf("ValidXMR(%q) = true, want false", s)
		}
	}
}

func TestValidETH(t *testing.T) {
	valid := []string{
		// EIP-55 test vectors
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
		"0x52908400098527886E0F7030069857D2E4169EE7", // all caps
		"0xde709f2102306220921060314715629080e2fb77", // all lower
	}
	invalid := []string{
		"", "0x", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", // bad checksum
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",   // 39 digits
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedd", // 41 digits
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg",
		"5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00",
	}
	for _, s := range valid {
		if !entity.ValidETH(s) {
			t.Errorf("ValidETH(%q) = false, want true", s)
		}
	}
	for _, s := range invalid {
		if entity.ValidETH(s) {
			t.Errorf("ValidETH(%q) = true, want false", s)
		}
	}
}
