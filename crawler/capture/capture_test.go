package capture_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nlnwa/gowarc"

	"github.com/darkwatch/darkwatch/crawler/capture"
)

// TestWriteAndReadBack writes responses concurrently, reads the files with the library's
// reader, and checks that every record's payload matches the SHA-256 of its reference.
func TestWriteAndReadBack(t *testing.T) {
	dir := t.TempDir()
	w, err := capture.Open(capture.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	refs := make([]capture.Ref, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Appendf(nil, "<html><body>listing %d ₽ \x00 binary</body></html>", i)
			ref, err := w.Write(capture.Response{
				URL: fmt.Sprintf("http://x.onion/listing/%d", i), Status: 200,
				Header:    http.Header{"Content-Type": {"text/html"}, "Set-Cookie": {"sid=secret"}},
				Body:      body,
				FetchedAt: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
			})
			if err != nil {
				t.Error(err)
				return
			}
			refs[i] = ref
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	byID := map[string]capture.Ref{}
	for _, r := range refs {
		byID[r.RecordID] = r
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.warc"))
	if len(files) == 0 {
		t.Fatal("no WARC file written")
	}
	seen := 0
	for _, f := range files {
		rd, err := gowarc.NewWarcFileReader(f, 0)
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, _, _, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if rec.Type() != gowarc.Response {
				continue
			}
			ref, ok := byID[rec.WarcHeader().Get(gowarc.WarcRecordID)]
			if !ok {
				t.Fatalf("record %s not among the references", rec.WarcHeader().Get(gowarc.WarcRecordID))
			}
			if ref.WARC != filepath.Base(f) {
				t.Errorf("reference names file %s, record is in %s", ref.WARC, filepath.Base(f))
			}
			hb, ok := rec.Block().(gowarc.HttpResponseBlock)
			if !ok {
				t.Fatalf("block is %T, want an HTTP response block", rec.Block())
			}
			if hb.HttpStatusCode() != 200 {
				t.Errorf("status %d", hb.HttpStatusCode())
			}
			if hb.HttpHeader().Get("Set-Cookie") != "" {
				t.Error("Set-Cookie was stored")
			}
			pr, err := hb.PayloadBytes()
			if err != nil {
				t.Fatal(err)
			}
			payload, _ := io.ReadAll(pr)
			sum := sha256.Sum256(payload)
			if got := hex.EncodeToString(sum[:]); got != ref.SHA256 {
				t.Errorf("payload sha256 %s, reference %s", got, ref.SHA256)
			}
			seen++
			rec.Close()
		}
		rd.Close()
	}
	if seen != n {
		t.Fatalf("read %d response records, want %d", seen, n)
	}
}
