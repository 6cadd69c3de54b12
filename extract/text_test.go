package extract

import "testing"

func TestCollapseSpaces(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", " a ": "a", "a  b": "a b", "a\tb\n": "a b", "\u00a0x\u00a0\u00a0y": "x y", "★ x": "★ x", "a\xffb": "a\uFFFDb", "a ": "a", " ": "", "ab cd": "ab cd"} {
		if got := collapseSpaces(in); got != want {
			t.Errorf("%q -> %q want %q", in, got, want)
		}
	}
}
