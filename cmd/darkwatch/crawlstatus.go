package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/darkwatch/darkwatch/crawler/frontier"
)

// crawlStatus is the crawl's last frontier snapshot, written to <data_dir>/crawl-status.json
// so that `serve` can show market status while a crawl holds the embedded frontier file.
type crawlStatus struct {
	Time  time.Time      `json:"time"`
	Stats frontier.Stats `json:"stats"`
}

func crawlStatusPath(dataDir string) string { return filepath.Join(dataDir, "crawl-status.json") }

// writeCrawlStatus writes fr's Stats atomically (temp file + rename).
func writeCrawlStatus(ctx context.Context, fr frontier.Frontier, dataDir string) error {
	st, err := fr.Stats(ctx)
	if err != nil {
		return fmt.Errorf("crawl status: %w", err)
	}
	b, err := json.Marshal(crawlStatus{Time: time.Now().UTC(), Stats: st})
	if err != nil {
		return fmt.Errorf("crawl status: %w", err)
	}
	path := crawlStatusPath(dataDir)
	tmp, err := os.CreateTemp(dataDir, ".crawl-status-*")
	if err != nil {
		return fmt.Errorf("crawl status: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("crawl status: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("crawl status: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("crawl status: %w", err)
	}
	return nil
}

// startCrawlStatus writes the snapshot every interval until the returned stop is called
// (which writes a last one). For `darkwatch crawl`:
//
//	defer startCrawlStatus(ctx, fr, cfg.DataDir, 10*time.Second)()
func startCrawlStatus(ctx context.Context, fr frontier.Frontier, dataDir string, every time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			_ = writeCrawlStatus(ctx, fr, dataDir) // best effort: status for the UI only
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	return func() {
		cancel()
		wg.Wait()
		// Bounded final write after the crawl's context may be done.
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer fcancel()
		_ = writeCrawlStatus(fctx, fr, dataDir)
	}
}

// readCrawlStatus reads the last snapshot, or an error when there is none.
func readCrawlStatus(dataDir string) (crawlStatus, error) {
	var cs crawlStatus
	b, err := os.ReadFile(crawlStatusPath(dataDir))
	if err != nil {
		return cs, err
	}
	if err := json.Unmarshal(b, &cs); err != nil {
		return cs, fmt.Errorf("%s: %w", crawlStatusPath(dataDir), err)
	}
	return cs, nil
}
