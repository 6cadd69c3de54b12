package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/darkwatch/darkwatch/config"
	"github.com/darkwatch/darkwatch/crawler/frontier"
	"github.com/darkwatch/darkwatch/index/backend"
)

// openStore opens the configured index backend: the embedded index under data_dir, or
// Elasticsearch (migrated on open) behind a disk spool that keeps records while the cluster
// is unreachable and replays them when it returns.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (*backend.Store, error) {
	es := cfg.Index.Elasticsearch
	s, err := backend.Open(ctx, backend.Options{Backend: cfg.Index.Backend, DataDir: cfg.DataDir, URLs: es.URLs,
		Username: es.Username, Password: es.Password.Value(), Prefix: es.IndexPrefix, SpoolDir: cfg.Index.SpoolDir, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	return s, nil
}

// refreshFrontier starts a new day's crawl: every page scheduled for a recrawl is due now
// (the crawl, with crawler.Options.Refresh, lets the listing pages wait for their cards).
func refreshFrontier(ctx context.Context, fr frontier.Recrawler) error {
	if _, err := fr.RecrawlNow(ctx); err != nil {
		return fmt.Errorf("--refresh: %w", err)
	}
	return nil
}
