package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Migrate creates or updates the index templates, the versioned indices and their
// aliases. It is idempotent and safe to run from several processes at once. When the
// alias of a kind points at an older version, the documents are copied into the new index
// and the alias is moved atomically; writers should be stopped during such a migration
// (writes landing in the old index after the copy would stay there).
func (s *Store) Migrate(ctx context.Context) error {
	scaled, err := s.hasScaledFloat(ctx)
	if err != nil {
		return fmt.Errorf("elastic: migrate: %w", err)
	}
	maps := mappings(scaled)
	errs := make([]error, len(kinds))
	var wg sync.WaitGroup
	for i, kind := range kinds {
		wg.Go(func() {
			if err := s.migrateKind(ctx, kind, versions[kind], maps[kind]); err != nil {
				errs[i] = fmt.Errorf("elastic: migrate %s: %w", kind, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// hasScaledFloat reports whether the cluster provides scaled_float (module mapper-extras,
// present in every distribution but the minimal test one).
func (s *Store) hasScaledFloat(ctx context.Context) (bool, error) {
	var out struct {
		Nodes map[string]struct {
			Modules []struct {
				Name string `json:"name"`
			} `json:"modules"`
		} `json:"nodes"`
	}
	if err := s.call(ctx, http.MethodGet, "/_nodes/plugins?filter_path=nodes.*.modules.name", nil, &out); err != nil {
		return false, fmt.Errorf("list modules: %w", err)
	}
	if len(out.Nodes) == 0 {
		return false, nil
	}
	for _, n := range out.Nodes {
		found := false
		for _, mod := range n.Modules {
			if mod.Name == "mapper-extras" {
				found = true
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}

func (s *Store) migrateKind(ctx context.Context, kind string, version int, mapping m) error {
	alias := s.Alias(kind)
	target := s.indexName(kind, version)
	tmpl := m{
		"index_patterns": []string{alias + "-v*"},
		"priority":       200,
		"template": m{
			"settings": m{"number_of_shards": 1, "auto_expand_replicas": s.opts.Replicas},
			"mappings": mapping,
		},
		"_meta": m{"managed_by": "darkwatch", "kind": kind, "version": version},
	}
	if err := s.call(ctx, http.MethodPut, "/_index_template/"+alias, tmpl, nil); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	current, err := s.aliasTargets(ctx, alias)
	if err != nil {
		return err
	}
	if len(current) == 1 && current[0] == target {
		// Same version: apply compatible additions to the mapping.
		if err := s.call(ctx, http.MethodPut, "/"+target+"/_mapping", mapping, nil); err != nil {
			return fmt.Errorf("update mapping: %w", err)
		}
		return nil
	}
	if err := s.call(ctx, http.MethodPut, "/"+target, m{}, nil); err != nil &&
		!(statusOf(err) == 400 && strings.Contains(err.Error(), "resource_already_exists_exception")) {
		return fmt.Errorf("create %s: %w", target, err)
	}
	actions := []m{}
	for _, old := range current {
		if old == target {
			continue
		}
		if err := s.call(ctx, http.MethodPost, "/"+old+"/_refresh", nil, nil); err != nil {
			return fmt.Errorf("refresh %s: %w", old, err)
		}
		n, err := s.copyIndex(ctx, old, target)
		if err != nil {
			return fmt.Errorf("copy %s to %s: %w", old, target, err)
		}
		s.log.Info("index_migrated", "from", old, "to", target, "docs", n)
		actions = append(actions, m{"remove": m{"index": old, "alias": alias}})
	}
	actions = append(actions, m{"add": m{"index": target, "alias": alias, "is_write_index": true}})
	if err := s.call(ctx, http.MethodPost, "/_aliases", m{"actions": actions}, nil); err != nil {
		return fmt.Errorf("move alias: %w", err)
	}
	return nil
}

func (s *Store) aliasTargets(ctx context.Context, alias string) ([]string, error) {
	var out map[string]any
	err := s.call(ctx, http.MethodGet, "/_alias/"+url.PathEscape(alias), nil, &out)
	if statusOf(err) == 404 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get alias: %w", err)
	}
	var names []string
	for k := range out {
		names = append(names, k)
	}
	sort.Strings(names)
	return names, nil
}

// copyIndex copies every document of from into to (same _id) with scroll + bulk: the
// minimal distributions have no _reindex.
func (s *Store) copyIndex(ctx context.Context, from, to string) (int, error) {
	type page struct {
		ScrollID string `json:"_scroll_id"`
		Hits     struct {
			Hits []struct {
				ID     string          `json:"_id"`
				Source json.RawMessage `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	var p page
	if err := s.call(ctx, http.MethodPost, "/"+from+"/_search?scroll=2m", m{"size": 1000, "sort": []string{"_doc"}}, &p); err != nil {
		return 0, err
	}
	n := 0
	defer func() {
		if p.ScrollID != "" {
			_ = s.call(ctx, http.MethodDelete, "/_search/scroll", m{"scroll_id": p.ScrollID}, nil)
		}
	}()
	for len(p.Hits.Hits) > 0 {
		var buf bytes.Buffer
		for _, h := range p.Hits.Hits {
			meta, _ := json.Marshal(m{"index": m{"_index": to, "_id": h.ID}})
			buf.Write(meta)
			buf.WriteByte('\n')
			buf.Write(h.Source)
			buf.WriteByte('\n')
		}
		var br struct {
			Errors bool `json:"errors"`
		}
		if err := s.call(ctx, http.MethodPost, "/_bulk", buf.Bytes(), &br); err != nil {
			return n, err
		}
		if br.Errors {
			return n, fmt.Errorf("bulk copy reported item errors")
		}
		n += len(p.Hits.Hits)
		id := p.ScrollID
		p = page{}
		if err := s.call(ctx, http.MethodPost, "/_search/scroll", m{"scroll": "2m", "scroll_id": id}, &p); err != nil {
			return n, err
		}
	}
	return n, nil
}

// DeleteAll removes every index, alias and template of the prefix (tests, reset).
func (s *Store) DeleteAll(ctx context.Context) error {
	for _, kind := range kinds {
		alias := s.Alias(kind)
		if err := s.call(ctx, http.MethodDelete, "/"+alias+"-v*", nil, nil); err != nil && statusOf(err) != 404 {
			return fmt.Errorf("elastic: delete %s: %w", alias, err)
		}
		if err := s.call(ctx, http.MethodDelete, "/_index_template/"+alias, nil, nil); err != nil && statusOf(err) != 404 {
			return fmt.Errorf("elastic: delete template %s: %w", alias, err)
		}
	}
	return nil
}
