package induce

import "sort"

// tally counts in how many pages (or cards) each candidate came up, keeping first-seen
// order for ties.
type tally[K comparable] struct {
	n     map[K]int
	order []K
}

func newTally[K comparable]() *tally[K] { return &tally[K]{n: map[K]int{}} }

func (t *tally[K]) add(k K) {
	if t.n[k] == 0 {
		t.order = append(t.order, k)
	}
	t.n[k]++
}

// top is at most max candidates, most support first, then shortest by size.
func (t *tally[K]) top(max int, size func(K) int) []K {
	out := append([]K(nil), t.order...)
	sort.SliceStable(out, func(i, j int) bool {
		if t.n[out[i]] != t.n[out[j]] {
			return t.n[out[i]] > t.n[out[j]]
		}
		return size(out[i]) < size(out[j])
	})
	if len(out) > max {
		out = out[:max]
	}
	return out
}

func strLen(s string) int { return len(s) }
