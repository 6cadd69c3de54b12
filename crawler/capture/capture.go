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
	// mu serialises record building: gowarc's NewRecordBuilder writes package state
	// (uuid.EnableRandPool) and races when called concurrently.
	mu     sync.Mutex
	w      *gowarc.WarcFileWriter
	closed atomic.Bool
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
		gowarc.WithFlush(true),
		gowarc.WithMaxConcurrentWriters(1),
	)
	return &Writer{w: w}, nil
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
		return Ref{}, fmt.Errorf("capture %s: %w", r.URL, err)
	}
	rec, _, err := rb.Build()
	if err != nil {
		return Ref{}, fmt.Errorf("capture %s: %w", r.URL, err)
	}
	id := rec.WarcHeader().Get(gowarc.WarcRecordID)
	res := w.w.Write(rec)
	if len(res) != 1 {
		return Ref{}, fmt.Errorf("capture %s: writer returned %d results", r.URL, len(res))
	}
	if res[0].Err != nil {
		return Ref{}, fmt.Errorf("capture %s: %w", r.URL, res[0].Err)
	}
	return Ref{WARC: filepath.Base(res[0].FileName), RecordID: id, SHA256: digest, Time: r.FetchedAt.UTC()}, nil
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
	return w.w.Close()
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
