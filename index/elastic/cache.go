package elastic

import (
	"sync"

	"github.com/darkwatch/darkwatch/extract/record"
)

// maxCached bounds each cache; when full it is emptied (entries are only hints: a stale
// one costs a version conflict and a re-read, never a wrong merge).
const maxCached = 1 << 20

type cachedVendor struct {
	v               record.Vendor
	seqNo, primTerm int64
}

// writeCache remembers what this process wrote, to skip reads on the next put.
type writeCache struct {
	mu       sync.Mutex
	listings map[string]struct{}
	vendors  map[string]cachedVendor
}

func (c *writeCache) knownListing(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.listings[id]
	return ok
}

func (c *writeCache) addListing(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.listings == nil || len(c.listings) >= maxCached {
		c.listings = map[string]struct{}{}
	}
	c.listings[id] = struct{}{}
}

func (c *writeCache) vendor(id string) (cachedVendor, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vendors[id]
	return v, ok
}

func (c *writeCache) putVendor(v record.Vendor, seq, term int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.vendors == nil || len(c.vendors) >= maxCached {
		c.vendors = map[string]cachedVendor{}
	}
	if old, ok := c.vendors[v.ID]; ok && old.seqNo > seq {
		return // a later write of this process already landed
	}
	c.vendors[v.ID] = cachedVendor{v: v, seqNo: seq, primTerm: term}
}

func (c *writeCache) forgetVendor(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.vendors, id)
}
