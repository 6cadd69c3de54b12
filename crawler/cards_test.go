package crawler_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/crawler"
	"github.com/darkwatch/darkwatch/crawler/testbed"
)

func TestCardBook(t *testing.T) {
	b, err := crawler.OpenCardBook(filepath.Join(t.TempDir(), "cards.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	put := map[string]crawler.CardEntry{
		"http://a.onion/listing/1": {Prints: map[string]crawler.SourcePrint{"tpv /category/*": {FP: 7, At: at}}, CardAt: at, PricedAt: at, FullAt: at.Add(-time.Hour)},
		"http://a.onion/listing/2": {CardAt: at, BackAt: at},
	}
	if err := b.Put(ctx, "alpha", put); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(ctx, "alphabet", map[string]crawler.CardEntry{"http://b.onion/x": {CardAt: at}}); err != nil {
		t.Fatal(err)
	}
	got, err := b.Get(ctx, "alpha", []string{"http://a.onion/listing/1", "http://a.onion/listing/3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !got["http://a.onion/listing/1"].FullAt.Equal(at.Add(-time.Hour)) || got["http://a.onion/listing/1"].Prints["tpv /category/*"].FP != 7 {
		t.Errorf("Get = %+v, want listing/1 only, as put", got)
	}
	var each []string
	if err := b.Each(ctx, "alpha", func(u string, _ crawler.CardEntry) bool { each = append(each, u); return true }); err != nil {
		t.Fatal(err)
	}
	if len(each) != 2 {
		t.Errorf("Each(alpha) = %v, want the 2 entries of alpha (not alphabet's)", each)
	}
	if err := b.Delete(ctx, "alpha", []string{"http://a.onion/listing/2"}); err != nil {
		t.Fatal(err)
	}
	got, _ = b.Get(ctx, "alpha", []string{"http://a.onion/listing/2"})
	if len(got) != 0 {
		t.Errorf("after Delete: %+v", got)
	}
}

// TestCardsNeedURLRecrawler: a card book with a frontier that cannot bring listing pages
// back is refused by New (the card economy would skip pages nobody brings back); without
// a card book the same frontier is fine.
func TestCardsNeedURLRecrawler(t *testing.T) {
	r := newTwoDays(t, testbed.Options{Seed: 1, Markets: 1, Listings: 5})
	plain := struct{ crawler.Frontier }{r.fr} // only the Frontier methods
	for _, tc := range []struct {
		name    string
		deps    crawler.Deps
		wantErr bool
	}{
		{"card book, plain frontier", crawler.Deps{Frontier: plain, Cards: r.book(t, "cards")}, true},
		{"card book, bolt frontier", crawler.Deps{Frontier: r.fr, Cards: r.book(t, "cards2")}, false},
		{"no card book, plain frontier", crawler.Deps{Frontier: plain}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.deps.Transport, tc.deps.Extractor, tc.deps.Sink = r.tr, r.x, newMemSink()
			_, err := crawler.New(crawler.Options{Markets: r.markets}, tc.deps)
			if (err != nil) != tc.wantErr {
				t.Fatalf("New: err %v, want error %v", err, tc.wantErr)
			}
		})
	}
}
