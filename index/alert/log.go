package alert

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
// fsynced transaction. Safe for concurrent use; one process at a time (bbolt file lock).
type Log struct {
	db *bolt.DB
}

// OpenLog opens (creating) the log file at path. A file held by another process makes it
// fail after timeout (0: 2s).
func OpenLog(path string, timeout time.Duration) (*Log, error) {
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("alert log: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("alert log %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bAlerts, bOutbox, bDelivered} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("alert log %s: %w", path, err)
	}
	return &Log{db: db}, nil
}

// Close closes the file. It is idempotent.
func (l *Log) Close() error {
	if l == nil || l.db == nil {
		return nil
	}
	return l.db.Close()
}

// Add stores the alerts not stored yet (by ID) and, in the same transaction, one outbox
// entry per alert and notifier (notifiers(a) names them). It returns the alerts added.
func (l *Log) Add(alerts []Alert, notifiers func(Alert) []string) ([]Alert, error) {
	var added []Alert
	err := l.db.Update(func(tx *bolt.Tx) error {
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
	err := l.db.View(func(tx *bolt.Tx) error {
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
		return compareStr(a.ID, b.ID)
	})
	return out, nil
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Get returns one alert.
func (l *Log) Get(id string) (Alert, error) {
	var a Alert
	err := l.db.View(func(tx *bolt.Tx) error {
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
	err := l.db.Update(func(tx *bolt.Tx) error {
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
func (l *Log) Due(now time.Time, max int) ([]Entry, error) {
	var out []Entry
	err := l.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bOutbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < max; k, v = c.Next() {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if !e.Next.After(now) {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

// Pending returns every pending outbox entry.
func (l *Log) Pending() ([]Entry, error) {
	var out []Entry
	err := l.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bOutbox).ForEach(func(_, v []byte) error {
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

// Delivered returns every delivered entry.
func (l *Log) Delivered() ([]Entry, error) {
	var out []Entry
	err := l.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bDelivered).ForEach(func(_, v []byte) error {
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
	return l.db.Update(func(tx *bolt.Tx) error {
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
