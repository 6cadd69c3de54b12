package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
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
	PlainDocs int           `json:"plain_docs"` // docs through the plain loop
	Plain     time.Duration `json:"plain_ns"`
	// PlainEvery: the plain loop indexed every PlainEvery-th batch (1: every batch).
	PlainEvery int    `json:"plain_every"`
	DiskBytes  int64  `json:"disk_bytes"` // the Store's data directory after Close
	Load       string `json:"load"`       // /proc/loadavg when the build ended
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
func (st *ingestStats) add(s *Store, plain bleve.Index, ls []record.Listing) error {
	start := time.Now()
	if err := s.PutListings(context.Background(), ls); err != nil {
		return err
	}
	st.Store += time.Since(start)
	st.Docs += len(ls)
	if plain == nil {
		return nil
	}
	st.PlainDocs += len(ls)
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
	return float64(st.PlainDocs) / st.Plain.Seconds()
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

// benchBuild keys the cached indexes with synthVersion and indexFormat: bump it when
// the way they are built or measured changes (2: Bleve unsafe_batch, plain loop sampled
// above 300k listings).
const benchBuild = 2

// cachedIndex returns the data directory of a Store holding synthScale(n), building it
// once (with the ingest comparison) under the temp dir, keyed by size, generator version
// and index format, and the ingest stats of that build.
func cachedIndex(b *testing.B, n int, c scaleCorpus) (string, ingestStats) {
	root := filepath.Join(os.TempDir(), "darkwatch-bench-embedded", fmt.Sprintf("g%d-f%d-b%d-n%d", synthVersion, indexFormat, benchBuild, n))
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
	// Above 300k listings the plain loop indexes every tenth batch only (its own index
	// then holds a tenth of the corpus: smaller merges, so the ratio errs against the
	// Store), which keeps a 1M build within an hour on a busy machine.
	st.PlainEvery = 1
	if n > 300000 {
		st.PlainEvery = 10
	}
	for i := 0; i < len(c.listings); i += 1000 {
		p := plain
		if (i/1000)%st.PlainEvery != 0 {
			p = nil
		}
		if err := st.add(s, p, c.listings[i:min(i+1000, len(c.listings))]); err != nil {
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
			c = scaleCorpus{} // only the store stays live while measuring
			runtime.GC()
			start := time.Now()
			s, err := Open(context.Background(), Options{Dir: dir})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			openT := time.Since(start)
			lat := measureKinds(b, kinds, func(q index.Query) error {
				_, err := s.Search(context.Background(), q)
				return err
			})
			p95[n] = map[string]float64{}
			fmt.Printf("\nn=%d listings (load %s): open %v; ingest at build (load %s): store %.0f docs/s, plain Bleve %.0f docs/s (every %d. batch), ratio %.2f; disk %.0f bytes/listing\n",
				n, loadAvg(), openT.Round(time.Millisecond), st.Load, st.storeRate(), st.plainRate(), st.PlainEvery, st.storeRate()/st.plainRate(), float64(st.DiskBytes)/float64(n))
			printKinds(kinds, lat, p95[n])
			if dir := os.Getenv("DARKWATCH_BENCH_PROFILE"); dir != "" && n == sizes[len(sizes)-1] {
				profileKinds(b, s, kinds, dir)
			}
		})
	}
	printRatios(sizes, kinds, p95)
}

// measureKinds runs every variant of every kind through query once to warm caches, then
// once per b.Loop iteration, and returns the wall and thread CPU time of each run, by
// kind. It runs on one locked OS thread (the CPU times are that thread's).
func measureKinds(b *testing.B, kinds []scaleKind, query func(index.Query) error) []latencies {
	lat := make([]latencies, len(kinds))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	run := func(record bool) {
		for ki, k := range kinds {
			for _, q := range k.variants {
				t, cpu := time.Now(), threadCPU()
				if err := query(q); err != nil {
					b.Fatalf("%s: %v", k.name, err)
				}
				if record {
					lat[ki].add(time.Since(t), threadCPU()-cpu)
				}
			}
		}
	}
	run(false)
	for b.Loop() {
		run(true)
	}
	b.StopTimer()
	return lat
}

// latencies are the wall and thread CPU times of one kind's queries.
type latencies struct{ wall, cpu []time.Duration }

func (l *latencies) add(wall, cpu time.Duration) {
	l.wall, l.cpu = append(l.wall, wall), append(l.cpu, cpu)
}

// printKinds prints wall p50/p95/p99 and CPU p50/p95/p99 per kind and records the wall
// p95s (by kind name) and CPU p95s (by kind name + " cpu").
func printKinds(kinds []scaleKind, lat []latencies, p95 map[string]float64) {
	fmt.Printf("%-20s %5s %8s %8s %8s | %8s %8s %8s\n", "kind", "runs", "p50 ms", "p95 ms", "p99 ms", "cpu p50", "cpu p95", "cpu p99")
	pct := func(l []time.Duration, f float64) float64 {
		slices.Sort(l)
		return float64(l[min(len(l)-1, int(f*float64(len(l))))].Microseconds()) / 1000
	}
	for ki, k := range kinds {
		w, c := lat[ki].wall, lat[ki].cpu
		p95[k.name], p95[k.name+" cpu"] = pct(w, 0.95), pct(c, 0.95)
		fmt.Printf("%-20s %5d %8.1f %8.1f %8.1f | %8.1f %8.1f %8.1f\n", k.name, len(w),
			pct(w, 0.50), pct(w, 0.95), pct(w, 0.99), pct(c, 0.50), pct(c, 0.95), pct(c, 0.99))
	}
}

// printRatios prints p95 at the largest size over p95 at the smallest, per kind.
func printRatios(sizes []int, kinds []scaleKind, p95 map[int]map[string]float64) {
	if len(sizes) < 2 {
		return
	}
	lo, hi := sizes[0], sizes[len(sizes)-1]
	fmt.Printf("\np95(n=%d) / p95(n=%d)       wall    cpu\n", hi, lo)
	for _, k := range kinds {
		c := k.name + " cpu"
		fmt.Printf("%-20s %14.2f %6.2f\n", k.name, p95[hi][k.name]/max(p95[lo][k.name], 0.1), p95[hi][c]/max(p95[lo][c], 0.1))
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

// BenchmarkMemIndex measures the in-memory index alone (filters, facet counts, sorts and
// pages of every query kind without free text; the page's records are not read) at
// benchSizes listings, built directly from the synthetic corpus in seconds: the scaling
// of the part that answers the UI and every filter, at sizes whose full Store takes hours
// to build on a busy machine. It prints p50/p95/p99 per kind, the heap bytes per listing,
// the cost of applying a batch of 1000 new listings, and p95(largest)/p95(smallest).
func BenchmarkMemIndex(b *testing.B) {
	sizes := benchSizes(b)
	p95 := map[int]map[string]float64{}
	var kinds []scaleKind
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			c := synthScale(n+20000, 1)
			extra := c.listings[n:]
			c.listings = c.listings[:n]
			kinds = slices.DeleteFunc(scaleQueries(c), func(k scaleKind) bool { return k.variants[0].Text != "" })
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			start := time.Now()
			s := &Store{mem: newMemIndex(), vendors: map[string]record.Vendor{}, vendorsBy: map[string][]string{}}
			for _, l := range c.listings {
				s.mem.load(l)
			}
			s.mem.sortAll()
			buildT := time.Since(start)
			runtime.GC()
			runtime.ReadMemStats(&ms1)
			for _, v := range c.vendors {
				s.cacheVendor(v)
			}
			// Ingest overhead: batches of 1000 new listings applied to the full index.
			start = time.Now()
			for i := 0; i < len(extra); i += 1000 {
				s.mem.apply(make([]*record.Listing, 1000), extra[i:i+1000])
			}
			applyT := time.Since(start) / time.Duration(len(extra)/1000)
			// Only the index stays live while measuring (as in a serving process): the
			// corpus would make every GC cycle scan a gigabyte.
			c.listings, extra = nil, nil
			runtime.GC()
			lat := measureKinds(b, kinds, func(q index.Query) error {
				p, err := index.MakePlan(context.Background(), q, s)
				if err == nil {
					s.mem.search(p, nil, true)
				}
				return err
			})
			p95[n] = map[string]float64{}
			fmt.Printf("\nmemindex n=%d (load %s): built in %v, %.0f heap bytes/listing, apply %v per batch of 1000 new listings\n",
				n, loadAvg(), buildT.Round(time.Millisecond), float64(ms1.HeapAlloc-ms0.HeapAlloc)/float64(n), applyT.Round(time.Microsecond))
			printKinds(kinds, lat, p95[n])
		})
	}
	printRatios(sizes, kinds, p95)
}
