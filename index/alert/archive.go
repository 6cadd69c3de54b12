package alert

import (
	"bytes"
	"context"
	"encoding/json"
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
	URL      string // base URL of the cluster
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
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(a.URL, "/")+path, r)
	if err != nil {
		return 0, fmt.Errorf("alert archive: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if a.Username != "" {
		req.SetBasicAuth(a.Username, a.Password)
	}
	c := a.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("alert archive: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
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
		var res struct {
			Hits struct {
				Hits []struct {
					Source Alert `json:"_source"`
					Sort   []any `json:"sort"`
				} `json:"hits"`
			} `json:"hits"`
		}
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
		return compareStr(x.ID, y.ID)
	})
	return out, nil
}

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
