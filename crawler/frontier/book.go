package frontier

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// The book is a small table beside the Redis frontier, one hash per market (key: a URL),
// shared by every crawl process of the frontier: the crawler keeps its card book there
// (crawler.SharedCards), so that a card one process saw vouches for a listing another
// process fetched. An entry is a set of fields, each a register of a version (a Unix time in
// milliseconds) and a value; BookMerge keeps, per field, the value of the larger version in
// one atomic step (Lua), so processes updating one entry at once never lose each other's
// newer fields.

// BookField is one field of a book entry.
type BookField struct {
	V int64  // version: the larger one wins a merge
	S string // value
}

// MarshalJSON encodes a field as [version, value] (the form the merge script reads).
func (f BookField) MarshalJSON() ([]byte, error) { return json.Marshal([2]any{f.V, f.S}) }

// UnmarshalJSON decodes [version, value].
func (f *BookField) UnmarshalJSON(b []byte) error {
	var a [2]json.RawMessage
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	var v float64 // the merge script writes numbers as Lua doubles
	if err := json.Unmarshal(a[0], &v); err != nil {
		return err
	}
	f.V = int64(v)
	return json.Unmarshal(a[1], &f.S)
}

func (r *Redis) bookKey(market string) string { return r.mkey(market) + "book" }

// luaBookMerge merges the entries ARGV (key, JSON fields, key, JSON fields...) into the hash
// KEYS[1]: per field, the register with the larger version stays.
var luaBookMerge = redis.NewScript(`
for i = 1, #ARGV, 2 do
  local new = cjson.decode(ARGV[i+1])
  local old = redis.call('HGET', KEYS[1], ARGV[i])
  if old then
    for k, v in pairs(cjson.decode(old)) do
      local n = new[k]
      if n == nil or n[1] < v[1] then new[k] = v end
    end
  end
  redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(new))
end
return 0
`)

// BookMerge merges entries into market's book (see above).
func (r *Redis) BookMerge(ctx context.Context, market string, entries map[string]map[string]BookField) error {
	if len(entries) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(entries))
	for k, fs := range entries {
		if len(fs) == 0 {
			continue
		}
		b, err := json.Marshal(fs)
		if err != nil {
			return fmt.Errorf("book %s: %w", market, err)
		}
		args = append(args, k, string(b))
	}
	if len(args) == 0 {
		return nil
	}
	if err := luaBookMerge.Run(ctx, r.c, []string{r.bookKey(market)}, args...).Err(); err != nil {
		return fmt.Errorf("book %s: %w", market, err)
	}
	return nil
}

// BookGet returns the entries of these keys that market's book holds.
func (r *Redis) BookGet(ctx context.Context, market string, keys []string) (map[string]map[string]BookField, error) {
	out := make(map[string]map[string]BookField, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	vs, err := r.c.HMGet(ctx, r.bookKey(market), keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("book %s: %w", market, err)
	}
	for i, v := range vs {
		s, ok := v.(string)
		if !ok {
			continue
		}
		var fs map[string]BookField
		if err := json.Unmarshal([]byte(s), &fs); err != nil {
			continue // a damaged entry counts as missing: its listing is fetched
		}
		out[keys[i]] = fs
	}
	return out, nil
}

// BookDelete removes keys from market's book.
func (r *Redis) BookDelete(ctx context.Context, market string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if err := r.c.HDel(ctx, r.bookKey(market), keys...).Err(); err != nil {
		return fmt.Errorf("book %s: %w", market, err)
	}
	return nil
}

// BookEach calls fn for every entry of market's book (HSCAN: an entry merged during the
// scan may be seen twice or not at all) until fn returns false.
func (r *Redis) BookEach(ctx context.Context, market string, fn func(key string, fields map[string]BookField) bool) error {
	var cursor uint64
	for {
		kv, next, err := r.c.HScan(ctx, r.bookKey(market), cursor, "", 500).Result()
		if err != nil {
			return fmt.Errorf("book %s: %w", market, err)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			var fs map[string]BookField
			if err := json.Unmarshal([]byte(kv[i+1]), &fs); err != nil {
				continue
			}
			if !fn(kv[i], fs) {
				return nil
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}
