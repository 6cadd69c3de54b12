package crawler

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/darkwatch/darkwatch/crawler/frontier"
)

// BookStore is the shared table SharedCards keeps the card book in: the Redis frontier's
// book, which every crawl process of the frontier shares (frontier/book.go).
type BookStore interface {
	BookGet(ctx context.Context, market string, keys []string) (map[string]map[string]frontier.BookField, error)
	BookMerge(ctx context.Context, market string, entries map[string]map[string]frontier.BookField) error
	BookDelete(ctx context.Context, market string, keys []string) error
	BookEach(ctx context.Context, market string, fn func(key string, fields map[string]frontier.BookField) bool) error
}

var (
	_ BookStore = (*frontier.Redis)(nil)
	_ Cards     = (*SharedCards)(nil)
)

// SharedCards is a Cards kept in a BookStore: one card book for every crawl process of a
// shared frontier, so a card one process sees vouches for a listing another fetched. Put
// merges (cardMerge) in one atomic step per call.
type SharedCards struct {
	s BookStore
}

// NewSharedCards returns the card book kept in s.
func NewSharedCards(s BookStore) *SharedCards { return &SharedCards{s: s} }

// Book fields: the times of a CardEntry, and "p <source>" for each card source (version:
// when the card was seen, value: its fingerprint in hex).
const printField = "p "

func toFields(e CardEntry) map[string]frontier.BookField {
	fs := map[string]frontier.BookField{}
	for name, t := range map[string]time.Time{"ca": e.CardAt, "pa": e.PricedAt, "f": e.FullAt, "b": e.BackAt} {
		if !t.IsZero() {
			fs[name] = frontier.BookField{V: t.UnixMilli()}
		}
	}
	for src, p := range e.Prints {
		fs[printField+src] = frontier.BookField{V: p.At.UnixMilli(), S: strconv.FormatUint(p.FP, 16)}
	}
	return fs
}

func fromFields(fs map[string]frontier.BookField) CardEntry {
	var e CardEntry
	at := func(f frontier.BookField) time.Time { return time.UnixMilli(f.V) }
	for name, f := range fs {
		switch name {
		case "ca":
			e.CardAt = at(f)
		case "pa":
			e.PricedAt = at(f)
		case "f":
			e.FullAt = at(f)
		case "b":
			e.BackAt = at(f)
		default:
			src, ok := strings.CutPrefix(name, printField)
			fp, err := strconv.ParseUint(f.S, 16, 64)
			if !ok || err != nil {
				continue
			}
			if e.Prints == nil {
				e.Prints = map[string]SourcePrint{}
			}
			e.Prints[src] = SourcePrint{FP: fp, At: at(f)}
		}
	}
	return e
}

// Get implements Cards.
func (b *SharedCards) Get(ctx context.Context, market string, urls []string) (map[string]CardEntry, error) {
	got, err := b.s.BookGet(ctx, market, urls)
	if err != nil {
		return nil, err
	}
	out := make(map[string]CardEntry, len(got))
	for u, fs := range got {
		out[u] = fromFields(fs)
	}
	return out, nil
}

// Put implements Cards.
func (b *SharedCards) Put(ctx context.Context, market string, entries map[string]CardEntry) error {
	m := make(map[string]map[string]frontier.BookField, len(entries))
	for u, e := range entries {
		m[u] = toFields(e)
	}
	return b.s.BookMerge(ctx, market, m)
}

// Delete implements Cards.
func (b *SharedCards) Delete(ctx context.Context, market string, urls []string) error {
	return b.s.BookDelete(ctx, market, urls)
}

// Each implements Cards.
func (b *SharedCards) Each(ctx context.Context, market string, fn func(string, CardEntry) bool) error {
	return b.s.BookEach(ctx, market, func(k string, fs map[string]frontier.BookField) bool { return fn(k, fromFields(fs)) })
}

// cardMerge merges an entry into the stored one: each time keeps the later, each card
// source the later card. Every Cards.Put merges, so writers updating one entry at once (two
// workers, two processes) never lose each other's newer fields (a brought-back mark lost to
// a concurrent card update would let a changed listing wait).
func cardMerge(old, e CardEntry) CardEntry {
	later := func(a, b time.Time) time.Time {
		if b.After(a) {
			return b
		}
		return a
	}
	e.CardAt, e.PricedAt = later(old.CardAt, e.CardAt), later(old.PricedAt, e.PricedAt)
	e.FullAt, e.BackAt = later(old.FullAt, e.FullAt), later(old.BackAt, e.BackAt)
	for src, p := range old.Prints {
		if q, ok := e.Prints[src]; !ok || q.At.Before(p.At) {
			if e.Prints == nil {
				e.Prints = map[string]SourcePrint{}
			}
			e.Prints[src] = p
		}
	}
	return e
}
