package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/darkwatch/darkwatch/config"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/elastic"
	"github.com/darkwatch/darkwatch/index/embedded"
)

// openStore opens the configured index backend.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (index.Store, error) {
	switch cfg.Index.Backend {
	case "elasticsearch":
		es := cfg.Index.Elasticsearch
		s, err := elastic.New(elastic.Options{URLs: es.URLs, Username: es.Username, Password: es.Password.Value(), Prefix: es.IndexPrefix, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("index: %w", err)
		}
		return s, nil
	default:
		s, err := embedded.Open(ctx, embedded.Options{Dir: filepath.Join(cfg.DataDir, "index"), Logger: log})
		if err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		return s, nil
	}
}

// refreshFrontier makes every page scheduled for a recrawl due now (a new day's crawl).
func refreshFrontier(ctx context.Context, fr any, cfg *config.Config) error {
	r, ok := fr.(interface {
		RecrawlNow(ctx context.Context) (int, error)
	})
	if !ok {
		return fmt.Errorf("--refresh: the %s frontier cannot reschedule pages", cfg.Frontier.Backend)
	}
	_, err := r.RecrawlNow(ctx)
	return err
}
