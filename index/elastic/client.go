package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esutil"

	"github.com/darkwatch/darkwatch/index"
)

// Options configures a Store. Zero values mean defaults.
type Options struct {
	URLs     []string // default http://127.0.0.1:9200
	Username string
	Password string
	// Prefix names the indices and aliases: <prefix>-listings... Default "darkwatch".
	Prefix string
	Logger *slog.Logger // nil: discard
	// Transport replaces the HTTP transport (tests, TLS settings).
	Transport http.RoundTripper
	// MaxRetries is the number of retries of a request (transport errors, 429, 502-504)
	// and of failed bulk items. Default 4.
	MaxRetries int
	// Workers is the number of bulk workers (default 2); FlushBytes the bulk size
	// threshold (default 5 MB).
	Workers    int
	FlushBytes int
	// Replicas is the replica count of new indices; default "0-1" (auto-expand).
	Replicas string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Store is the Elasticsearch index.Store.
type Store struct {
	opts   Options
	log    *slog.Logger
	es     *elasticsearch.Client
	bulk   esutil.BulkIndexer
	own    *http.Transport // the transport New made, closed by Close
	cache  writeCache
	closed chan struct{}
	once   sync.Once
}

var _ index.Store = (*Store)(nil)

// New returns a Store; it does no I/O. Call Migrate before first use.
func New(opts Options) (*Store, error) {
	if len(opts.URLs) == 0 {
		opts.URLs = []string{"http://127.0.0.1:9200"}
	}
	if opts.Prefix == "" {
		opts.Prefix = "darkwatch"
	}
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 4
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.Replicas == "" {
		opts.Replicas = "0-1"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var own *http.Transport
	if opts.Transport == nil {
		own = http.DefaultTransport.(*http.Transport).Clone()
		own.MaxIdleConnsPerHost = 2 * opts.Workers
		opts.Transport = own
	}
	es, err := elasticsearch.NewClient(elasticsearch.Config{
		Addresses:     opts.URLs,
		Username:      opts.Username,
		Password:      opts.Password,
		Transport:     opts.Transport,
		RetryOnStatus: []int{429, 502, 503, 504},
		MaxRetries:    opts.MaxRetries,
		RetryBackoff:  backoff,
	})
	if err != nil {
		return nil, fmt.Errorf("elastic: client: %w", err)
	}
	bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{
		Client:        es,
		NumWorkers:    opts.Workers,
		FlushBytes:    opts.FlushBytes,
		FlushInterval: time.Hour, // callers flush explicitly: a put returns once its items are done
		OnError: func(ctx context.Context, err error) {
			log.Warn("bulk_error", "err", err)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("elastic: bulk indexer: %w", err)
	}
	return &Store{opts: opts, log: log, es: es, bulk: bi, own: own, closed: make(chan struct{})}, nil
}

// backoff is exponential with full jitter: 100ms, 200ms... capped at 5s.
func backoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << min(attempt, 6)
	d = min(d, 5*time.Second)
	return d/2 + rand.N(d/2+1)
}

// Alias returns the alias of a kind ("listings", "vendors", "observations", "novelty",
// "alerts"): the name to query, e.g. from Kibana.
func (s *Store) Alias(kind string) string { return s.opts.Prefix + "-" + kind }

func (s *Store) indexName(kind string, version int) string {
	return fmt.Sprintf("%s-%s-v%d", s.opts.Prefix, kind, version)
}

// apiError is a non-2xx answer of Elasticsearch.
type apiError struct {
	Status int
	Body   string
}

func (e *apiError) Error() string {
	b := e.Body
	if len(b) > 512 {
		b = b[:512] + "..."
	}
	return fmt.Sprintf("elasticsearch status %d: %s", e.Status, b)
}

func statusOf(err error) int {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// call sends one request and decodes a 2xx JSON answer into out (when non-nil). Transport
// failures and 429/5xx answers wrap index.ErrUnavailable; other non-2xx answers are
// *apiError.
func (s *Store) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case []byte:
			rd = bytes.NewReader(b)
		case string:
			rd = strings.NewReader(b)
		default:
			raw, err := json.Marshal(body)
			if err != nil {
				return fmt.Errorf("encode %s %s: %w", method, path, err)
			}
			rd = bytes.NewReader(raw)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, path, rd)
	if err != nil {
		return err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := s.es.Perform(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s %s: %w: %w", method, path, index.ErrUnavailable, err)
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		raw, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		ae := &apiError{Status: res.StatusCode, Body: string(raw)}
		if res.StatusCode == 429 || res.StatusCode >= 500 {
			return fmt.Errorf("%s %s: %w: %w", method, path, index.ErrUnavailable, ae)
		}
		return fmt.Errorf("%s %s: %w", method, path, ae)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, res.Body)
		return nil
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode: %w", method, path, err)
	}
	return nil
}

// Ping reports whether the cluster answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.call(ctx, http.MethodGet, "/", nil, nil)
}

// Close flushes pending writes and stops the bulk workers. It is idempotent.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		close(s.closed)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // bounded shutdown flush
		defer cancel()
		if e := s.bulk.Close(ctx); e != nil {
			err = fmt.Errorf("elastic: close: %w", e)
		}
		_ = s.es.Close(ctx)
		if s.own != nil {
			s.own.CloseIdleConnections()
		}
	})
	return err
}

func (s *Store) checkOpen() error {
	select {
	case <-s.closed:
		return index.ErrClosed
	default:
		return nil
	}
}
