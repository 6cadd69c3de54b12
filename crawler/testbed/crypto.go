package testbed

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"
	"strings"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// seedBytes derives n deterministic bytes from the labels.
func seedBytes(n int, labels ...any) []byte {
	out := make([]byte, 0, n)
	for ctr := 0; len(out) < n; ctr++ {
		h := sha256.New()
		fmt.Fprint(h, labels...)
		fmt.Fprintf(h, "|%d", ctr)
		out = h.Sum(out)
	}
	return out[:n]
}

// onionKey is the v3 onion service identity of one market.
type onionKey struct {
	seed [32]byte
	pub  ed25519.PublicKey
	addr string // 56 chars, no ".onion"
}

func newOnionKey(labels ...any) onionKey {
	var k onionKey
	copy(k.seed[:], seedBytes(32, append([]any{"onion-key|"}, labels...)...))
	k.pub = ed25519.NewKeyFromSeed(k.seed[:]).Public().(ed25519.PublicKey)
	k.addr = OnionAddress(k.pub)
	return k
}

// OnionAddress returns the 56-character v3 onion address (without ".onion") of an ed25519
// public key, per rend-spec-v3: base32(pubkey || checksum || version), checksum =
// SHA3-256(".onion checksum" || pubkey || version)[:2], version = 3.
func OnionAddress(pub ed25519.PublicKey) string {
	const version = 3
	h := sha3.New256()
	h.Write([]byte(".onion checksum"))
	h.Write(pub)
	h.Write([]byte{version})
	sum := h.Sum(nil)
	buf := make([]byte, 0, 35)
	buf = append(buf, pub...)
	buf = append(buf, sum[0], sum[1], version)
	return strings.ToLower(base32.StdEncoding.EncodeToString(buf))
}

// torSecretKey returns tor's hs_ed25519_secret_key file content: a 32-byte header followed by
// the 64-byte expanded secret key (clamped SHA-512 of the seed).
func (k onionKey) torSecretKey() []byte {
	h := sha512.Sum512(k.seed[:])
	h[0] &= 248
	h[31] &= 127
	h[31] |= 64
	var b bytes.Buffer
	b.WriteString("== ed25519v1-secret: type0 ==\x00\x00\x00")
	b.Write(h[:])
	return b.Bytes()
}

func (k onionKey) torPublicKey() []byte {
	var b bytes.Buffer
	b.WriteString("== ed25519v1-public: type0 ==\x00\x00\x00")
	b.Write(k.pub)
	return b.Bytes()
}

// ---- Bitcoin ----

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func base58(b []byte) string {
	x := new(big.Int).SetBytes(b)
	mod := new(big.Int)
	radix := big.NewInt(58)
	var out []byte
	for x.Sign() > 0 {
		x.DivMod(x, radix, mod)
		out = append(out, base58Alphabet[mod.Int64()])
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

// btcP2PKH returns a valid base58check P2PKH address for a 20-byte hash.
func btcP2PKH(h160 []byte) string {
	payload := append([]byte{0x00}, h160...)
	c1 := sha256.Sum256(payload)
	c2 := sha256.Sum256(c1[:])
	return base58(append(payload, c2[:4]...))
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		b := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (b>>uint(i))&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

// btcBech32 returns a valid bech32 (BIP-173) P2WPKH address for a 20-byte program.
func btcBech32(prog []byte) string {
	hrp := "bc"
	data := []byte{0} // witness version 0
	acc, nbits := 0, 0
	for _, b := range prog {
		acc = acc<<8 | int(b)
		nbits += 8
		for nbits >= 5 {
			nbits -= 5
			data = append(data, byte(acc>>uint(nbits)&31))
		}
	}
	if nbits > 0 {
		data = append(data, byte(acc<<uint(5-nbits)&31))
	}
	var values []byte
	for _, c := range hrp {
		values = append(values, byte(c>>5))
	}
	values = append(values, 0)
	for _, c := range hrp {
		values = append(values, byte(c&31))
	}
	values = append(values, data...)
	values = append(values, 0, 0, 0, 0, 0, 0)
	pm := bech32Polymod(values) ^ 1
	var sb strings.Builder
	sb.WriteString(hrp)
	sb.WriteByte('1')
	for _, d := range data {
		sb.WriteByte(bech32Charset[d])
	}
	for i := 0; i < 6; i++ {
		sb.WriteByte(bech32Charset[(pm>>uint(5*(5-i)))&31])
	}
	return sb.String()
}

func btcAddress(labels ...any) string {
	b := seedBytes(21, append([]any{"btc|"}, labels...)...)
	if b[20]%2 == 0 {
		return btcBech32(b[:20])
	}
	return btcP2PKH(b[:20])
}

// ---- Monero ----

var keccakRC = [24]uint64{
	0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
	0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
	0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
	0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
	0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
	0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
}

var keccakRot = [25]int{0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14}

func keccakF(a *[25]uint64) {
	for r := 0; r < 24; r++ {
		var c [5]uint64
		for x := 0; x < 5; x++ {
			c[x] = a[x] ^ a[x+5] ^ a[x+10] ^ a[x+15] ^ a[x+20]
		}
		for x := 0; x < 5; x++ {
			d := c[(x+4)%5] ^ bits.RotateLeft64(c[(x+1)%5], 1)
			for y := 0; y < 25; y += 5 {
				a[y+x] ^= d
			}
		}
		var b [25]uint64
		for x := 0; x < 5; x++ {
			for y := 0; y < 5; y++ {
				b[y+5*((2*x+3*y)%5)] = bits.RotateLeft64(a[x+5*y], keccakRot[x+5*y])
			}
		}
		for x := 0; x < 5; x++ {
			for y := 0; y < 25; y += 5 {
				a[y+x] = b[y+x] ^ (^b[y+(x+1)%5] & b[y+(x+2)%5])
			}
		}
		a[0] ^= keccakRC[r]
	}
}

// keccak256 is the legacy Keccak-256 (pad 0x01) that Monero uses.
func keccak256(msg []byte) [32]byte {
	const rate = 136
	var a [25]uint64
	buf := append([]byte(nil), msg...)
	buf = append(buf, 0x01)
	for len(buf)%rate != 0 {
		buf = append(buf, 0)
	}
	buf[len(buf)-1] |= 0x80
	for off := 0; off < len(buf); off += rate {
		for i := 0; i < rate/8; i++ {
			a[i] ^= binary.LittleEndian.Uint64(buf[off+8*i:])
		}
		keccakF(&a)
	}
	var out [32]byte
	for i := 0; i < 4; i++ {
		binary.LittleEndian.PutUint64(out[8*i:], a[i])
	}
	return out
}

// moneroBase58 encodes in 8-byte blocks of 11 characters (last block shorter), as Monero does.
func moneroBase58(b []byte) string {
	encSize := []int{0, 2, 3, 5, 6, 7, 9, 10, 11}
	var sb strings.Builder
	for off := 0; off < len(b); off += 8 {
		end := min(off+8, len(b))
		blk := b[off:end]
		x := new(big.Int).SetBytes(blk)
		n := encSize[len(blk)]
		out := make([]byte, n)
		mod := new(big.Int)
		radix := big.NewInt(58)
		for i := n - 1; i >= 0; i-- {
			x.DivMod(x, radix, mod)
			out[i] = base58Alphabet[mod.Int64()]
		}
		sb.Write(out)
	}
	return sb.String()
}

// xmrAddress returns a standard Monero address (network byte 0x12) with a valid checksum.
func xmrAddress(labels ...any) string {
	keys := seedBytes(64, append([]any{"xmr|"}, labels...)...)
	for i := 0; i < 64; i += 32 {
		keys[i+31] &= 0x7f // keep the keys in a plausible range
	}
	data := append([]byte{0x12}, keys...)
	sum := keccak256(data)
	return moneroBase58(append(data, sum[:4]...))
}

// ---- PGP ----

// pgpKey is a deterministic OpenPGP public key.
type pgpKey struct {
	Fingerprint string // upper-case hex
	Armored     string // ASCII-armored public key block
}

var pgpCache sync.Map // key label -> *pgpKey

// pgpKeyTime is the creation time of every generated key (part of the fingerprint).
var pgpKeyTime = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

type detReader struct {
	labels []any
	buf    []byte
	ctr    int
}

func (r *detReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.buf) == 0 {
			r.buf = seedBytes(64, append(append([]any{}, r.labels...), "|rd|", r.ctr)...)
			r.ctr++
		}
		c := copy(p[n:], r.buf)
		r.buf = r.buf[c:]
		n += c
	}
	return n, nil
}

// newPGPKey generates (or returns the cached) ed25519 OpenPGP key for name, deterministic in
// seed and label.
func newPGPKey(seed int64, label, name string) (*pgpKey, error) {
	id := fmt.Sprint(seed, "|", label, "|", name)
	if v, ok := pgpCache.Load(id); ok {
		return v.(*pgpKey), nil
	}
	cfg := &packet.Config{
		Rand:      &detReader{labels: []any{"pgp|", id}},
		Time:      func() time.Time { return pgpKeyTime },
		Algorithm: packet.PubKeyAlgoEdDSA,
		Curve:     packet.Curve25519,
	}
	e, err := openpgp.NewEntity(name, "", "", cfg)
	if err != nil {
		return nil, fmt.Errorf("pgp key %s: %w", name, err)
	}
	var b bytes.Buffer
	w, err := armor.Encode(&b, openpgp.PublicKeyType, nil)
	if err != nil {
		return nil, fmt.Errorf("pgp armor: %w", err)
	}
	if err := e.Serialize(w); err != nil {
		return nil, fmt.Errorf("pgp serialize: %w", err)
	}
	w.Close()
	k := &pgpKey{Fingerprint: strings.ToUpper(fmt.Sprintf("%X", e.PrimaryKey.Fingerprint)), Armored: b.String() + "\n"}
	v, _ := pgpCache.LoadOrStore(id, k)
	return v.(*pgpKey), nil
}
