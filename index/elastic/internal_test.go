package elastic

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/darkwatch/darkwatch/deploy/testenv"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/index/indextest"
)

// fakeBulk is a minimal Elasticsearch answering _mget (nothing found) and _bulk, failing
// the items of the first rejectRounds bulk requests with 429 and optionally the whole first
// request with a 429 status.
type fakeBulk struct {
	mu           sync.Mutex
	rejectRounds int
	wholeFirst   bool
	requests     int
	accepted     map[string]int // _id -> times indexed
}

func (f *fakeBulk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	switch {
	case strings.HasSuffix(r.URL.Path, "/_mget"):
		var req struct {
			Docs []map[string]string `json:"docs"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		docs := make([]map[string]any, len(req.Docs))
		for i, d := range req.Docs {
			docs[i] = map[string]any{"_index": d["_index"], "_id": d["_id"], "found": false}
		}
		json.NewEncoder(w).Encode(map[string]any{"docs": docs})
	case strings.HasSuffix(r.URL.Path, "/_bulk"):
		f.mu.Lock()
		defer f.mu.Unlock()
		f.requests++
		if f.wholeFirst && f.requests == 1 {
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":{"type":"es_rejected_execution_exception"},"status":429}`)
			return
		}
		reject := f.requests <= f.rejectRounds+boolInt(f.wholeFirst)
		var items []map[string]any
		sc := bufio.NewScanner(r.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var meta map[string]map[string]any
			if err := json.Unmarshal(sc.Bytes(), &meta); err != nil {
				continue
			}
			sc.Scan() // body
			for action, m := range meta {
				id := fmt.Sprint(m["_id"])
				st := 201
				if reject {
					st = 429
				} else {
					f.accepted[id]++
				}
				items = append(items, map[string]any{action: map[string]any{"_id": id, "status": st, "_seq_no": 1, "_primary_term": 1}})
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"errors": reject, "items": items})
	default:
		fmt.Fprint(w, `{}`)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestBulkBackPressureReplay(t *testing.T) {
	for _, tc := range []struct {
		name       string
		rounds     int
		wholeFirst bool
	}{
		{"items_429_replayed", 2, false},
		{"request_429_retried", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeBulk{rejectRounds: tc.rounds, wholeFirst: tc.wholeFirst, accepted: map[string]int{}}
			srv := httptest.NewServer(f)
			defer srv.Close()
			s, err := New(Options{URLs: []string{srv.URL}, Prefix: "fake", Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ls := indextest.Listings()
			if err := s.PutListings(context.Background(), ls); err != nil {
				t.Fatalf("PutListings: %v", err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if want := tc.rounds + 1 + boolInt(tc.wholeFirst); f.requests != want {
				t.Errorf("got %d bulk requests, want %d", f.requests, want)
			}
			for _, l := range ls {
				if f.accepted[l.ID] != 1 {
					t.Errorf("listing %s indexed %d times, want 1", l.ID, f.accepted[l.ID])
				}
			}
		})
	}
}

func TestBulkGivesUpAsUnavailable(t *testing.T) {
	f := &fakeBulk{rejectRounds: 100, accepted: map[string]int{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	s, err := New(Options{URLs: []string{srv.URL}, Prefix: "fake", MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.PutListings(context.Background(), indextest.Listings()[:1])
	if !isUnavailable(err) {
		t.Errorf("got %v, want ErrUnavailable after retries", err)
	}
}

func isUnavailable(err error) bool {
	return err != nil && strings.Contains(err.Error(), index.ErrUnavailable.Error())
}

// TestMigrateNewVersionCopies bumps a mapping version: Migrate creates the new index,
// copies the documents and moves the alias; running it again changes nothing.
func TestMigrateNewVersionCopies(t *testing.T) {
	url := testenv.ESURL(t)
	prefix := fmt.Sprintf("dwtest-mig-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	ctx := context.Background()
	s, err := New(Options{URLs: []string{url}, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.DeleteAll(ctx); s.Close() }()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.PutVendors(ctx, indextest.Vendors()); err != nil {
		t.Fatal(err)
	}
	old := versions[kindVendors]
	versions[kindVendors] = old + 1
	defer func() { versions[kindVendors] = old }()
	for range 2 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	targets, err := s.aliasTargets(ctx, s.Alias(kindVendors))
	if err != nil {
		t.Fatal(err)
	}
	if want := s.indexName(kindVendors, old+1); len(targets) != 1 || targets[0] != want {
		t.Errorf("alias points at %v, want [%s]", targets, want)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	vs, err := s.Vendors(ctx, index.VendorQuery{})
	if err != nil || len(vs) != len(indextest.Vendors()) {
		t.Errorf("after migration: %d vendors (%v), want %d", len(vs), err, len(indextest.Vendors()))
	}
}
