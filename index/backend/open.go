package backend

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/elastic"
	"github.com/darkwatch/darkwatch/index/embedded"
	"github.com/darkwatch/darkwatch/index/spool"
)

// Backend names.
const (
	Embedded      = "embedded"
	Elasticsearch = "elasticsearch"
)

// Options selects and configures the backend. Zero values mean defaults.
type Options struct {
	Backend string // Embedded (default) or Elasticsearch
	// DataDir holds the embedded index (<DataDir>/index) and the default spool
	// (<DataDir>/spool). Default "./darkwatch-data".
	DataDir  string
	URLs     []string // Elasticsearch
	Username string
	Password string
	Prefix   string // Elasticsearch index prefix (default "darkwatch")
	SpoolDir string // default <DataDir>/spool
	// NoSpool disables the outage spool (writes fail while Elasticsearch is down).
	NoSpool bool
	// SkipMigrate skips creating templates and indices (read-only tools on a managed
	// cluster).
	SkipMigrate bool
	Logger      *slog.Logger
}

// Store is an opened index: the backend, behind the outage spool when it has one.
type Store struct {
	index.Store
	// Spool is the outage path in front of Elasticsearch (also the Store); nil for the
	// embedded index and with NoSpool. Its owner runs Spool.Run to replay in the background.
	Spool *spool.Store
}

// Open opens the configured Store. For Elasticsearch it runs Migrate (idempotent) and
// wraps the store in a spool; an unreachable cluster at open time is an error. It starts
// no goroutine.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.DataDir == "" {
		o.DataDir = "darkwatch-data"
	}
	switch o.Backend {
	case "", Embedded:
		s, err := embedded.Open(ctx, embedded.Options{Dir: filepath.Join(o.DataDir, "index"), Logger: o.Logger})
		if err != nil {
			return nil, err
		}
		return &Store{Store: s}, nil
	case Elasticsearch:
		es, err := elastic.New(elastic.Options{URLs: o.URLs, Username: o.Username, Password: o.Password,
			Prefix: o.Prefix, Logger: o.Logger})
		if err != nil {
			return nil, err
		}
		if !o.SkipMigrate {
			if err := es.Migrate(ctx); err != nil {
				es.Close()
				return nil, err
			}
		}
		if o.NoSpool {
			return &Store{Store: es}, nil
		}
		dir := o.SpoolDir
		if dir == "" {
			dir = filepath.Join(o.DataDir, "spool")
		}
		s, err := spool.New(es, spool.Options{Dir: dir, Logger: o.Logger})
		if err != nil {
			es.Close()
			return nil, err
		}
		return &Store{Store: s, Spool: s}, nil
	}
	return nil, fmt.Errorf("index: unknown backend %q (want %q or %q)", o.Backend, Embedded, Elasticsearch)
}
