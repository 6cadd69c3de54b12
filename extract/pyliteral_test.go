package extract

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pyLiteral parses the subset of Python literals used by expected_values.jsonl's
// expected_expr: tuples/lists, strings, numbers, True/False/None and calls such as
// datetime.datetime(2019, 10, 19, 0, 0) (returned as their source text).
type pyLiteral struct {
	s string
	i int
}

func parsePyLiteral(s string) (any, error) {
	p := &pyLiteral{s: s}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("trailing input at %d", p.i)
	}
	return v, nil
}

func (p *pyLiteral) space() {
	for p.i < len(p.s) && strings.ContainsRune(" \t\n\r", rune(p.s[p.i])) {
		p.i++
	}
}

func (p *pyLiteral) value() (any, error) {
	p.space()
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '(' || c == '[':
		closer := byte(')')
		if c == '[' {
			closer = ']'
		}
		p.i++
		var out []any
		for {
			p.space()
			if p.i < len(p.s) && p.s[p.i] == closer {
				p.i++
				return out, nil
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			p.space()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
			}
		}
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		j := p.i + 1
		for j < len(p.s) && strings.ContainsRune("0123456789.eE+-", rune(p.s[j])) {
			j++
		}
		f, err := strconv.ParseFloat(p.s[p.i:j], 64)
		p.i = j
		return f, err
	default:
		j := p.i
		for j < len(p.s) && (p.s[j] == '_' || p.s[j] == '.' || (p.s[j]|0x20 >= 'a' && p.s[j]|0x20 <= 'z') || (p.s[j] >= '0' && p.s[j] <= '9')) {
			j++
		}
		name := p.s[p.i:j]
		p.i = j
		switch name {
		case "True":
			return true, nil
		case "False":
			return false, nil
		case "None":
			return nil, nil
		}
		if p.i < len(p.s) && p.s[p.i] == '(' { // a call: keep its source
			depth, start := 0, p.i
			for ; p.i < len(p.s); p.i++ {
				if p.s[p.i] == '(' {
					depth++
				} else if p.s[p.i] == ')' {
					depth--
					if depth == 0 {
						p.i++
						break
					}
				}
			}
			return name + p.s[start:p.i], nil
		}
		if name == "" {
			return nil, fmt.Errorf("unexpected %q at %d", p.s[p.i], p.i)
		}
		return name, nil
	}
}

func (p *pyLiteral) str() (string, error) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\\' && p.i+1 < len(p.s):
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if p.i+n > len(p.s) {
					return "", fmt.Errorf("bad escape")
				}
				r, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
				if err != nil {
					return "", err
				}
				b.WriteRune(rune(r))
				p.i += n
			default:
				b.WriteByte(e)
			}
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			b.WriteRune(r)
			p.i += size
		}
	}
	return "", fmt.Errorf("unterminated string")
}
