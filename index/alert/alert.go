package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
)

// Alert kinds (DESIGN.md §10).
const (
	KindNewVendor         = "new_vendor"
	KindNewSubstance      = "new_substance"
	KindVendorOnNewMarket = "vendor_on_new_market"
	KindWatch             = "watch"
	KindPriceChange       = "price_change"
	KindListingGone       = "listing_gone"
)

// Kinds lists every rule kind.
var Kinds = []string{KindNewVendor, KindNewSubstance, KindVendorOnNewMarket, KindWatch, KindPriceChange, KindListingGone}

// Scopes of novelty.
const (
	ScopeMarket = "market" // first time on this market (default)
	ScopeGlobal = "global" // first time anywhere
)

// Severities.
const (
	SeverityInfo     = "info"
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// ErrBadRule is returned by New for an invalid rule.
var ErrBadRule = errors.New("alert: bad rule")

// Rule selects events to alert on. Within one slice field values are ORed; fields ANDed;
// an empty field is no constraint.
type Rule struct {
	Name     string
	Kind     string   // one of Kinds
	Scope    string   // ScopeMarket (default) or ScopeGlobal (new_vendor, new_substance)
	Markets  []string // market names
	Classes  []string // substance classes (DESIGN.md §10)
	Families []string // NPS families
	Severity string   // default info
	// Watch rules (a saved search over listings).
	Query      string   // free text: every term must occur in title or description
	Substances []string // canonical names
	Vendors    []string // vendor ids (market/handle) or handles
	Countries  []string // ships_from or ships_to, ISO alpha-2 or WW
	Entities   []string // PGP fingerprint, crypto address or contact, in the listing or its vendor
	// ThresholdPct is the minimum relative price move of a price_change rule, in percent
	// (0: any move).
	ThresholdPct float64
	// Notify names the notifiers of this rule's alerts; empty means all.
	Notify []string
}

func (r *Rule) validate(notifiers []string) error {
	if r.Name == "" {
		return fmt.Errorf("%w: a rule has no name", ErrBadRule)
	}
	if !slices.Contains(Kinds, r.Kind) {
		return fmt.Errorf("%w: rule %q: unknown kind %q", ErrBadRule, r.Name, r.Kind)
	}
	switch r.Scope {
	case "":
		r.Scope = ScopeMarket
	case ScopeMarket, ScopeGlobal:
	default:
		return fmt.Errorf("%w: rule %q: unknown scope %q", ErrBadRule, r.Name, r.Scope)
	}
	switch r.Severity {
	case "":
		r.Severity = SeverityInfo
	case SeverityInfo, SeverityWarning, SeverityCritical:
	default:
		return fmt.Errorf("%w: rule %q: unknown severity %q", ErrBadRule, r.Name, r.Severity)
	}
	if r.ThresholdPct < 0 {
		return fmt.Errorf("%w: rule %q: negative threshold_pct", ErrBadRule, r.Name)
	}
	for _, n := range r.Notify {
		if !slices.Contains(notifiers, n) {
			return fmt.Errorf("%w: rule %q: unknown notifier %q", ErrBadRule, r.Name, n)
		}
	}
	low := func(v []string) []string {
		out := make([]string, 0, len(v))
		for _, s := range v {
			if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	r.Classes, r.Families, r.Substances, r.Vendors = low(r.Classes), low(r.Families), low(r.Substances), low(r.Vendors)
	for i, c := range r.Countries {
		r.Countries[i] = strings.ToUpper(strings.TrimSpace(c))
	}
	return nil
}

// Alert is one raised alert with its evidence.
type Alert struct {
	ID       string `json:"id"`  // stable: derived from Key
	Key      string `json:"key"` // the novelty key of the event, plus the rule
	Rule     string `json:"rule"`
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Market   string `json:"market,omitempty"`
	// Subject is what the alert is about: the vendor id (new_vendor), the canonical
	// substance name (new_substance), the actor id (vendor_on_new_market), the listing id
	// (watch, price_change, listing_gone).
	Subject    string   `json:"subject"`
	Summary    string   `json:"summary"`
	ListingIDs []string `json:"listing_ids,omitempty"`
	VendorIDs  []string `json:"vendor_ids,omitempty"`
	// Linked are the vendors on other markets that share an entity (vendor_on_new_market).
	Linked   []string `json:"linked,omitempty"`
	Entities []string `json:"entities,omitempty"` // the shared entities
	// Substance fields (new_substance).
	Class  string `json:"class,omitempty"`
	Family string `json:"family,omitempty"`
	// Price fields (price_change).
	OldPrice  *record.Price   `json:"old_price,omitempty"`
	NewPrice  *record.Price   `json:"new_price,omitempty"`
	ChangePct float64         `json:"change_pct,omitempty"`
	URL       string          `json:"url,omitempty"`
	Capture   *record.Capture `json:"capture,omitempty"` // evidence: WARC record and payload SHA-256
	FirstSeen time.Time       `json:"first_seen"`
	Raised    time.Time       `json:"raised"`
	Acked     time.Time       `json:"acked,omitzero"`
}

// alertID derives a stable alert id from its key.
func alertID(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:10])
}

// DedupKey is the stable key of one delivery of an alert to a notifier: receivers may use it
// to drop a redelivery.
func DedupKey(alertID, notifier string) string { return alertID + ":" + notifier }
