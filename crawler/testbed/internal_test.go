package testbed

import (
	"encoding/hex"
	"testing"
)

func TestKeccak256(t *testing.T) {
	for in, want := range map[string]string{
		"":    "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
		"abc": "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
	} {
		got := keccak256([]byte(in))
		if hex.EncodeToString(got[:]) != want {
			t.Errorf("keccak256(%q) = %x, want %s", in, got, want)
		}
	}
}

func TestMoneroBase58Length(t *testing.T) {
	if a := xmrAddress(1, "x"); len(a) != 95 || a[0] != '4' {
		t.Errorf("xmr address %q: want 95 chars starting with 4", a)
	}
}
