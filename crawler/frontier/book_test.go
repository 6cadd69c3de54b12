package frontier_test

import (
	"context"
	"sync"
	"testing"

	"github.com/darkwatch/darkwatch/crawler/frontier"
)

// TestRedisBook: BookMerge keeps, per field, the value of the larger version, atomically:
// concurrent merges of one entry lose no field; Get, Each and Delete see what was merged.
func TestRedisBook(t *testing.T) {
	c := redisClient(t)
	r, err := frontier.NewRedis(c, frontier.Options{Prefix: uniquePrefix(t, c)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const u = "http://a.onion/listing/1"
	f := func(v int64, s string) frontier.BookField { return frontier.BookField{V: v, S: s} }
	steps := []struct {
		name  string
		merge map[string]frontier.BookField
		want  map[string]frontier.BookField
	}{
		{"first", map[string]frontier.BookField{"ca": f(100, ""), "p x": f(100, "ab")},
			map[string]frontier.BookField{"ca": f(100, ""), "p x": f(100, "ab")}},
		{"newer wins, older loses, others stay", map[string]frontier.BookField{"ca": f(90, ""), "p x": f(1733091234567, "cd"), "f": f(95, "")},
			map[string]frontier.BookField{"ca": f(100, ""), "p x": f(1733091234567, "cd"), "f": f(95, "")}},
	}
	for _, s := range steps {
		if err := r.BookMerge(ctx, "alpha", map[string]map[string]frontier.BookField{u: s.merge}); err != nil {
			t.Fatal(err)
		}
		got, err := r.BookGet(ctx, "alpha", []string{u, "http://a.onion/none"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || len(got[u]) != len(s.want) {
			t.Fatalf("%s: got %+v, want %+v", s.name, got, s.want)
		}
		for k, v := range s.want {
			if got[u][k] != v {
				t.Errorf("%s: field %q = %+v, want %+v", s.name, k, got[u][k], v)
			}
		}
	}
	// Concurrent merges of one entry, each with its own field: none is lost.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			k := string(rune('A' + i))
			if err := r.BookMerge(ctx, "alpha", map[string]map[string]frontier.BookField{u: {k: f(int64(i), k)}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, _ := r.BookGet(ctx, "alpha", []string{u})
	if n := len(got[u]); n != 3+20 {
		t.Errorf("after 20 concurrent merges: %d fields, want 23", n)
	}
	if err := r.BookMerge(ctx, "beta", map[string]map[string]frontier.BookField{"http://b.onion/x": {"ca": f(1, "")}}); err != nil {
		t.Fatal(err)
	}
	var each []string
	if err := r.BookEach(ctx, "alpha", func(k string, _ map[string]frontier.BookField) bool { each = append(each, k); return true }); err != nil {
		t.Fatal(err)
	}
	if len(each) != 1 || each[0] != u {
		t.Errorf("BookEach(alpha) = %v, want [%s]", each, u)
	}
	if err := r.BookDelete(ctx, "alpha", []string{u}); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.BookGet(ctx, "alpha", []string{u}); len(got) != 0 {
		t.Errorf("after BookDelete: %+v", got)
	}
}
