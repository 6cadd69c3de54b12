package zzold

// acMatcher is an Aho-Corasick automaton compiled to a dense DFA over byte classes: the
// scan is one table lookup per input byte, with no backtracking and no allocation. We write
// it ourselves (about 120 lines) rather than import a library: we need the DFA form for speed,
// per-pattern ids, and all overlapping matches, and the pattern set is small and fixed at
// build time.
type acMatcher struct {
	class   [256]uint8 // byte -> class; class 0 is "byte not in any pattern"
	nclass  int
	delta   []int32   // state*nclass + class -> next state
	out     [][]int32 // state -> pattern ids ending here (including via dictionary links)
	pattern []int     // pattern id -> byte length
}

func newACMatcher(patterns []string) *acMatcher {
	m := &acMatcher{}
	// byte classes
	n := 1
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			if m.class[p[i]] == 0 {
				m.class[p[i]] = uint8(n)
				n++
				if n > 255 {
					panic("substance: too many byte classes")
				}
			}
		}
	}
	m.nclass = n
	// trie
	type node struct {
		next map[uint8]int32
		fail int32
		out  []int32
	}
	nodes := []node{{next: map[uint8]int32{}}}
	m.pattern = make([]int, len(patterns))
	for id, p := range patterns {
		m.pattern[id] = len(p)
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := m.class[p[i]]
			nx, ok := nodes[s].next[c]
			if !ok {
				nx = int32(len(nodes))
				nodes = append(nodes, node{next: map[uint8]int32{}})
				nodes[s].next[c] = nx
			}
			s = nx
		}
		nodes[s].out = append(nodes[s].out, int32(id))
	}
	// BFS: failure links and dense transitions
	m.delta = make([]int32, len(nodes)*n)
	m.out = make([][]int32, len(nodes))
	queue := make([]int32, 0, len(nodes))
	for c := 0; c < n; c++ {
		if nx, ok := nodes[0].next[uint8(c)]; ok {
			nodes[nx].fail = 0
			m.delta[c] = nx
			queue = append(queue, nx)
		}
	}
	m.out[0] = nodes[0].out
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := nodes[s].fail
		m.out[s] = append(append([]int32(nil), nodes[s].out...), m.out[f]...)
		for c := 0; c < n; c++ {
			if nx, ok := nodes[s].next[uint8(c)]; ok {
				nodes[nx].fail = m.delta[int(f)*n+c]
				m.delta[int(s)*n+c] = nx
				queue = append(queue, nx)
			} else {
				m.delta[int(s)*n+c] = m.delta[int(f)*n+c]
			}
		}
	}
	return m
}

// scan calls fn(patternID, end) for every occurrence, end exclusive, in order of end.
func (m *acMatcher) scan(b []byte, fn func(id int32, end int)) {
	s := int32(0)
	n := int32(m.nclass)
	delta, class, out := m.delta, &m.class, m.out
	for i := 0; i < len(b); i++ {
		s = delta[s*n+int32(class[b[i]])]
		if o := out[s]; len(o) > 0 {
			for _, id := range o {
				fn(id, i+1)
			}
		}
	}
}
