package embedded

import (
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
)

// The Bleve index is derived data: bbolt holds the records, and a session that wrote
// marks the store dirty until Close (a crash rebuilds the search index from the records).
// So a batch need not wait for Bleve to write and fsync its segment: scorch's
// "unsafe_batch" makes a batch searchable once it is in memory and persists it in the
// background, where it merges the in-memory segments of several batches into one file
// first (fewer, larger segments: less fsync, less merging). The Store bounds the batches
// that are applied but not yet on disk (maxUnpersisted, a back pressure on writers) and
// Close waits for all of them before it clears the dirty mark.

// maxUnpersisted bounds the Bleve batches applied but not yet persisted.
const maxUnpersisted = 8

// bleveConfig is the scorch configuration of the search index.
var bleveConfig = map[string]any{"unsafe_batch": true}

func newBleve(path string, im mapping.IndexMapping) (bleve.Index, error) {
	return bleve.NewUsing(path, im, scorch.Name, scorch.Name, bleveConfig)
}

func openBleve(path string) (bleve.Index, error) {
	return bleve.OpenUsing(path, bleveConfig)
}

// applyBatch applies b to the search index: searchable on return, on disk later (see
// waitPersisted). It waits while maxUnpersisted batches are still in memory, at most
// PersistTimeout.
func (s *Store) applyBatch(b *bleve.Batch) error {
	select {
	case s.unpersisted <- struct{}{}:
	case <-time.After(s.opts.PersistTimeout):
		return fmt.Errorf("search index: %d batches not persisted after %v", maxUnpersisted, s.opts.PersistTimeout)
	}
	b.SetPersistedCallback(func(err error) {
		// Called once the batch is on disk (a failed persist is retried, then called).
		<-s.unpersisted
	})
	if err := s.idx.Batch(b); err != nil {
		<-s.unpersisted
		return err
	}
	return nil
}

// waitPersisted waits until every applied batch is on disk, at most PersistTimeout; it
// reports whether they are.
func (s *Store) waitPersisted() bool {
	deadline := time.After(s.opts.PersistTimeout)
	for range maxUnpersisted {
		select {
		case s.unpersisted <- struct{}{}:
		case <-deadline:
			return false
		}
	}
	for range maxUnpersisted {
		<-s.unpersisted
	}
	return true
}
