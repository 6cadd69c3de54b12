package embedded

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/indextest"
)

func mustOpen(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Dir: dir, LockTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestNoveltySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := mustOpen(t, dir)
	if ok, err := s.Novel(ctx, "new_vendor/alpha/x", index.Evidence{}); !ok || err != nil {
		t.Fatalf("first Novel: %v %v", ok, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir)
	defer s.Close()
	if ok, err := s.Novel(ctx, "new_vendor/alpha/x", index.Evidence{}); ok || err != nil {
		t.Errorf("Novel after restart: got %v %v, want false", ok, err)
	}
}

func TestDataDirLockedBySecondOpen(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	defer s.Close()
	if _, err := Open(context.Background(), Options{Dir: dir, LockTimeout: 100 * time.Millisecond}); err == nil {
		t.Error("second Open of the same data dir succeeded, want a lock error")
	}
}

// TestCrashRebuildsSearchIndex simulates a process dying after writes (no Close): the
// next Open rebuilds the search index from the records.
func TestCrashRebuildsSearchIndex(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := mustOpen(t, dir)
	if err := s.PutListings(ctx, indextest.Listings()); err != nil {
		t.Fatal(err)
	}
	// Crash: release the files without clearing the dirty mark, and lose the search index.
	s.idx.Close()
	s.db.Close()
	if err := os.RemoveAll(filepath.Join(dir, "listings.bleve", "store")); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir)
	defer s.Close()
	res, err := s.Search(ctx, index.Query{Substance: []string{"fentanyl"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 2 {
		t.Errorf("after crash recovery: got %d fentanyl listings, want 2", res.Total)
	}
}

func TestClosedStore(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	s.Close()
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Search(context.Background(), index.Query{}); !errors.Is(err, index.ErrClosed) {
		t.Errorf("Search after Close: got %v, want ErrClosed", err)
	}
}
