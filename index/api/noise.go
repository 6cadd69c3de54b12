package api

import (
	"maps"
	"sync"
	"time"
)

// noise bounds the audit lines unauthenticated clients can cause (bad tokens, failed
// logins): each client address may write budget entries per window; beyond it the events
// are counted and written as one "suppressed" entry per address and window (when the window
// ends and the address is seen again, when the table sweeps, or at Close). Nothing is lost
// from the counts; the file cannot be inflated by one client.
type noise struct {
	mu        sync.Mutex
	budget    int
	window    time.Duration
	max       int
	m         map[string]*noiseRec
	lastSweep time.Time
}

type noiseRec struct {
	remote     string
	start      time.Time
	n          int
	suppressed map[string]int
}

func newNoise(budget int, window time.Duration, max int) *noise {
	return &noise{budget: budget, window: window, max: max, m: map[string]*noiseRec{}}
}

// summary is the "suppressed" entry of rec, or false when nothing was suppressed.
func (rec *noiseRec) summary(now time.Time) (AuditEntry, bool) {
	if len(rec.suppressed) == 0 {
		return AuditEntry{}, false
	}
	return AuditEntry{Time: now.UTC(), Event: "suppressed", Remote: rec.remote, Suppressed: maps.Clone(rec.suppressed)}, true
}

// admit reports whether an unauthenticated event of the address key may be written; due
// summaries come back to be written first.
func (n *noise) admit(key, remote, event string, now time.Time) (bool, []AuditEntry) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var due []AuditEntry
	if now.Sub(n.lastSweep) >= n.window {
		due = n.sweep(now, false)
		n.lastSweep = now
	}
	rec := n.m[key]
	if rec != nil && now.Sub(rec.start) >= n.window {
		if e, ok := rec.summary(now); ok {
			due = append(due, e)
		}
		rec = nil
	}
	if rec == nil {
		if len(n.m) >= n.max {
			due = append(due, n.sweep(now, false)...)
		}
		if len(n.m) >= n.max { // still full: the oldest window goes, its summary written
			var ok string
			for k, r := range n.m {
				if ok == "" || r.start.Before(n.m[ok].start) {
					ok = k
				}
			}
			if e, has := n.m[ok].summary(now); has {
				due = append(due, e)
			}
			delete(n.m, ok)
		}
		rec = &noiseRec{remote: remote, start: now}
		n.m[key] = rec
	}
	if rec.n < n.budget {
		rec.n++
		return true, due
	}
	if rec.suppressed == nil {
		rec.suppressed = map[string]int{}
	}
	rec.suppressed[event]++
	return false, due
}

// sweep drops the ended windows (all of them with all) and returns their summaries.
func (n *noise) sweep(now time.Time, all bool) []AuditEntry {
	var due []AuditEntry
	for k, rec := range n.m {
		if all || now.Sub(rec.start) >= n.window {
			if e, ok := rec.summary(now); ok {
				due = append(due, e)
			}
			delete(n.m, k)
		}
	}
	return due
}

// flush returns every pending summary (at Close).
func (n *noise) flush(now time.Time) []AuditEntry {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sweep(now, true)
}
