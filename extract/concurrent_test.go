package extract

import (
	"encoding/json"
	"sync"
	"testing"
)

// TestExtractConcurrent: one Extractor used from several goroutines (pooled scratch
// buffers and token maps) gives the same results as sequential use. Run it with -race.
func TestExtractConcurrent(t *testing.T) {
	x := testExtractor(t)
	var pages [][]byte
	want := make([]string, len(goldenCases))
	for i, c := range goldenCases {
		pages = append(pages, readPage(t, c.file))
		res, err := x.Extract(Page{URL: c.url, Body: pages[i]}, "auto")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		want[i] = string(b)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4*len(pages))
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range pages {
				i := (k + g*7) % len(pages)
				res, err := x.Extract(Page{URL: goldenCases[i].url, Body: pages[i]}, "auto")
				if err != nil {
					errs <- err.Error()
					continue
				}
				if b, _ := json.Marshal(res); string(b) != want[i] {
					errs <- goldenCases[i].file + ": result differs from sequential extraction"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
