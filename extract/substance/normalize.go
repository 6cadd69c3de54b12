package substance

import (
	"unicode"
	"unicode/utf8"
)

// normText is text folded for matching: lower case, "ё" as "е", common homoglyph digits kept,
// every run of separators (anything that is not a letter, digit, mark or '+') as one space,
// with a leading and trailing space. off[i] is the byte offset in the original text of the
// rune that produced normalised byte i; off[len] is len(original).
type normText struct {
	s   []byte
	off []int32
	// press: the words a press names ("bromazolam" in "bromazolam press", "pressed with
	// fentanyl"), found once per text (pressDone) by pressedOther
	press     [][2]int
	pressDone bool
}

// normalize folds text in one pass. Hostile input is fine: invalid UTF-8 becomes separators.
func normalize(text string, buf *normText) {
	s := buf.s[:0]
	off := buf.off[:0]
	s = append(s, ' ')
	off = append(off, 0)
	space := true
	var tmp [utf8.UTFMax]byte
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				s = append(s, c)
				off = append(off, int32(i))
				space = false
			case 'A' <= c && c <= 'Z':
				s = append(s, c+'a'-'A')
				off = append(off, int32(i))
				space = false
			default:
				if !space {
					s = append(s, ' ')
					off = append(off, int32(i))
					space = true
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			r = ' '
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = foldRune(r)
		case unicode.Is(unicode.Mn, r):
			// combining marks: drop (keeps "café" and "cafe" close enough)
			i += size
			continue
		default:
			r = ' '
		}
		if r == ' ' {
			if !space {
				s = append(s, ' ')
				off = append(off, int32(i))
				space = true
			}
			i += size
			continue
		}
		n := utf8.EncodeRune(tmp[:], r)
		for k := 0; k < n; k++ {
			s = append(s, tmp[k])
			off = append(off, int32(i))
		}
		space = false
		i += size
	}
	if !space {
		s = append(s, ' ')
		off = append(off, int32(len(text)))
	}
	off = append(off, int32(len(text)))
	buf.s, buf.off = s, off
	buf.press, buf.pressDone = buf.press[:0], false
}

// foldRune lower-cases a letter and maps a few look-alikes used to dodge filters.
func foldRune(r rune) rune {
	r = unicode.ToLower(r)
	switch r {
	case 'ё':
		return 'е'
	case 'α':
		return 'a' // α-PVP
	case 'β':
		return 'b'
	case 'µ', 'μ':
		return 'u'
	}
	if '０' <= r && r <= '９' { // full-width digits
		return '0' + (r - '０')
	}
	if 'ａ' <= r && r <= 'ｚ' {
		return 'a' + (r - 'ａ')
	}
	return r
}

// normTerm folds a lexicon term the same way as text, without the outer spaces.
func normTerm(t string) string {
	var nt normText
	normalize(t, &nt)
	b := nt.s
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return string(b)
}

func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }
