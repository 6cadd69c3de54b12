package elastic

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/elastic/go-elasticsearch/v8/esutil"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/index"
)

// listingDoc is the indexed form of a listing: the record plus derived filter fields.
type listingDoc struct {
	record.Listing
	DW listingDW `json:"dw"`
}

type listingDW struct {
	Text       string   `json:"text"` // index.SearchText: the field free text is matched on
	USD        float64  `json:"usd"`
	UnitUSD    float64  `json:"unit_usd"`
	VendorKeys []string `json:"vendor_keys,omitempty"`
	Substance  []string `json:"substance,omitempty"`
	Class      []string `json:"class,omitempty"`
	Family     []string `json:"family,omitempty"`
	ShipsFrom  []string `json:"ships_from,omitempty"`
	ShipsTo    []string `json:"ships_to,omitempty"`
	Entity     []string `json:"entity,omitempty"`
	Untagged   []string `json:"untagged,omitempty"`
	// Seen is the merge state (index.PartsSeen); kept in _source only (the mapping is not
	// dynamic, so it is not indexed).
	Seen index.PartsSeen `json:"seen,omitzero"`
}

// newStateDoc is the indexed form of a merged listing state.
func newStateDoc(st index.ListingState) listingDoc {
	d := newListingDoc(st.Listing)
	d.DW.Seen = st.Seen
	return d
}

func newListingDoc(l record.Listing) listingDoc {
	f := index.ListingFacets(l)
	return listingDoc{Listing: l, DW: listingDW{Text: index.SearchText(l),
		USD: index.Cents(l.Price.USD), UnitUSD: index.Cents(l.UnitPriceUSD), VendorKeys: f.VendorKeys,
		Substance: f.Substance, Class: f.Class, Family: f.Family, ShipsFrom: f.ShipsFrom, ShipsTo: f.ShipsTo,
		Entity: f.Entity, Untagged: f.Untagged,
	}}
}

type vendorDoc struct {
	record.Vendor
	DW struct {
		Entity []string `json:"entity,omitempty"`
	} `json:"dw"`
}

func newVendorDoc(v record.Vendor) vendorDoc {
	d := vendorDoc{Vendor: v}
	d.DW.Entity = index.VendorEntityValues(v)
	return d
}

type obsDoc struct {
	record.Observation
	DW struct {
		Key string `json:"key"`
	} `json:"dw"`
}

// op is one bulk operation.
type op struct {
	action, index, id string
	body              []byte
	seqNo, primTerm   *int64
	onOK              func(seqNo, primTerm int64) // optional, called on success
}

// opFailure is a bulk operation that did not succeed.
type opFailure struct {
	op     op
	status int // 0: transport failure
	err    error
}

// bulkOnce sends ops through the shared BulkIndexer and waits for every item.
func (s *Store) bulkOnce(ctx context.Context, ops []op) []opFailure {
	var (
		mu    sync.Mutex
		fails []opFailure
		wg    sync.WaitGroup
	)
	fail := func(o op, status int, err error) {
		mu.Lock()
		fails = append(fails, opFailure{op: o, status: status, err: err})
		mu.Unlock()
	}
	for _, o := range ops {
		wg.Add(1)
		item := esutil.BulkIndexerItem{
			Index: o.index, Action: o.action, DocumentID: o.id, Body: bytes.NewReader(o.body),
			IfSeqNo: o.seqNo, IfPrimaryTerm: o.primTerm,
			OnSuccess: func(_ context.Context, _ esutil.BulkIndexerItem, r esutil.BulkIndexerResponseItem) {
				if o.onOK != nil {
					o.onOK(r.SeqNo, r.PrimTerm)
				}
				wg.Done()
			},
			OnFailure: func(_ context.Context, _ esutil.BulkIndexerItem, r esutil.BulkIndexerResponseItem, err error) {
				if err == nil {
					err = fmt.Errorf("%s %s: status %d: %s: %s", o.action, o.id, r.Status, r.Error.Type, r.Error.Reason)
				}
				fail(o, r.Status, err)
				wg.Done()
			},
		}
		if err := s.bulk.Add(ctx, item); err != nil {
			fail(o, 0, err)
			wg.Done()
		}
	}
	if err := s.bulk.Flush(ctx); err != nil {
		s.log.Warn("bulk_flush_failed", "err", err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		<-done // the indexer reports every added item; ctx cancels its requests
	}
	return fails
}

// bulk runs ops, replaying items rejected with 429 or 5xx with backoff. It returns the
// ops that failed with a version conflict (409) for the caller to re-merge, and an error
// for any other failure (wrapping index.ErrUnavailable when the cluster was unreachable).
func (s *Store) runBulk(ctx context.Context, ops []op) (conflicts []op, err error) {
	for attempt := 0; len(ops) > 0; attempt++ {
		fails := s.bulkOnce(ctx, ops)
		ops = nil
		var errs []error
		unavailable := false
		for _, f := range fails {
			switch {
			case f.status == http.StatusConflict:
				conflicts = append(conflicts, f.op)
			case f.status == 0:
				unavailable = true
				errs = append(errs, f.err)
			case f.status == http.StatusTooManyRequests || f.status >= 500:
				ops = append(ops, f.op)
				if attempt >= s.opts.MaxRetries {
					unavailable = true
					errs = append(errs, f.err)
				}
			default:
				errs = append(errs, f.err)
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if len(errs) > 0 {
			err := errors.Join(errs[:min(len(errs), 5)]...)
			if unavailable {
				return nil, fmt.Errorf("bulk: %d failed: %w: %w", len(errs), index.ErrUnavailable, err)
			}
			return nil, fmt.Errorf("bulk: %d failed: %w", len(errs), err)
		}
		if len(ops) > 0 {
			s.log.Warn("bulk_replay", "items", len(ops), "attempt", attempt+1)
			select {
			case <-time.After(backoff(attempt)):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	return conflicts, nil
}

// stored is a document read for a merge.
type stored struct {
	found    bool
	source   json.RawMessage
	seqNo    int64
	primTerm int64
}

type docRef struct{ index, id string }

// mget reads documents (realtime) by alias and id.
func (s *Store) mget(ctx context.Context, refs []docRef) ([]stored, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	docs := make([]m, len(refs))
	for i, r := range refs {
		docs[i] = m{"_index": r.index, "_id": r.id}
	}
	var out struct {
		Docs []struct {
			Found    bool            `json:"found"`
			Source   json.RawMessage `json:"_source"`
			SeqNo    int64           `json:"_seq_no"`
			PrimTerm int64           `json:"_primary_term"`
			Error    json.RawMessage `json:"error"`
		} `json:"docs"`
	}
	if err := s.call(ctx, http.MethodPost, "/_mget", m{"docs": docs}, &out); err != nil {
		return nil, fmt.Errorf("mget: %w", err)
	}
	if len(out.Docs) != len(refs) {
		return nil, fmt.Errorf("mget: got %d docs, want %d", len(out.Docs), len(refs))
	}
	res := make([]stored, len(refs))
	for i, d := range out.Docs {
		if len(d.Error) > 0 && string(d.Error) != "null" {
			return nil, fmt.Errorf("mget %s: %s", refs[i].id, d.Error)
		}
		res[i] = stored{found: d.Found, source: d.Source, seqNo: d.SeqNo, primTerm: d.PrimTerm}
	}
	return res, nil
}

// upsertOp builds the conditional write of a merged document.
func upsertOp(alias, id string, st stored, body []byte) op {
	o := op{index: alias, id: id, body: body, action: "create"}
	if st.found {
		seq, term := st.seqNo, st.primTerm
		o.action, o.seqNo, o.primTerm = "index", &seq, &term
	}
	return o
}

// maxMergeRounds bounds the re-merges after version conflicts.
const maxMergeRounds = 20

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
	var obs []op
	for _, l := range ls {
		if l.ID == "" {
			return errors.New("elastic: put listing: empty id")
		}
		l = index.PrepareListing(l, now)
		in = append(in, l)
		if index.IsPartial(l) {
			continue // price history holds listing-page sightings only (see index.FullOnly)
		}
		d := obsDoc{Observation: index.ObservationOf(l)}
		d.DW.Key = index.ObservationKey(d.Observation)
		raw, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("elastic: encode observation: %w", err)
		}
		obs = append(obs, op{action: "index", index: s.Alias(kindObservations), id: d.DW.Key, body: raw})
	}
	derived := index.VendorsFromListings(index.FullOnly(in))
	states := index.DedupListings(in)
	listings := make(map[string]index.ListingState, len(states))
	for _, st := range states {
		listings[st.Listing.ID] = st
	}
	vendors := make(map[string]record.Vendor, len(derived))
	for _, v := range derived {
		vendors[v.ID] = v
	}
	lAlias, vAlias := s.Alias(kindListings), s.Alias(kindVendors)
	ops := make([]op, 0, len(in)+len(derived)+len(obs))
	// First round without reads where this process knows enough: listings it never saw
	// are created speculatively (409 if another process has them), vendors it wrote are
	// merged from its cache (skipped when unchanged, conditional on the cached version).
	var pendL, pendV []string
	for _, st := range states {
		id := st.Listing.ID
		if s.cache.knownListing(id) {
			pendL = append(pendL, id)
			continue
		}
		raw, err := json.Marshal(newStateDoc(st))
		if err != nil {
			return fmt.Errorf("elastic: encode listing %s: %w", id, err)
		}
		ops = append(ops, s.listingOp(lAlias, id, stored{}, raw))
	}
	for _, d := range derived {
		c, ok := s.cache.vendor(d.ID)
		if !ok {
			pendV = append(pendV, d.ID)
			continue
		}
		merged := index.MergeDerivedVendor(&c.v, d)
		if reflect.DeepEqual(merged, c.v) {
			continue
		}
		o, err := s.vendorOp(vAlias, merged, stored{found: true, seqNo: c.seqNo, primTerm: c.primTerm})
		if err != nil {
			return err
		}
		ops = append(ops, o)
	}
	ops = append(ops, obs...)
	for round := 0; len(ops)+len(pendL)+len(pendV) > 0; round++ {
		if round == maxMergeRounds {
			return fmt.Errorf("elastic: put listings: %d documents still conflicting", len(pendL)+len(pendV))
		}
		refs := make([]docRef, 0, len(pendL)+len(pendV))
		for _, id := range pendL {
			refs = append(refs, docRef{lAlias, id})
		}
		for _, id := range pendV {
			refs = append(refs, docRef{vAlias, id})
		}
		olds, err := s.mget(ctx, refs)
		if err != nil {
			return fmt.Errorf("elastic: put listings: %w", err)
		}
		for i, id := range pendL {
			var old *index.ListingState
			if olds[i].found {
				var d listingDoc
				if err := json.Unmarshal(olds[i].source, &d); err != nil {
					return fmt.Errorf("elastic: decode listing %s: %w", id, err)
				}
				old = &index.ListingState{Listing: d.Listing, Seen: d.DW.Seen}
			}
			raw, err := json.Marshal(newStateDoc(index.MergeListing(old, listings[id])))
			if err != nil {
				return fmt.Errorf("elastic: encode listing %s: %w", id, err)
			}
			ops = append(ops, s.listingOp(lAlias, id, olds[i], raw))
		}
		for j, id := range pendV {
			st := olds[len(pendL)+j]
			var old *record.Vendor
			if st.found {
				old = new(record.Vendor)
				if err := json.Unmarshal(st.source, old); err != nil {
					return fmt.Errorf("elastic: decode vendor %s: %w", id, err)
				}
			}
			o, err := s.vendorOp(vAlias, index.MergeDerivedVendor(old, vendors[id]), st)
			if err != nil {
				return err
			}
			ops = append(ops, o)
		}
		conflicts, err := s.runBulk(ctx, ops)
		if err != nil {
			return fmt.Errorf("elastic: put listings: %w", err)
		}
		ops, pendL, pendV = nil, nil, nil
		for _, c := range conflicts {
			switch c.index {
			case lAlias:
				pendL = append(pendL, c.id)
			case vAlias:
				s.cache.forgetVendor(c.id)
				pendV = append(pendV, c.id)
			default:
				return fmt.Errorf("elastic: put listings: unexpected conflict on %s %s", c.index, c.id)
			}
		}
	}
	return nil
}

func (s *Store) listingOp(alias, id string, st stored, raw []byte) op {
	o := upsertOp(alias, id, st, raw)
	o.onOK = func(int64, int64) { s.cache.addListing(id) }
	return o
}

func (s *Store) vendorOp(alias string, v record.Vendor, st stored) (op, error) {
	raw, err := json.Marshal(newVendorDoc(v))
	if err != nil {
		return op{}, fmt.Errorf("elastic: encode vendor %s: %w", v.ID, err)
	}
	o := upsertOp(alias, v.ID, st, raw)
	o.onOK = func(seq, term int64) { s.cache.putVendor(v, seq, term) }
	return o, nil
}

func keys[T any](v []T, f func(T) string) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = f(x)
	}
	return out
}

// PutVendors implements index.Store.
func (s *Store) PutVendors(ctx context.Context, vs []record.Vendor) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if len(vs) == 0 {
		return ctx.Err()
	}
	now := s.opts.Now()
	in := make([]record.Vendor, 0, len(vs))
	for _, v := range vs {
		if v.ID == "" {
			return errors.New("elastic: put vendor: empty id")
		}
		in = append(in, index.PrepareVendor(v, now))
	}
	in = index.DedupVendors(in)
	byID := make(map[string]record.Vendor, len(in))
	for _, v := range in {
		byID[v.ID] = v
	}
	alias := s.Alias(kindVendors)
	pend := keys(in, func(v record.Vendor) string { return v.ID })
	for round := 0; len(pend) > 0; round++ {
		if round == maxMergeRounds {
			return fmt.Errorf("elastic: put vendors: %d documents still conflicting", len(pend))
		}
		refs := make([]docRef, len(pend))
		for i, id := range pend {
			refs[i] = docRef{alias, id}
		}
		olds, err := s.mget(ctx, refs)
		if err != nil {
			return fmt.Errorf("elastic: put vendors: %w", err)
		}
		ops := make([]op, 0, len(pend))
		for i, id := range pend {
			var old *record.Vendor
			if olds[i].found {
				old = new(record.Vendor)
				if err := json.Unmarshal(olds[i].source, old); err != nil {
					return fmt.Errorf("elastic: decode vendor %s: %w", id, err)
				}
			}
			o, err := s.vendorOp(alias, index.MergeVendor(old, byID[id]), olds[i])
			if err != nil {
				return err
			}
			ops = append(ops, o)
		}
		conflicts, err := s.runBulk(ctx, ops)
		if err != nil {
			return fmt.Errorf("elastic: put vendors: %w", err)
		}
		pend = keys(conflicts, func(o op) string { return o.id })
	}
	return nil
}

// noveltyID is the document id of a novelty key.
func noveltyID(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// Novel implements index.Store with op_type=create: the cluster decides atomically.
//
// A create whose answer was lost (the connection cut after the cluster applied it) is
// retried by the transport and finds the key taken: when the stored record is this call's
// own (same evidence, same creation time to the nanosecond), the key is still reported
// new, so a cut connection does not swallow an alert. A later call with the same key is
// not new, whatever its evidence.
func (s *Store) Novel(ctx context.Context, key string, ev index.Evidence) (bool, error) {
	if err := s.checkOpen(); err != nil {
		return false, err
	}
	if key == "" {
		return false, errors.New("elastic: novel: empty key")
	}
	rec := index.NoveltyRecord{Key: key, Evidence: ev, Created: s.opts.Now().UTC()}
	path := "/" + url.PathEscape(s.Alias(kindNovelty)) + "/_create/" + noveltyID(key)
	err := s.call(ctx, http.MethodPut, path, rec, nil)
	switch {
	case err == nil:
		return true, nil
	case statusOf(err) == http.StatusConflict:
		var stored index.NoveltyRecord
		if gerr := s.getDoc(ctx, kindNovelty, noveltyID(key), &stored); gerr != nil {
			return false, fmt.Errorf("elastic: novel %q: read the existing key: %w", key, gerr)
		}
		return sameRecord(stored, rec), nil
	}
	return false, fmt.Errorf("elastic: novel %q: %w", key, err)
}

// Flush implements index.Store: pending bulk items are sent and the indices refreshed.
func (s *Store) Flush(ctx context.Context) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if err := s.bulk.Flush(ctx); err != nil {
		return fmt.Errorf("elastic: flush: %w", err)
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = s.Alias(k)
	}
	if err := s.call(ctx, http.MethodPost, "/"+strings.Join(names, ",")+"/_refresh", nil, nil); err != nil {
		return fmt.Errorf("elastic: refresh: %w", err)
	}
	return nil
}

// sameRecord compares novelty records as stored (JSON), so that times compare at their
// stored precision and location.
func sameRecord(a, b index.NoveltyRecord) bool {
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && bytes.Equal(ja, jb)
}
