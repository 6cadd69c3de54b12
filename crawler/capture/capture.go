package capture

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nlnwa/gowarc"
)

// Options configure a Writer. Zero values mean defaults.
type Options struct {
	Dir         string // required
	Prefix      string // file name prefix, e.g. the crawler id; default "darkwatch"
	MaxFileSize int64  // rotate after this many bytes; default 1 GiB
	Compress    bool   // gzip per record (.warc.gz)
}

// Response is one fetched response to capture.
type Response struct {
	URL       string
	Method    string
	Status    int
	Proto     string
	Header    http.Header
	Body      []byte // the payload as received (after transfer decoding, before charset decoding)
	Truncated bool   // the body was cut at the size cap
	FetchedAt time.Time
}

// Ref references one stored record: the crawler copies it into extract.Capture.
type Ref struct {
	WARC     string    // file name (base name) inside the capture directory
	RecordID string    // WARC-Record-ID
	SHA256   string    // hex SHA-256 of the payload
	Time     time.Time // fetch time, UTC
}

// Writer writes WARC files.
type Writer struct {
	dir string
	// mu serialises record building and writing: gowarc's NewRecordBuilder writes package
	// state (uuid.EnableRandPool) and races when called concurrently.
	mu     sync.Mutex
	w      *gowarc.WarcFileWriter
	closed atomic.Bool

	// Group commit: one fsync makes every record written before it durable, so concurrent
	// writers share fsyncs instead of paying one each.
	smu     sync.Mutex
	scond   *sync.Cond
	syncing bool
	written uint64              // records written (lock order: mu, then smu)
	synced  uint64              // records known durable
	dirty   map[string]struct{} // files written since the last fsync
	fds     map[string]*os.File // files kept open for fsync
}

// Open creates the directory and a WARC writer over it.
func Open(opts Options) (*Writer, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("capture: Dir is required")
	}
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	if opts.Prefix == "" {
		opts.Prefix = "darkwatch"
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = 1 << 30
	}
	w := gowarc.NewWarcFileWriter(
		gowarc.WithFileNameGenerator(&nameGenerator{dir: opts.Dir, prefix: opts.Prefix}),
		gowarc.WithMaxFileSize(opts.MaxFileSize),
		gowarc.WithCompression(opts.Compress),
		gowarc.WithFlush(false), // durability by group commit, see sync
		gowarc.WithOpenFileSuffix(""),
		gowarc.WithMaxConcurrentWriters(1),
	)
	wr := &Writer{dir: opts.Dir, w: w, dirty: map[string]struct{}{}, fds: map[string]*os.File{}}
	wr.scond = sync.NewCond(&wr.smu)
	return wr, nil
}

// Write stores one response record and returns its capture reference.
func (w *Writer) Write(r Response) (Ref, error) {
	if w.closed.Load() {
		return Ref{}, fmt.Errorf("capture: writer closed")
	}
	sum := sha256.Sum256(r.Body)
	digest := hex.EncodeToString(sum[:])
	if r.FetchedAt.IsZero() {
		r.FetchedAt = time.Now()
	}
	ref, seq, path, err := w.write(r, digest)
	if err != nil {
		return Ref{}, err
	}
	if err := w.sync(seq, path); err != nil {
		return Ref{}, fmt.Errorf("capture %s: sync: %w", r.URL, err)
	}
	return ref, nil
}

// write builds and writes one record; it returns the record's sequence number and file.
func (w *Writer) write(r Response, digest string) (Ref, uint64, string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	rb := gowarc.NewRecordBuilder(gowarc.Response, gowarc.WithStrictValidation())
	rb.AddWarcHeader(gowarc.WarcTargetURI, r.URL)
	rb.AddWarcHeaderTime(gowarc.WarcDate, r.FetchedAt.UTC())
	rb.AddWarcHeader(gowarc.ContentType, "application/http;msgtype=response")
	rb.AddWarcHeader("WARC-Payload-Digest", "sha256:"+digest)
	if r.Truncated {
		rb.AddWarcHeader(gowarc.WarcTruncated, "length")
	}
	if _, err := rb.Write(httpBlock(r)); err != nil {
		return Ref{}, 0, "", fmt.Errorf("capture %s: %w", r.URL, err)
	}
	rec, _, err := rb.Build()
	if err != nil {
		return Ref{}, 0, "", fmt.Errorf("capture %s: %w", r.URL, err)
	}
	id := rec.WarcHeader().Get(gowarc.WarcRecordID)
	res := w.w.Write(rec)
	if len(res) != 1 {
		return Ref{}, 0, "", fmt.Errorf("capture %s: writer returned %d results", r.URL, len(res))
	}
	if res[0].Err != nil {
		return Ref{}, 0, "", fmt.Errorf("capture %s: %w", r.URL, res[0].Err)
	}
	name := filepath.Base(res[0].FileName)
	path := filepath.Join(w.dir, name)
	w.smu.Lock()
	w.written++
	seq := w.written
	w.dirty[path] = struct{}{}
	w.smu.Unlock()
	return Ref{WARC: name, RecordID: id, SHA256: digest, Time: r.FetchedAt.UTC()}, seq, path, nil
}

// sync returns once record seq is on disk. The first waiter fsyncs every file written since
// the last fsync, for itself and for all records written meanwhile; the others wait for it.
func (w *Writer) sync(seq uint64, _ string) error {
	w.smu.Lock()
	defer w.smu.Unlock()
	for w.synced < seq {
		if w.syncing {
			w.scond.Wait()
			continue
		}
		w.syncing = true
		target := w.written
		paths := w.dirty
		w.dirty = map[string]struct{}{}
		w.smu.Unlock()
		err := w.fsync(paths)
		w.smu.Lock()
		w.syncing = false
		if err == nil && target > w.synced {
			w.synced = target
		}
		if err != nil {
			for p := range paths {
				w.dirty[p] = struct{}{}
			}
		}
		w.scond.Broadcast()
		if err != nil {
			return err
		}
	}
	return nil
}

// fsync syncs files by path through descriptors of our own (the library keeps its file
// private; fsync acts on the file, whichever descriptor asks).
func (w *Writer) fsync(paths map[string]struct{}) error {
	for p := range paths {
		f, ok := w.fds[p]
		if !ok {
			var err error
			if f, err = os.Open(p); err != nil {
				return err
			}
			w.fds[p] = f
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
	return nil
}

// httpBlock renders the status line, headers and body as the record's content block.
func httpBlock(r Response) []byte {
	var b bytes.Buffer
	proto := r.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	fmt.Fprintf(&b, "%s %d %s\r\n", proto, r.Status, http.StatusText(r.Status))
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch http.CanonicalHeaderKey(k) {
		case "Set-Cookie", "Content-Length", "Content-Encoding", "Transfer-Encoding":
			// Cookies are session secrets; lengths and encodings describe the wire, not
			// the stored (decoded) payload.
			continue
		}
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(r.Body))
	b.Write(r.Body)
	return b.Bytes()
}

// Close flushes and closes the current file. It is idempotent.
func (w *Writer) Close() error {
	if w.closed.Swap(true) {
		return nil
	}
	err := w.w.Close()
	w.smu.Lock()
	defer w.smu.Unlock()
	for p, f := range w.fds {
		if serr := f.Sync(); serr != nil && err == nil {
			err = serr
		}
		f.Close()
		delete(w.fds, p)
	}
	return err
}

// nameGenerator names files <prefix>-<UTC timestamp>-<serial>.warc in dir, with no host name
// or address in them.
type nameGenerator struct {
	dir    string
	prefix string
	serial atomic.Int32
}

func (g *nameGenerator) NewWarcfileName() (string, string) {
	n := g.serial.Add(1)
	return g.dir, fmt.Sprintf("%s-%s-%05d-%d.warc", g.prefix, time.Now().UTC().Format("20060102150405"), n, os.Getpid())
}
