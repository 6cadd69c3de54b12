package crawler_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path/filepath"
	"testing"

	"github.com/nlnwa/gowarc"
)

// readWARCDigests opens the WARC files in dir with the library's reader and returns the
// SHA-256 of each response record's payload by record id.
func readWARCDigests(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.warc*"))
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
			if hb, ok := rec.Block().(gowarc.HttpResponseBlock); ok {
				pr, err := hb.PayloadBytes()
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(pr)
				sum := sha256.Sum256(b)
				out[rec.WarcHeader().Get(gowarc.WarcRecordID)] = hex.EncodeToString(sum[:])
			}
			rec.Close()
		}
		rd.Close()
	}
	return out
}
