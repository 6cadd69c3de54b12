package entity

import "strings"

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

const (
	bech32Const  = 1
	bech32mConst = 0x2bc830a3
)

func polymod(values []byte) uint32 {
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

func hrpExpand(hrp string) []byte {
	out := make([]byte, 0, len(hrp)*2+1)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]>>5)
	}
	out = append(out, 0)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]&31)
	}
	return out
}

// bech32Decode returns the HRP, the 5-bit data (without checksum) and the
// checksum constant (bech32 or bech32m).
func bech32Decode(s string) (string, []byte, uint32, bool) {
	if len(s) > 90 || len(s) < 8 {
		return "", nil, 0, false
	}
	if strings.ToLower(s) != s && strings.ToUpper(s) != s {
		return "", nil, 0, false
	}
	s = strings.ToLower(s)
	pos := strings.LastIndexByte(s, '1')
	if pos < 1 || pos+7 > len(s) {
		return "", nil, 0, false
	}
	hrp := s[:pos]
	data := make([]byte, 0, len(s)-pos-1)
	for i := pos + 1; i < len(s); i++ {
		d := strings.IndexByte(bech32Charset, s[i])
		if d < 0 {
			return "", nil, 0, false
		}
		data = append(data, byte(d))
	}
	c := polymod(append(hrpExpand(hrp), data...))
	if c != bech32Const && c != bech32mConst {
		return "", nil, 0, false
	}
	return hrp, data[:len(data)-6], c, true
}

func convertBits(data []byte, from, to uint, pad bool) ([]byte, bool) {
	acc, bits := uint32(0), uint(0)
	maxv := uint32(1)<<to - 1
	var out []byte
	for _, v := range data {
		if uint32(v)>>from != 0 {
			return nil, false
		}
		acc = acc<<from | uint32(v)
		bits += from
		for bits >= to {
			bits -= to
			out = append(out, byte(acc>>bits&maxv))
		}
	}
	if pad {
		if bits > 0 {
			out = append(out, byte(acc<<(to-bits)&maxv))
		}
	} else if bits >= from || acc<<(to-bits)&maxv != 0 {
		return nil, false
	}
	return out, true
}

// validSegwit checks a BIP-173/BIP-350 segwit address for the given HRP.
func validSegwit(s, wantHRP string) bool {
	hrp, data, c, ok := bech32Decode(s)
	if !ok || hrp != wantHRP || len(data) < 1 {
		return false
	}
	ver := data[0]
	if ver > 16 {
		return false
	}
	prog, ok := convertBits(data[1:], 5, 8, false)
	if !ok || len(prog) < 2 || len(prog) > 40 {
		return false
	}
	if ver == 0 {
		if c != bech32Const || (len(prog) != 20 && len(prog) != 32) {
			return false
		}
	} else if c != bech32mConst {
		return false
	}
	return true
}
