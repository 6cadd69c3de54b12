package entity

import (
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"math/bits"
	"strings"

	"golang.org/x/crypto/sha3"
)

const b58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var b58Index = func() [256]int8 {
	var t [256]int8
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(b58Alphabet); i++ {
		t[b58Alphabet[i]] = int8(i)
	}
	return t
}()

// base58Decode decodes a Bitcoin-alphabet base58 string (inputs are short:
// callers bound the length).
func base58Decode(s string) ([]byte, bool) {
	if s == "" || len(s) > 128 {
		return nil, false
	}
	n := new(big.Int)
	radix := big.NewInt(58)
	for i := 0; i < len(s); i++ {
		d := b58Index[s[i]]
		if d < 0 {
			return nil, false
		}
		n.Mul(n, radix)
		n.Add(n, big.NewInt(int64(d)))
	}
	body := n.Bytes()
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	out := make([]byte, zeros+len(body))
	copy(out[zeros:], body)
	return out, true
}

// base58Check decodes s and verifies its 4-byte double-SHA-256 checksum;
// it returns the version byte and payload.
func base58Check(s string) (version byte, payload []byte, ok bool) {
	b, ok := base58Decode(s)
	if !ok || len(b) < 5 {
		return 0, nil, false
	}
	data, sum := b[:len(b)-4], b[len(b)-4:]
	h1 := sha256.Sum256(data)
	h2 := sha256.Sum256(h1[:])
	if string(h2[:4]) != string(sum) {
		return 0, nil, false
	}
	return data[0], data[1:], true
}

// ValidBTC reports whether s is a valid Bitcoin mainnet address: base58check
// P2PKH (version 0x00, "1...") or P2SH (0x05, "3..."), or a bech32 (witness
// v0) / bech32m (v1+, e.g. taproot "bc1p...") segwit address with HRP "bc".
// Testnet and regtest addresses ("m", "n", "2", "tb1", "bcrt1") are rejected:
// markets take mainnet payments only.
func ValidBTC(s string) bool {
	if len(s) >= 14 && strings.EqualFold(s[:3], "bc1") {
		return validSegwit(s, "bc")
	}
	if len(s) < 26 || len(s) > 35 || (s[0] != '1' && s[0] != '3') {
		return false
	}
	v, p, ok := base58Check(s)
	return ok && len(p) == 20 && (v == 0x00 || v == 0x05)
}

// ValidLTC reports whether s is a valid Litecoin mainnet address: base58check
// P2PKH (0x30, "L..."), P2SH (0x32, "M...", or the legacy 0x05, "3...", which
// is byte-identical to a Bitcoin P2SH address), or bech32/bech32m with HRP "ltc".
func ValidLTC(s string) bool {
	if len(s) >= 15 && strings.EqualFold(s[:4], "ltc1") {
		return validSegwit(s, "ltc")
	}
	if len(s) < 26 || len(s) > 35 || (s[0] != 'L' && s[0] != 'M' && s[0] != '3') {
		return false
	}
	v, p, ok := base58Check(s)
	return ok && len(p) == 20 && (v == 0x30 || v == 0x32 || v == 0x05)
}

// ValidETH reports whether s is "0x" followed by 40 hex digits; when the
// digits mix upper and lower case they must match the EIP-55 checksum.
func ValidETH(s string) bool {
	if len(s) != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return false
	}
	h := s[2:]
	hasUpper, hasLower := false, false
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'f':
			hasLower = true
		case c >= 'A' && c <= 'F':
			hasUpper = true
		default:
			return false
		}
	}
	if !hasUpper || !hasLower {
		return true
	}
	return h == eip55(strings.ToLower(h))
}

// eip55 returns the checksummed form of 40 lower-case hex digits.
func eip55(lower string) string {
	k := sha3.NewLegacyKeccak256()
	k.Write([]byte(lower))
	sum := hex.EncodeToString(k.Sum(nil))
	b := []byte(lower)
	for i := range b {
		if b[i] >= 'a' && sum[i] >= '8' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

// Monero base58 encodes 8-byte blocks as 11 characters; a final partial
// block of n bytes takes xmrBlockLen[n] characters.
var xmrBlockLen = [9]int{0, 2, 3, 5, 6, 7, 9, 10, 11}

func xmrDecode(s string) ([]byte, bool) {
	full, rest := len(s)/11, len(s)%11
	restBytes := -1
	for n, l := range xmrBlockLen {
		if l == rest {
			restBytes = n
		}
	}
	if restBytes < 0 {
		return nil, false
	}
	out := make([]byte, 0, full*8+restBytes)
	dec := func(block string, size int) bool {
		var v uint64
		for i := 0; i < len(block); i++ {
			d := b58Index[block[i]]
			if d < 0 {
				return false
			}
			hi, lo := bits.Mul64(v, 58)
			if hi != 0 {
				return false
			}
			nv := lo + uint64(d)
			if nv < lo {
				return false
			}
			v = nv
		}
		if size < 8 && v>>(8*uint(size)) != 0 {
			return false
		}
		for i := size - 1; i >= 0; i-- {
			out = append(out, byte(v>>(8*uint(i))))
		}
		return true
	}
	for i := 0; i < full; i++ {
		if !dec(s[i*11:i*11+11], 8) {
			return nil, false
		}
	}
	if rest > 0 && !dec(s[full*11:], restBytes) {
		return nil, false
	}
	return out, true
}

// ValidXMR reports whether s is a Monero mainnet address: standard (tag 18,
// 95 characters, "4..."), subaddress (tag 42, 95, "8...") or integrated
// (tag 19, 106, "4..."), Monero base58 with a Keccak-256 checksum.
func ValidXMR(s string) bool {
	var tag byte
	switch {
	case len(s) == 95 && s[0] == '4':
		tag = 18
	case len(s) == 95 && s[0] == '8':
		tag = 42
	case len(s) == 106 && s[0] == '4':
		tag = 19
	default:
		return false
	}
	b, ok := xmrDecode(s)
	if !ok || len(b) < 5 || b[0] != tag {
		return false
	}
	data, sum := b[:len(b)-4], b[len(b)-4:]
	k := sha3.NewLegacyKeccak256()
	k.Write(data)
	return string(k.Sum(nil)[:4]) == string(sum)
}
