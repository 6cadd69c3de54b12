package embedded

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	bolt "go.etcd.io/bbolt"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
)

var _ index.Store = (*Store)(nil)

// indexFormat is the version of the search index layout (Bleve mapping and the in-memory
// facet index): a data directory written with another version is re-indexed at Open.
const indexFormat = 1

// Options configures an embedded Store. Zero values mean defaults.
type Options struct {
	Dir    string       // data directory (created); required
	Logger *slog.Logger // nil: discard
	// BatchSize is the number of listings per Bleve batch (default 1000).
	BatchSize int
	// LockTimeout bounds the wait for another process holding the data directory
	// (default 2s).
	LockTimeout time.Duration
	// Now is the clock (default time.Now); tests inject it.
	Now func() time.Time
	// PersistTimeout bounds the wait for the search index to write batches to disk: a
	// writer waiting for room (see applyBatch) and Close (default 2m).
	PersistTimeout time.Duration
}

var (
	bListings = []byte("listings")
	bVendors  = []byte("vendors")
	bObs      = []byte("observations")
	bNovelty  = []byte("novelty")
	bMeta     = []byte("meta")
	kDirty    = []byte("bleve_dirty")
)

// Store is the embedded index.Store.
type Store struct {
	opts Options
	log  *slog.Logger
	db   *bolt.DB
	idx  bleve.Index
	mem  *memIndex // filters, facets, sorts and pages (see memindex.go)
	// unpersisted holds a token per Bleve batch applied but not yet on disk (bleveio.go).
	unpersisted chan struct{}
	tables      segTables // Bleve segment -> memIndex docs, for free text (textset.go)
	// memSaved: the snapshot on disk matches mem (nothing written since it was loaded).
	memSaved bool

	wmu   sync.Mutex // serialises writes
	dirty bool       // the dirty mark is set for this session (guarded by wmu)

	vmu     sync.RWMutex
	vendors map[string]record.Vendor // cache of the vendors bucket, for Vendors queries
	// vendorsBy maps an entity value or actor (vendorEntityKey, vendorActorKey) to
	// vendor ids.
	vendorsBy map[string][]string

	cmu    sync.Mutex
	closed bool
}

// Open opens (or creates) the store under opts.Dir. It rebuilds the search index from the
// record store when the previous process stopped between the two writes.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("embedded: Options.Dir is required")
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PersistTimeout <= 0 {
		opts.PersistTimeout = 2 * time.Minute
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("embedded: create data dir: %w", err)
	}
	db, err := bolt.Open(filepath.Join(opts.Dir, "records.db"), 0o600, &bolt.Options{Timeout: opts.LockTimeout})
	if err != nil {
		return nil, fmt.Errorf("embedded: open records (data dir in use by another process?): %w", err)
	}
	s := &Store{opts: opts, log: log, db: db, unpersisted: make(chan struct{}, maxUnpersisted), vendors: map[string]record.Vendor{}, vendorsBy: map[string][]string{}}
	dirty := false
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bListings, bVendors, bObs, bNovelty, bMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		dirty = tx.Bucket(bMeta).Get(kDirty) != nil
		return tx.Bucket(bVendors).ForEach(func(k, v []byte) error {
			var vd record.Vendor
			if err := json.Unmarshal(v, &vd); err != nil {
				return fmt.Errorf("vendor %s: %w", k, err)
			}
			s.cacheVendor(vd)
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: init records: %w", err)
	}
	ipath := filepath.Join(opts.Dir, "listings.bleve")
	idx, err := openBleve(ipath)
	if err != nil && !errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		// The search index is derived data: rebuild it from the records.
		log.Warn("search_index_unreadable_rebuilding", "err", err)
		if rerr := os.RemoveAll(ipath); rerr != nil {
			db.Close()
			return nil, fmt.Errorf("embedded: remove broken search index: %w", rerr)
		}
		err = bleve.ErrorIndexPathDoesNotExist
	}
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		var m interface{ Validate() error }
		im, merr := newMapping()
		if merr != nil {
			db.Close()
			return nil, fmt.Errorf("embedded: mapping: %w", merr)
		}
		m = im
		if err := m.Validate(); err != nil {
			db.Close()
			return nil, fmt.Errorf("embedded: mapping: %w", err)
		}
		idx, err = newBleve(ipath, im)
		dirty = true // new index: load whatever the record store holds
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: open search index: %w", err)
	}
	s.idx = idx
	if !dirty {
		s.mem, err = loadMemIndex(filepath.Join(opts.Dir, snapshotFile))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			log.Warn("memindex_snapshot_unreadable_rebuilding", "err", err)
		}
		if err != nil {
			if s.mem, err = s.buildMem(ctx); err != nil {
				s.Close()
				return nil, err
			}
		} else {
			s.memSaved = true
		}
	}
	if dirty {
		if err := s.rebuild(ctx, ipath); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// buildMem builds the in-memory index from the records.
func (s *Store) buildMem(ctx context.Context) (*memIndex, error) {
	m := newMemIndex()
	err := s.eachListing(ctx, func(l record.Listing) error {
		m.load(l)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: build memory index: %w", err)
	}
	m.sortAll()
	s.log.Info("memindex_built", "listings", len(m.ids))
	return m, nil
}

// eachListing calls fn with every stored listing.
func (s *Store) eachListing(ctx context.Context, fn func(record.Listing) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bListings).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var l record.Listing
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("listing %s: %w", k, err)
			}
			return fn(l)
		})
	})
}

// rebuild re-indexes every stored listing into Bleve.
func (s *Store) rebuild(ctx context.Context, ipath string) error {
	// Start from an empty index: documents of a batch whose records never committed
	// must not survive.
	if err := s.idx.Close(); err != nil {
		return fmt.Errorf("embedded: rebuild: %w", err)
	}
	s.idx = nil
	if err := os.RemoveAll(ipath); err != nil {
		return fmt.Errorf("embedded: rebuild: %w", err)
	}
	im, err := newMapping()
	if err != nil {
		return fmt.Errorf("embedded: rebuild: %w", err)
	}
	if s.idx, err = newBleve(ipath, im); err != nil {
		return fmt.Errorf("embedded: rebuild: %w", err)
	}
	n := 0
	batch := s.idx.NewBatch()
	mem := newMemIndex()
	err = s.eachListing(ctx, func(l record.Listing) error {
		mem.load(l)
		if err := batch.Index(l.ID, searchDoc(l)); err != nil {
			return err
		}
		n++
		if batch.Size() >= s.opts.BatchSize {
			if err := s.applyBatch(batch); err != nil {
				return err
			}
			batch.Reset()
		}
		return nil
	})
	if err == nil && batch.Size() > 0 {
		err = s.applyBatch(batch)
	}
	if err != nil {
		return fmt.Errorf("embedded: rebuild search index: %w", err)
	}
	mem.sortAll()
	s.mem, s.memSaved = mem, false
	s.log.Info("index_rebuilt", "listings", n)
	return s.setDirty(false)
}

func (s *Store) setDirty(d bool) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if d {
			return tx.Bucket(bMeta).Put(kDirty, []byte{1})
		}
		return tx.Bucket(bMeta).Delete(kDirty)
	})
}

// searchDoc is the Bleve document of a listing.
func searchDoc(l record.Listing) map[string]any {
	f := index.ListingFacets(l)
	d := map[string]any{
		fText:      index.SearchText(l),
		fMarket:    l.Market,
		fDrugOffer: l.DrugOffer,
		fUSD:       index.Cents(l.Price.USD),
		fUnitUSD:   index.Cents(l.UnitPriceUSD),
		fFirstSeen: float64(index.Millis(l.FirstSeen)),
		fLastSeen:  float64(index.Millis(l.LastSeen)),
	}
	set := func(k string, v []string) {
		if len(v) > 0 {
			d[k] = v
		}
	}
	if l.VendorID != "" {
		d[fVendorID] = l.VendorID
	}
	set(fVendorKey, f.VendorKeys)
	set(fSubstance, f.Substance)
	set(fClass, f.Class)
	set(fFamily, f.Family)
	set(fShipsFrom, f.ShipsFrom)
	set(fShipsTo, f.ShipsTo)
	set(fEntity, f.Entity)
	set(fUntagged, f.Untagged)
	return d
}

func (s *Store) checkOpen() error {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if s.closed {
		return index.ErrClosed
	}
	return nil
}

// storedListing is the bolt form of a listing: the merged record and its merge state
// (readers that want the record alone decode it into an record.Listing).
type storedListing struct {
	record.Listing
	Seen index.PartsSeen `json:"dw_seen,omitzero"`
}

// PutListings implements index.Store.
func (s *Store) PutListings(ctx context.Context, ls []record.Listing) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if len(ls) == 0 {
		return ctx.Err()
	}
	now := s.opts.Now()
	in := make([]record.Listing, 0, len(ls))
	for _, l := range ls {
		if l.ID == "" {
			return errors.New("embedded: put listing: empty id")
		}
		in = append(in, index.PrepareListing(l, now))
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if !s.dirty {
		// Marked once per session, cleared by Close: after a crash the search index is
		// rebuilt from the records, whichever of the two writes below was cut short.
		if err := s.setDirty(true); err != nil {
			return fmt.Errorf("embedded: put listings: %w", err)
		}
		s.dirty = true
		// The snapshot is stale from now on; Close writes a new one.
		if err := os.Remove(filepath.Join(s.opts.Dir, snapshotFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("embedded: put listings: remove memory index snapshot: %w", err)
		}
	}
	obs := make([]record.Observation, 0, len(in))
	for _, l := range in {
		if !index.IsPartial(l) {
			obs = append(obs, index.ObservationOf(l))
		}
	}
	derived := index.VendorsFromListings(index.FullOnly(in))
	states := index.DedupListings(in)
	merged := make([]record.Listing, len(states))
	olds := make([]*record.Listing, len(states))
	stored := make([]storedListing, len(states))
	vendorsOut := make([]record.Vendor, len(derived))
	err := s.db.View(func(tx *bolt.Tx) error {
		lb, vb := tx.Bucket(bListings), tx.Bucket(bVendors)
		for i, st := range states {
			var old *index.ListingState
			if raw := lb.Get([]byte(st.Listing.ID)); raw != nil {
				var sl storedListing
				if err := json.Unmarshal(raw, &sl); err != nil {
					return fmt.Errorf("listing %s: %w", st.Listing.ID, err)
				}
				old = &index.ListingState{Listing: sl.Listing, Seen: sl.Seen}
				olds[i] = &sl.Listing
			}
			m := index.MergeListing(old, st)
			merged[i], stored[i] = m.Listing, storedListing{Listing: m.Listing, Seen: m.Seen}
		}
		for i, d := range derived {
			old, err := getVendor(vb, d.ID)
			if err != nil {
				return err
			}
			vendorsOut[i] = index.MergeDerivedVendor(old, d)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("embedded: put listings: %w", err)
	}
	// The record write and the search index batch run in parallel (writes are serialised
	// by wmu, so nothing changes the merged records in between); the in-memory index is
	// updated once the records are committed, while Bleve may still be indexing (a text
	// query finds the new listings once the batch is applied, as before).
	idxErr := make(chan error, 1)
	go func() { idxErr <- s.indexListings(merged) }()
	err = s.db.Update(func(tx *bolt.Tx) error {
		lb, ob, vb := tx.Bucket(bListings), tx.Bucket(bObs), tx.Bucket(bVendors)
		for _, l := range stored {
			raw, err := json.Marshal(l)
			if err != nil {
				return err
			}
			if err := lb.Put([]byte(l.ID), raw); err != nil {
				return err
			}
		}
		for _, o := range obs {
			raw, err := json.Marshal(o)
			if err != nil {
				return err
			}
			if err := ob.Put(obsKey(o), raw); err != nil {
				return err
			}
		}
		for _, v := range vendorsOut {
			raw, err := json.Marshal(v)
			if err != nil {
				return err
			}
			if err := vb.Put([]byte(v.ID), raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.mem.apply(olds, merged)
		s.memSaved = false
		s.cacheVendors(vendorsOut)
	}
	if ierr := <-idxErr; err == nil && ierr != nil {
		err = ierr
	}
	if err != nil {
		return fmt.Errorf("embedded: put listings: %w", err)
	}
	return nil
}

func (s *Store) indexListings(ls []record.Listing) error {
	batch := s.idx.NewBatch()
	for _, l := range ls {
		if err := batch.Index(l.ID, searchDoc(l)); err != nil {
			return fmt.Errorf("index listing %s: %w", l.ID, err)
		}
		if batch.Size() >= s.opts.BatchSize {
			if err := s.applyBatch(batch); err != nil {
				return fmt.Errorf("index batch: %w", err)
			}
			batch.Reset()
		}
	}
	if batch.Size() > 0 {
		if err := s.applyBatch(batch); err != nil {
			return fmt.Errorf("index batch: %w", err)
		}
	}
	return nil
}

func getVendor(vb *bolt.Bucket, id string) (*record.Vendor, error) {
	raw := vb.Get([]byte(id))
	if raw == nil {
		return nil, nil
	}
	v := new(record.Vendor)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("vendor %s: %w", id, err)
	}
	return v, nil
}

func putVendor(vb *bolt.Bucket, in record.Vendor, merge func(*record.Vendor, record.Vendor) record.Vendor) (record.Vendor, error) {
	old, err := getVendor(vb, in.ID)
	if err != nil {
		return record.Vendor{}, err
	}
	v := merge(old, in)
	raw, err := json.Marshal(v)
	if err != nil {
		return v, err
	}
	return v, vb.Put([]byte(v.ID), raw)
}

func (s *Store) cacheVendors(vs []record.Vendor) {
	s.vmu.Lock()
	for _, v := range vs {
		s.cacheVendor(v)
	}
	s.vmu.Unlock()
}

// cacheVendor puts v in the vendor cache and its lookups by entity and actor (entries of
// an older version of v may stay: lookups give candidates, VendorMatches decides).
// Callers hold vmu.
func (s *Store) cacheVendor(v record.Vendor) {
	s.vendors[v.ID] = v
	add := func(k string) {
		if !slices.Contains(s.vendorsBy[k], v.ID) {
			s.vendorsBy[k] = append(s.vendorsBy[k], v.ID)
		}
	}
	for _, e := range index.VendorEntityValues(v) {
		add(vendorEntityKey(e))
	}
	if v.Actor != "" {
		add(vendorActorKey(v.Actor))
	}
}

func vendorEntityKey(e string) string { return "e\x00" + e }
func vendorActorKey(a string) string  { return "a\x00" + a }

// obsKey orders observations by listing, then time, then capture hash.
func obsKey(o record.Observation) []byte {
	sha := ""
	if o.Capture != nil {
		sha = o.Capture.SHA256
	}
	k := make([]byte, 0, len(o.ListingID)+10+len(sha))
	k = append(k, o.ListingID...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, uint64(o.Time.UnixNano())^(1<<63))
	return append(k, sha...)
}

// PutVendors implements index.Store.
func (s *Store) PutVendors(ctx context.Context, vs []record.Vendor) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	now := s.opts.Now()
	in := make([]record.Vendor, 0, len(vs))
	for _, v := range vs {
		if v.ID == "" {
			return errors.New("embedded: put vendor: empty id")
		}
		in = append(in, index.PrepareVendor(v, now))
	}
	in = index.DedupVendors(in)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	var out []record.Vendor
	err := s.db.Update(func(tx *bolt.Tx) error {
		vb := tx.Bucket(bVendors)
		for _, v := range in {
			m, err := putVendor(vb, v, index.MergeVendor)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("embedded: put vendors: %w", err)
	}
	s.cacheVendors(out)
	return nil
}

// GetListing implements index.Store.
func (s *Store) GetListing(ctx context.Context, id string) (record.Listing, error) {
	var l record.Listing
	err := s.get(bListings, id, &l)
	return l, err
}

// GetVendor implements index.Store.
func (s *Store) GetVendor(ctx context.Context, id string) (record.Vendor, error) {
	var v record.Vendor
	err := s.get(bVendors, id, &v)
	return v, err
}

func (s *Store) get(bucket []byte, id string, out any) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucket).Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("%s %q: %w", bucket, id, index.ErrNotFound)
		}
		return json.Unmarshal(raw, out)
	})
}

// Observations implements index.Store.
func (s *Store) Observations(ctx context.Context, listingID string) ([]record.Observation, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	var out []record.Observation
	prefix := append([]byte(listingID), 0)
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bObs).Cursor()
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			var o record.Observation
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("observation of %s: %w", listingID, err)
			}
			out = append(out, o)
		}
		return nil
	})
	return out, err
}

// Vendors implements index.Store.
func (s *Store) Vendors(ctx context.Context, q index.VendorQuery) ([]record.Vendor, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	s.vmu.RLock()
	var out []record.Vendor
	match := func(v record.Vendor) {
		if index.VendorMatches(v, q) {
			out = append(out, v)
		}
	}
	// Candidates from the most selective lookup; VendorMatches checks every field.
	var cands []string
	switch {
	case len(q.IDs) > 0:
		cands = q.IDs
	case len(q.Entity) > 0:
		for _, e := range q.Entity {
			cands = append(cands, s.vendorsBy[vendorEntityKey(e)]...)
		}
	case len(q.Actor) > 0:
		for _, a := range q.Actor {
			cands = append(cands, s.vendorsBy[vendorActorKey(a)]...)
		}
	default:
		for _, v := range s.vendors {
			match(v)
		}
	}
	slices.Sort(cands)
	for _, id := range slices.Compact(cands) {
		if v, ok := s.vendors[id]; ok {
			match(v)
		}
	}
	s.vmu.RUnlock()
	slices.SortFunc(out, func(a, b record.Vendor) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Novel implements index.Store.
func (s *Store) Novel(ctx context.Context, key string, ev index.Evidence) (bool, error) {
	if err := s.checkOpen(); err != nil {
		return false, err
	}
	if key == "" {
		return false, errors.New("embedded: novel: empty key")
	}
	created := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bNovelty)
		if b.Get([]byte(key)) != nil {
			return nil
		}
		raw, err := json.Marshal(index.NoveltyRecord{Key: key, Evidence: ev, Created: s.opts.Now().UTC()})
		if err != nil {
			return err
		}
		created = true
		return b.Put([]byte(key), raw)
	})
	if err != nil {
		return false, fmt.Errorf("embedded: novel %q: %w", key, err)
	}
	return created, nil
}

// Flush implements index.Store. Every accepted write is already durable (bbolt commits
// are fsynced) and visible (Bleve batches are searchable when applied).
func (s *Store) Flush(ctx context.Context) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	return ctx.Err()
}

// saveMem writes the in-memory index snapshot unless the one on disk is current.
func (s *Store) saveMem() error {
	if s.mem == nil || s.memSaved {
		return nil
	}
	if err := s.mem.save(filepath.Join(s.opts.Dir, snapshotFile)); err != nil {
		return fmt.Errorf("save memory index: %w", err)
	}
	s.memSaved = true
	return nil
}

// Close implements index.Store.
func (s *Store) Close() error {
	s.cmu.Lock()
	if s.closed {
		s.cmu.Unlock()
		return nil
	}
	s.closed = true
	s.cmu.Unlock()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var errs []error
	if s.idx != nil {
		persisted := s.waitPersisted()
		if err := s.idx.Close(); err != nil {
			errs = append(errs, err)
		} else if !persisted {
			// The dirty mark stays: the next Open rebuilds the search index.
			errs = append(errs, fmt.Errorf("search index not written to disk within %v", s.opts.PersistTimeout))
		} else if err := s.saveMem(); err != nil {
			errs = append(errs, err)
		} else if err := s.setDirty(false); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.db.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("embedded: close: %w", err)
	}
	return nil
}
