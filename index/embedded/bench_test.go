package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/darkwatch/darkwatch/extract"
	"github.com/darkwatch/darkwatch/index/indextest"
)

// BenchmarkIngest puts batches of 1000 new listings through the Store and, in the same
// loop, indexes the same Bleve documents with a plain Bleve batch loop; it reports both
// rates and their ratio (target >= 0.9).
func BenchmarkIngest(b *testing.B) {
	const batch = 1000
	dir := b.TempDir()
	s, err := Open(context.Background(), Options{Dir: filepath.Join(dir, "store")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	plain, err := newPlain(filepath.Join(dir, "plain.bleve"))
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()
	_, corpus := indextest.Synthetic(200*batch, 7)
	var st ingestStats
	round := 0
	b.ReportAllocs()
	for b.Loop() {
		ls := corpus[(round*batch)%len(corpus):][:batch]
		for i := range ls {
			ls[i].ID = fmt.Sprintf("r%d/%d", round, i) // always new listings
		}
		round++
		if err := st.add(s, plain, ls); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(st.storeRate(), "store-docs/s")
	b.ReportMetric(st.plainRate(), "bleve-docs/s")
	b.ReportMetric(st.storeRate()/st.plainRate(), "ratio")
}

// ingestStats times the Store and a plain Bleve batch loop over the same batches.
type ingestStats struct {
	Docs      int           `json:"docs"`
	Store     time.Duration `json:"store_ns"`
	Plain     time.Duration `json:"plain_ns"`
	DiskBytes int64         `json:"disk_bytes"` // the Store's data directory after Close
	Load      string        `json:"load"`       // /proc/loadavg when the build ended
}

func newPlain(path string) (bleve.Index, error) {
	im, err := newMapping()
	if err != nil {
		return nil, err
	}
	return bleve.New(path, im)
}

// add puts ls through the Store, then (plain not nil) indexes the same listings with a
// plain Bleve batch loop, timing each.
func (st *ingestStats) add(s *Store, plain bleve.Index, ls []extract.Listing) error {
	start := time.Now()
	if err := s.PutListings(context.Background(), ls); err != nil {
		return err
	}
	st.Store += time.Since(start)
	st.Docs += len(ls)
	if plain == nil {
		return nil
	}
	start = time.Now()
	bt := plain.NewBatch()
	for _, l := range ls {
		if err := bt.Index(l.ID, searchDoc(l)); err != nil {
			return err
		}
	}
	if err := plain.Batch(bt); err != nil {
		return err
	}
	st.Plain += time.Since(start)
	return nil
}

func (st ingestStats) storeRate() float64 { return float64(st.Docs) / st.Store.Seconds() }

// plainRate is 0 when the build ran without the baseline (DARKWATCH_BENCH_BASELINE=0).
func (st ingestStats) plainRate() float64 {
	if st.Plain == 0 {
		return 0
	}
	return float64(st.Docs) / st.Plain.Seconds()
}

func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(raw))[:3], " ")
}

func dirBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	return n, err
}

// benchSizes are the corpus sizes of BenchmarkSearch: $DARKWATCH_BENCH_SIZES (comma
// separated, e.g. 100000,300000,1000000), else indextest.BenchListings().
func benchSizes(tb testing.TB) []int {
	env := os.Getenv("DARKWATCH_BENCH_SIZES")
	if env == "" {
		return []int{indextest.BenchListings()}
	}
	var out []int
	for f := range strings.SplitSeq(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			tb.Fatalf("DARKWATCH_BENCH_SIZES: %q is not a positive listing count", f)
		}
		out = append(out, n)
	}
	return out
}

// cachedIndex returns the data directory of a Store holding synthScale(n), building it
// once (with the ingest comparison) under the temp dir, keyed by size, generator version
// and index format, and the ingest stats of that build.
func cachedIndex(b *testing.B, n int, c scaleCorpus) (string, ingestStats) {
	root := filepath.Join(os.TempDir(), "darkwatch-bench-embedded", fmt.Sprintf("g%d-f%d-n%d", synthVersion, indexFormat, n))
	var st ingestStats
	if raw, err := os.ReadFile(filepath.Join(root, "ingest.json")); err == nil && json.Unmarshal(raw, &st) == nil {
		return filepath.Join(root, "store"), st
	}
	if err := os.RemoveAll(root); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s, err := Open(ctx, Options{Dir: filepath.Join(root, "store")})
	if err != nil {
		b.Fatal(err)
	}
	var plain bleve.Index
	if os.Getenv("DARKWATCH_BENCH_BASELINE") != "0" {
		if plain, err = newPlain(filepath.Join(root, "plain.bleve")); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.PutVendors(ctx, c.vendors); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(c.listings); i += 1000 {
		if err := st.add(s, plain, c.listings[i:min(i+1000, len(c.listings))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if plain != nil {
		if err := plain.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if st.DiskBytes, err = dirBytes(filepath.Join(root, "store")); err != nil {
		b.Fatal(err)
	}
	st.Load = loadAvg()
	if err := os.RemoveAll(filepath.Join(root, "plain.bleve")); err != nil {
		b.Fatal(err)
	}
	raw, _ := json.Marshal(st)
	if err := os.WriteFile(filepath.Join(root, "ingest.json"), raw, 0o600); err != nil {
		b.Fatal(err)
	}
	return filepath.Join(root, "store"), st
}

// BenchmarkSearch runs the query mix of scaleQueries (the UI's search with facet counts,
// each filter kind, sorts, full text, deep pages) over synthScale corpora of
// benchSizes listings and prints p50/p95/p99 per query kind, the ingest rate against a
// plain Bleve batch loop (measured when the cached index was built), bytes on disk per
// listing, and p95 at the largest size over p95 at the smallest. Each b.Loop iteration
// runs every variant of every kind once. DARKWATCH_BENCH_PROFILE=dir writes a CPU profile
// per kind (largest size). Example:
//
//	DARKWATCH_BENCH_SIZES=100000,300000,1000000 go test -run '^$' -bench BenchmarkSearch -benchtime 10x -timeout 3h ./index/embedded/
func BenchmarkSearch(b *testing.B) {
	sizes := benchSizes(b)
	p95 := map[int]map[string]float64{}
	var kinds []scaleKind
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			c := synthScale(n, 1)
			kinds = scaleQueries(c)
			dir, st := cachedIndex(b, n, c)
			start := time.Now()
			s, err := Open(context.Background(), Options{Dir: dir})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			openT := time.Since(start)
			ctx := context.Background()
			lat := make([][]time.Duration, len(kinds))
			run := func(record bool) {
				for ki, k := range kinds {
					for _, q := range k.variants {
						t := time.Now()
						if _, err := s.Search(ctx, q); err != nil {
							b.Fatalf("%s: %v", k.name, err)
						}
						if record {
							lat[ki] = append(lat[ki], time.Since(t))
						}
					}
				}
			}
			run(false) // warm caches
			for b.Loop() {
				run(true)
			}
			b.StopTimer()
			p95[n] = map[string]float64{}
			fmt.Printf("\nn=%d listings (load %s): open %v; ingest at build (load %s): store %.0f docs/s, plain Bleve %.0f docs/s, ratio %.2f; disk %.0f bytes/listing\n",
				n, loadAvg(), openT.Round(time.Millisecond), st.Load, st.storeRate(), st.plainRate(), st.storeRate()/st.plainRate(), float64(st.DiskBytes)/float64(n))
			fmt.Printf("%-20s %6s %9s %9s %9s\n", "kind", "runs", "p50 ms", "p95 ms", "p99 ms")
			for ki, k := range kinds {
				l := lat[ki]
				slices.Sort(l)
				p := func(f float64) float64 {
					return float64(l[min(len(l)-1, int(f*float64(len(l))))].Microseconds()) / 1000
				}
				p95[n][k.name] = p(0.95)
				fmt.Printf("%-20s %6d %9.1f %9.1f %9.1f\n", k.name, len(l), p(0.50), p(0.95), p(0.99))
			}
			if dir := os.Getenv("DARKWATCH_BENCH_PROFILE"); dir != "" && n == sizes[len(sizes)-1] {
				profileKinds(b, s, kinds, dir)
			}
		})
	}
	if len(sizes) > 1 {
		lo, hi := sizes[0], sizes[len(sizes)-1]
		fmt.Printf("\np95(n=%d) / p95(n=%d)\n", hi, lo)
		for _, k := range kinds {
			fmt.Printf("%-20s %6.2f\n", k.name, p95[hi][k.name]/max(p95[lo][k.name], 0.1))
		}
	}
}

// profileKinds writes <dir>/<kind>.pprof: a CPU profile of 2s of that kind's variants.
func profileKinds(b *testing.B, s *Store, kinds []scaleKind, dir string) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		b.Fatal(err)
	}
	for _, k := range kinds {
		f, err := os.Create(filepath.Join(dir, k.name+".pprof"))
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
			for _, q := range k.variants {
				if _, err := s.Search(context.Background(), q); err != nil {
					b.Fatal(err)
				}
			}
		}
		pprof.StopCPUProfile()
		f.Close()
	}
}
