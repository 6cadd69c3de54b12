package alert

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNotFound is returned for an unknown alert id.
var ErrNotFound = errors.New("alert: not found")

var (
	bAlerts    = []byte("alerts")
	bOutbox    = []byte("outbox")    // dedup key -> Entry, pending deliveries
	bDelivered = []byte("delivered") // dedup key -> Entry, done
)

// Entry is one delivery of an alert to one notifier.
type Entry struct {
	Key       string    `json:"key"` // DedupKey(alert id, notifier)
	AlertID   string    `json:"alert_id"`
	Notifier  string    `json:"notifier"`
	Attempts  int       `json:"attempts"`
	Next      time.Time `json:"next"` // not before
	LastError string    `json:"last_error,omitempty"`
	Done      time.Time `json:"done,omitzero"`
}

// Log is the durable alert log and delivery outbox: a bbolt file. Every write is one
// fsynced transaction. The file is opened for each operation and closed right after, so
// several processes (a crawl, the API server, the CLI) share it: bbolt's file lock
// serialises them (readers share it). Safe for concurrent use.
type Log struct {
	path    string
	timeout time.Duration
	mu      sync.Mutex
	closed  bool
}

// OpenLog creates the log file at path if needed and returns the Log. An operation waits
// up to timeout (0: 5s) for another process's transaction.
func OpenLog(path string, timeout time.Duration) (*Log, error) {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("alert log: %w", err)
	}
	l := &Log{path: path, timeout: timeout}
	err := l.tx(true, func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bAlerts, bOutbox, bDelivered} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// ErrLogClosed is returned after Close.
var ErrLogClosed = errors.New("alert: log closed")

// tx runs fn in a transaction on the file, opened for this call only.
func (l *Log) tx(write bool, fn func(*bolt.Tx) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrLogClosed
	}
	_, statErr := os.Stat(l.path)
	ro := !write && statErr == nil
	db, err := bolt.Open(l.path, 0o600, &bolt.Options{Timeout: l.timeout, ReadOnly: ro})
	if err != nil {
		return fmt.Errorf("alert log %s: %w", l.path, err)
	}
	if write {
		err = db.Update(fn)
	} else {
		err = db.View(fn)
	}
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("alert log %s: %w", l.path, cerr)
	}
	return err
}

// Close makes every later call fail with ErrLogClosed. It is idempotent.
func (l *Log) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	return nil
}

// Add stores the alerts not stored yet (by ID) and, in the same transaction, one outbox
// entry per alert and notifier (notifiers(a) names them). It returns the alerts added.
func (l *Log) Add(alerts []Alert, notifiers func(Alert) []string) ([]Alert, error) {
	var added []Alert
	err := l.tx(true, func(tx *bolt.Tx) error {
		added = added[:0]
		ab, ob := tx.Bucket(bAlerts), tx.Bucket(bOutbox)
		for _, a := range alerts {
			if ab.Get([]byte(a.ID)) != nil {
				continue
			}
			raw, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if err := ab.Put([]byte(a.ID), raw); err != nil {
				return err
			}
			for _, n := range notifiers(a) {
				e := Entry{Key: DedupKey(a.ID, n), AlertID: a.ID, Notifier: n, Next: a.Raised}
				raw, err := json.Marshal(e)
				if err != nil {
					return err
				}
				if err := ob.Put([]byte(e.Key), raw); err != nil {
					return err
				}
			}
			added = append(added, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("alert log: add: %w", err)
	}
	return added, nil
}

// List returns the alerts raised at or after since (zero: all), oldest first.
func (l *Log) List(since time.Time) ([]Alert, error) {
	var out []Alert
	err := l.tx(false, func(tx *bolt.Tx) error {
		return tx.Bucket(bAlerts).ForEach(func(_, v []byte) error {
			var a Alert
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			if !a.Raised.Before(since) {
				out = append(out, a)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("alert log: list: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Alert) int {
		if c := a.Raised.Compare(b.Raised); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Get returns one alert.
func (l *Log) Get(id string) (Alert, error) {
	var a Alert
	err := l.tx(false, func(tx *bolt.Tx) error {
		v := tx.Bucket(bAlerts).Get([]byte(id))
		if v == nil {
			return fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return json.Unmarshal(v, &a)
	})
	return a, err
}

// Ack marks an alert acknowledged at at (idempotent: the first time is kept).
func (l *Log) Ack(id string, at time.Time) (Alert, error) {
	var a Alert
	err := l.tx(true, func(tx *bolt.Tx) error {
		b := tx.Bucket(bAlerts)
		v := b.Get([]byte(id))
		if v == nil {
			return fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		if !a.Acked.IsZero() {
			return nil
		}
		a.Acked = at.UTC()
		raw, err := json.Marshal(a)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), raw)
	})
	return a, err
}

// Due returns up to max pending outbox entries whose Next is not after now.
func (l *Log) Due(now time.Time, max int) ([]Entry, error) { return l.dueExcept(now, max, nil) }

// dueExcept is Due without the entries of the notifiers in skip.
func (l *Log) dueExcept(now time.Time, max int, skip map[string]bool) ([]Entry, error) {
	var out []Entry
	err := l.tx(false, func(tx *bolt.Tx) error {
		c := tx.Bucket(bOutbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < max; k, v = c.Next() {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if !e.Next.After(now) && !skip[e.Notifier] {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

// Pending returns every pending outbox entry.
func (l *Log) Pending() ([]Entry, error) { return l.entries(bOutbox) }

// Delivered returns every delivered entry.
func (l *Log) Delivered() ([]Entry, error) { return l.entries(bDelivered) }

// entries returns every entry of one bucket (outbox or delivered).
func (l *Log) entries(bucket []byte) ([]Entry, error) {
	var out []Entry
	err := l.tx(false, func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(_, v []byte) error {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}

// settle records the outcome of one delivery attempt: done moves the entry to the
// delivered bucket; otherwise it stays pending until next.
func (l *Log) settle(e Entry, done bool, at, next time.Time, errText string) error {
	return l.tx(true, func(tx *bolt.Tx) error {
		ob := tx.Bucket(bOutbox)
		if ob.Get([]byte(e.Key)) == nil {
			return nil // settled by someone else
		}
		e.Attempts++
		e.LastError = errText
		if done {
			e.Done = at.UTC()
			raw, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bDelivered).Put([]byte(e.Key), raw); err != nil {
				return err
			}
			return ob.Delete([]byte(e.Key))
		}
		e.Next = next
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return ob.Put([]byte(e.Key), raw)
	})
}
