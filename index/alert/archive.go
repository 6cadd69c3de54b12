package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// ArchiveName is the outbox name of the Elasticsearch archive.
const ArchiveName = "archive"

// Archive keeps alerts in an Elasticsearch index (<prefix>-alerts) so that every crawl
// process's alerts can be listed and acknowledged in one place (the API server, Kibana,
// `darkwatch alerts` with the Elasticsearch backend). It is fed through the outbox like a
// notifier (Options.Archive), so an Elasticsearch outage delays it and loses nothing.
type Archive struct {
	URL string // base URL of the cluster
	// Others are more nodes of the cluster, tried in order when a node cannot be reached
	// (the store's client fails over between the configured nodes the same way).
	Others   []string
	Prefix   string // index prefix [darkwatch]
	Username string
	Password string
	Client   *http.Client // nil: 30s timeout
	// PageSize is the number of alerts List asks for per request [1000].
	PageSize int
	// MaxList is the most alerts List returns; beyond it List fails [200000].
	MaxList int
	ready   atomic.Bool
}

// Name implements Notifier.
func (a *Archive) Name() string { return ArchiveName }

func (a *Archive) index() string {
	p := a.Prefix
	if p == "" {
		p = "darkwatch"
	}
	return p + "-alerts"
}

func (a *Archive) do(ctx context.Context, method, path string, body any, out any) (int, error) {
	var payload []byte
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		payload = raw
	}
	c := a.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	var resp *http.Response
	var errs []error
	for _, base := range append([]string{a.URL}, a.Others...) {
		var r io.Reader
		if payload != nil {
			r = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(base, "/")+path, r)
		if err != nil {
			return 0, fmt.Errorf("alert archive: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		if a.Username != "" {
			req.SetBasicAuth(a.Username, a.Password)
		}
		resp, err = c.Do(req)
		if err == nil {
			break
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if resp == nil {
		return 0, fmt.Errorf("alert archive: %w", errors.Join(errs...))
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode/100 == 2 && out != nil {
		// Numbers kept as written: sort values are longs (Long.MIN_VALUE/MAX_VALUE for a
		// document without the field), which a float64 would round.
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			return resp.StatusCode, fmt.Errorf("alert archive: %s %s: %w", method, path, err)
		}
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("alert archive: %s %s: HTTP %d: %.300s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, nil
}

// Deliver implements Notifier: create-if-absent by alert id (a redelivery is a no-op).
func (a *Archive) Deliver(ctx context.Context, al Alert, _ string) error {
	if err := a.ensure(ctx); err != nil {
		return err
	}
	code, err := a.do(ctx, http.MethodPut, "/"+url.PathEscape(a.index())+"/_create/"+url.PathEscape(al.ID)+"?refresh=wait_for", al, nil)
	if code == http.StatusConflict {
		return nil
	}
	return err
}

// List returns the archived alerts raised at or after since, oldest first (by raised time,
// then id, as Log.List), all of them: it pages through the index (PageSize alerts a
// request) and fails rather than answer with part of the list when more than MaxList
// alerts match.
func (a *Archive) List(ctx context.Context, since time.Time) ([]Alert, error) {
	size := a.PageSize
	if size <= 0 {
		size = 1000
	}
	limit := a.MaxList
	if limit <= 0 {
		limit = 200000
	}
	// unmapped_type: an index created by the Elasticsearch store (dynamic mapping) has no
	// raised field before its first alert.
	q := map[string]any{"size": size, "track_total_hits": false, "sort": []any{
		map[string]any{"raised": map[string]string{"order": "asc", "unmapped_type": "date"}},
		map[string]any{"id": map[string]string{"order": "asc", "unmapped_type": "keyword"}}}}
	if !since.IsZero() {
		// The index keeps dates to the millisecond: ask from the millisecond before, then
		// cut at since exactly below.
		q["query"] = map[string]any{"range": map[string]any{"raised": map[string]string{
			"gte": since.Add(-time.Millisecond).UTC().Format(time.RFC3339Nano)}}}
	}
	var out []Alert
	fetched := 0
	for {
		var res searchResult
		code, err := a.do(ctx, http.MethodPost, "/"+url.PathEscape(a.index())+"/_search", q, &res)
		if code == http.StatusNotFound {
			return nil, nil // nothing archived yet
		}
		if err != nil {
			return nil, err
		}
		hits := res.Hits.Hits
		fetched += len(hits)
		for _, h := range hits {
			if !h.Source.Raised.Before(since) {
				out = append(out, h.Source)
			}
		}
		if len(out) > limit || fetched > limit+size {
			return nil, fmt.Errorf("alert archive: more than %d alerts raised since %s: list from a later time", limit, since.UTC().Format(time.RFC3339))
		}
		if len(hits) < size {
			break
		}
		q["search_after"] = hits[len(hits)-1].Sort
	}
	// The index sorts by the millisecond: order as the log does, to the nanosecond.
	slices.SortStableFunc(out, func(x, y Alert) int {
		if c := x.Raised.Compare(y.Raised); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out, nil
}

// searchResult is the part of an Elasticsearch search answer the archive reads.
type searchResult struct {
	Hits struct {
		Total struct {
			Value int `json:"value"`
		} `json:"total"`
		Hits []struct {
			Source Alert `json:"_source"`
			Sort   []any `json:"sort"`
		} `json:"hits"`
	} `json:"hits"`
}

// Query selects alerts: fields are ANDed, the values of one field ORed, an empty field is
// no constraint.
type Query struct {
	Since   time.Time // raised at or after (zero: any time)
	Kinds   []string  // alert kinds
	Markets []string  // market names
	Acked   *bool     // true: acknowledged only, false: unacknowledged only, nil: both
	// Limit is the most alerts returned, the newest (<= 0: all; the archive fails past
	// Archive.MaxList).
	Limit int
}

// Match reports whether a matches q (Limit aside).
func (q Query) Match(a Alert) bool {
	return !a.Raised.Before(q.Since) &&
		(len(q.Kinds) == 0 || slices.Contains(q.Kinds, a.Kind)) &&
		(len(q.Markets) == 0 || slices.Contains(q.Markets, a.Market)) &&
		(q.Acked == nil || *q.Acked != a.Acked.IsZero())
}

// Select applies q to alerts ordered oldest first as Log.List orders them (raised time,
// then id): it returns the newest q.Limit matching alerts, newest first, and how many match
// in all. This is what Archive.Search answers for the same alerts.
func (q Query) Select(oldestFirst []Alert) (newestFirst []Alert, total int) {
	for i := len(oldestFirst) - 1; i >= 0; i-- {
		a := oldestFirst[i]
		if !q.Match(a) {
			continue
		}
		total++
		if q.Limit <= 0 || len(newestFirst) < q.Limit {
			newestFirst = append(newestFirst, a)
		}
	}
	return newestFirst, total
}

// maxWindow is the largest page Elasticsearch answers (index.max_result_window default).
const maxWindow = 10000

// Search answers q in Elasticsearch: the newest q.Limit matching alerts, newest first
// (raised time, then id, to the nanosecond as Query.Select orders), and how many match in
// all. The filters run in the index (term filters on kind and market, acked present or
// absent, a range on raised), so a listing reads about q.Limit alerts whatever the size of
// the archive: usually one request, a second when since falls inside a millisecond (the
// index's date resolution) and more alerts match than the limit, more only when alerts
// raised within one millisecond straddle the limit. With q.Limit <= 0 it answers every
// matching alert and fails past MaxList.
func (a *Archive) Search(ctx context.Context, q Query) ([]Alert, int, error) {
	limit, all := q.Limit, q.Limit <= 0
	if all {
		limit = a.MaxList
		if limit <= 0 {
			limit = 200000
		}
	}
	filter, mustNot := []any{}, []any{}
	if len(q.Kinds) > 0 {
		filter = append(filter, map[string]any{"terms": map[string]any{"kind": q.Kinds}})
	}
	if len(q.Markets) > 0 {
		filter = append(filter, map[string]any{"terms": map[string]any{"market": q.Markets}})
	}
	if q.Acked != nil {
		// An alert not acknowledged has no acked field (omitzero).
		exists := map[string]any{"exists": map[string]string{"field": "acked"}}
		if *q.Acked {
			filter = append(filter, exists)
		} else {
			mustNot = append(mustNot, exists)
		}
	}
	// The index keeps dates to the millisecond (truncated): ask from since's millisecond,
	// then cut at since exactly.
	sinceMs := q.Since.Truncate(time.Millisecond)
	if !q.Since.IsZero() {
		filter = append(filter, map[string]any{"range": map[string]any{"raised": map[string]string{"gte": esTime(sinceMs)}}})
	}
	boolQ := func(extra ...any) map[string]any {
		return map[string]any{"bool": map[string]any{"filter": append(slices.Clone(filter), extra...), "must_not": mustNot}}
	}
	// unmapped_type: an index created by the Elasticsearch store (dynamic mapping) has no
	// raised field before its first alert. Missing raised sorts last, as a zero time does.
	sort := []any{
		map[string]any{"raised": map[string]string{"order": "desc", "unmapped_type": "date"}},
		map[string]any{"id": map[string]string{"order": "desc", "unmapped_type": "keyword"}}}
	type hit struct {
		a  Alert
		ms string // the raised sort value: the millisecond the index sorts by
	}
	var hits []hit
	total, exhausted := 0, false
	var after []any
	// limit+1 hits tell whether the alert after the last one returned was raised in the same
	// millisecond: then the order within that millisecond (nanoseconds, which the index does
	// not keep) decides which are the newest, and the rest of that millisecond is read too.
	need := limit + 1
	for len(hits) < need || hits[len(hits)-1].ms == hits[limit-1].ms {
		size := need - len(hits)
		if size <= 0 {
			size = 100 // more alerts of one millisecond
		}
		size = min(size, maxWindow)
		body := map[string]any{"size": size, "track_total_hits": after == nil, "query": boolQ(), "sort": sort}
		if after != nil {
			body["search_after"] = after
		}
		var res searchResult
		code, err := a.do(ctx, http.MethodPost, "/"+url.PathEscape(a.index())+"/_search", body, &res)
		if code == http.StatusNotFound {
			return nil, 0, nil // nothing archived yet
		}
		if err != nil {
			return nil, 0, err
		}
		if after == nil {
			total = res.Hits.Total.Value
			if all && total > limit {
				return nil, 0, fmt.Errorf("alert archive: %d alerts match, more than %d: list from a later time", total, limit)
			}
		}
		for _, h := range res.Hits.Hits {
			if len(h.Sort) == 0 {
				return nil, 0, fmt.Errorf("alert archive: search: a hit without sort values")
			}
			hits = append(hits, hit{h.Source, fmt.Sprint(h.Sort[0])})
		}
		if len(res.Hits.Hits) < size {
			exhausted = true
			break
		}
		if len(hits) > limit+maxWindow {
			return nil, 0, fmt.Errorf("alert archive: more than %d alerts raised within one millisecond", maxWindow)
		}
		after = res.Hits.Hits[len(res.Hits.Hits)-1].Sort
	}
	out := make([]Alert, 0, min(len(hits), limit))
	for _, h := range hits {
		if !h.a.Raised.Before(q.Since) {
			out = append(out, h.a)
		}
	}
	// To the nanosecond: newest first, equal times by id (descending), as Select.
	slices.SortStableFunc(out, func(x, y Alert) int {
		if c := y.Raised.Compare(x.Raised); c != 0 {
			return c
		}
		return strings.Compare(y.ID, x.ID)
	})
	switch {
	case exhausted:
		total = len(out) // every match was read
	case !q.Since.Equal(sinceMs):
		// The total counts the alerts of since's millisecond raised before since: count them.
		early, err := a.countBefore(ctx, boolQ(map[string]any{"range": map[string]any{"raised": map[string]string{"lt": esTime(sinceMs.Add(time.Millisecond))}}}), q.Since)
		if err != nil {
			return nil, 0, err
		}
		total -= early
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, total, nil
}

// countBefore counts the alerts matching query (one millisecond of alerts) raised before t.
func (a *Archive) countBefore(ctx context.Context, query map[string]any, t time.Time) (int, error) {
	body := map[string]any{"size": 1000, "track_total_hits": false, "query": query, "_source": []string{"raised"},
		"sort": []any{map[string]any{"id": map[string]string{"order": "asc", "unmapped_type": "keyword"}}}}
	n := 0
	for range maxWindow {
		var res searchResult
		if _, err := a.do(ctx, http.MethodPost, "/"+url.PathEscape(a.index())+"/_search", body, &res); err != nil {
			return 0, err
		}
		for _, h := range res.Hits.Hits {
			if h.Source.Raised.Before(t) {
				n++
			}
		}
		if len(res.Hits.Hits) < 1000 {
			return n, nil
		}
		body["search_after"] = res.Hits.Hits[len(res.Hits.Hits)-1].Sort
	}
	return 0, fmt.Errorf("alert archive: too many alerts raised within one millisecond")
}

// esTime formats t for a range on a date field of the index (millisecond precision).
func esTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Ack marks an archived alert acknowledged (the first time is kept).
func (a *Archive) Ack(ctx context.Context, id string, at time.Time) (Alert, error) {
	for range 5 {
		al, retry, err := a.ack(ctx, id, at)
		if !retry {
			return al, err
		}
	}
	return Alert{}, fmt.Errorf("alert archive: ack %s: concurrent updates", id)
}

func (a *Archive) ack(ctx context.Context, id string, at time.Time) (Alert, bool, error) {
	var doc struct {
		Source Alert `json:"_source"`
		SeqNo  int64 `json:"_seq_no"`
		Term   int64 `json:"_primary_term"`
	}
	code, err := a.do(ctx, http.MethodGet, "/"+url.PathEscape(a.index())+"/_doc/"+url.PathEscape(id), nil, &doc)
	if code == http.StatusNotFound {
		return Alert{}, false, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Alert{}, false, err
	}
	if !doc.Source.Acked.IsZero() {
		return doc.Source, false, nil
	}
	doc.Source.Acked = at.UTC()
	path := fmt.Sprintf("/%s/_doc/%s?if_seq_no=%d&if_primary_term=%d&refresh=wait_for", url.PathEscape(a.index()), url.PathEscape(id), doc.SeqNo, doc.Term)
	code, err = a.do(ctx, http.MethodPut, path, doc.Source, nil)
	if code == http.StatusConflict {
		return Alert{}, true, nil // changed meanwhile: read again
	}
	return doc.Source, false, err
}

// mapping of the alerts index: identifiers as keywords, times as dates.
var archiveMapping = map[string]any{"mappings": map[string]any{"properties": map[string]any{
	"id": kw, "key": kw, "rule": kw, "kind": kw, "severity": kw, "market": kw, "subject": kw,
	"listing_ids": kw, "vendor_ids": kw, "linked": kw, "entities": kw, "class": kw, "family": kw, "url": kw,
	"summary": map[string]string{"type": "text"}, "change_pct": map[string]string{"type": "float"},
	"first_seen": date, "raised": date, "acked": date,
}}}

var (
	kw   = map[string]string{"type": "keyword"}
	date = map[string]string{"type": "date"}
)

// ensure creates the index with its mapping unless it exists (another process may create
// it at the same time: then it exists).
func (a *Archive) ensure(ctx context.Context) error {
	if a.ready.Load() {
		return nil
	}
	exists := func() bool {
		code, _ := a.do(ctx, http.MethodHead, "/"+url.PathEscape(a.index()), nil, nil)
		return code == http.StatusOK
	}
	if !exists() {
		if _, err := a.do(ctx, http.MethodPut, "/"+url.PathEscape(a.index()), archiveMapping, nil); err != nil && !exists() {
			return err
		}
	}
	a.ready.Store(true)
	return nil
}
