package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/darkwatch/darkwatch/extract/record"
	"github.com/darkwatch/darkwatch/extract/substance"
	"github.com/darkwatch/darkwatch/index"
	"github.com/darkwatch/darkwatch/internal/runonce"
)

// Options configure an Engine. Zero values mean the defaults in brackets.
type Options struct {
	Rules     []Rule
	Store     index.Store // novelty, vendors, observations (required)
	Log       *Log        // alert log and outbox; nil: opened at LogPath
	LogPath   string      // e.g. <data_dir>/alerts.db
	Notifiers []Notifier
	// Archive, when set, receives every alert through the outbox (whatever the rules'
	// notify lists): e.g. *Archive, the Elasticsearch alerts index.
	Archive Notifier
	Logger  *slog.Logger
	Now     func() time.Time // [time.Now]
	// RetryBase and RetryMax bound the outbox's exponential backoff [1s, 5m].
	RetryBase, RetryMax time.Duration
	// Poll is how often the outbox is scanned for due retries [1s].
	Poll time.Duration
	// DeliveryTimeout bounds one delivery [30s].
	DeliveryTimeout time.Duration
}

// Page is what the engine sees of one stored page.
type Page struct {
	Market   string
	URL      string
	Status   int  // HTTP status
	NotFound bool // the extractor classified the page as not_found
	// Cards: the listings were read from cards of a category, search or vendor page, not
	// from their own pages. Their prices raise no price_change (a card may show a "from"
	// price; the price history holds listing-page sightings, see index.FullOnly).
	Cards    bool
	Listings []record.Listing
	Vendors  []record.Vendor
	Capture  record.Capture
}

// Engine derives alerts from stored pages and delivers them. Safe for concurrent use.
type Engine struct {
	opts      Options
	log       *slog.Logger
	alog      *Log
	ownLog    bool
	notifiers map[string]Notifier
	names     []string
	kinds     map[string]bool

	deliverMu sync.Mutex
	wake      chan struct{}

	run       runonce.Guard
	closeOnce sync.Once
}

// New validates the rules and opens the log (when Options.Log is nil). It starts nothing:
// Run delivers in the background, Flush delivers once.
func New(opts Options) (*Engine, error) {
	if opts.Store == nil {
		return nil, errors.New("alert: Store is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 5 * time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.DeliveryTimeout <= 0 {
		opts.DeliveryTimeout = 30 * time.Second
	}
	e := &Engine{opts: opts, log: opts.Logger, notifiers: map[string]Notifier{}, kinds: map[string]bool{},
		wake: make(chan struct{}, 1)}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	for _, n := range opts.Notifiers {
		if n.Name() == "" {
			return nil, errors.New("alert: a notifier has no name")
		}
		if _, dup := e.notifiers[n.Name()]; dup {
			return nil, fmt.Errorf("alert: duplicate notifier %q", n.Name())
		}
		e.notifiers[n.Name()] = n
		e.names = append(e.names, n.Name())
	}
	if opts.Archive != nil {
		if _, dup := e.notifiers[opts.Archive.Name()]; dup {
			return nil, fmt.Errorf("alert: notifier name %q is the archive's", opts.Archive.Name())
		}
		e.notifiers[opts.Archive.Name()] = opts.Archive
	}
	rules := slices.Clone(opts.Rules)
	seen := map[string]bool{}
	for i := range rules {
		if err := rules[i].validate(e.names); err != nil {
			return nil, err
		}
		if seen[rules[i].Name] {
			return nil, fmt.Errorf("%w: duplicate rule name %q", ErrBadRule, rules[i].Name)
		}
		seen[rules[i].Name] = true
		e.kinds[rules[i].Kind] = true
	}
	e.opts.Rules = rules
	e.alog = opts.Log
	if e.alog == nil {
		if opts.LogPath == "" {
			return nil, errors.New("alert: Log or LogPath is required")
		}
		l, err := OpenLog(opts.LogPath, 0)
		if err != nil {
			return nil, err
		}
		e.alog, e.ownLog = l, true
	}
	return e, nil
}

// Log returns the engine's alert log.
func (e *Engine) Log() *Log { return e.alog }

// Rules returns the validated rules.
func (e *Engine) Rules() []Rule { return slices.Clone(e.opts.Rules) }

// Close stops a running Run and waits for it, and closes the log when the engine opened
// it. Idempotent.
func (e *Engine) Close() error {
	var err error
	e.closeOnce.Do(func() {
		e.run.Stop()
		if e.ownLog {
			err = e.alog.Close()
		}
	})
	return err
}

// event is one novelty decided by the store, before rules are applied.
type event struct {
	kind   string
	scope  string // market or global (new_vendor, new_substance)
	key    string // novelty key
	rule   string // watch only: the rule the event belongs to
	alert  Alert  // prototype
	market string
	// classes returns, lazily, the substance classes and families of the subject (for the
	// rules' class and family filters)
	classes func(ctx context.Context) (classes, families []string)
	pct     float64
}

// ObservePage derives the page's events, asks the store which are new, matches the rules
// and stores the resulting alerts with their outbox entries. It returns once they are
// durable.
func (e *Engine) ObservePage(ctx context.Context, p Page) error {
	// Events decided before a failure are stored before the error is returned: their
	// novelty keys are taken, so a retry of the page would not raise them again.
	var evs []event
	var ferr error
	add := func(ev []event, err error) bool {
		evs = append(evs, ev...)
		if err != nil {
			ferr = err
		}
		return ferr == nil
	}
	func() {
		for _, v := range p.Vendors {
			if v.Market == "" {
				v.Market = p.Market
			}
			if !add(e.vendorEvents(ctx, p, v)) {
				return
			}
		}
		if !add(e.substanceEvents(ctx, p)) {
			return
		}
		for _, l := range p.Listings {
			if e.kinds[KindPriceChange] && !p.Cards && !add(e.priceEvent(ctx, p, l)) {
				return
			}
			if e.kinds[KindWatch] && !add(e.watchEvents(ctx, p, l)) {
				return
			}
			if l.Status == record.StatusGone && e.kinds[KindListingGone] && !add(e.goneEvent(ctx, p, l.ID)) {
				return
			}
		}
		if e.kinds[KindListingGone] && len(p.Listings) == 0 && (p.NotFound || p.Status == http.StatusNotFound || p.Status == http.StatusGone) {
			if k := record.URLKey(p.URL); k != "" {
				add(e.goneEvent(ctx, p, p.Market+"/"+k))
			}
		}
	}()
	if err := e.raise(ctx, evs); err != nil {
		return errors.Join(ferr, err)
	}
	return ferr
}

// raise matches the events against the rules and stores the alerts with their outbox
// entries (one transaction).
func (e *Engine) raise(ctx context.Context, evs []event) error {
	if len(evs) == 0 {
		return nil
	}
	alerts := e.match(ctx, evs)
	if len(alerts) == 0 {
		return nil
	}
	added, err := e.alog.Add(alerts, e.notifiersOf)
	if err != nil {
		return err
	}
	for _, a := range added {
		e.log.Info("alert_raised", "alert_id", a.ID, "kind", a.Kind, "rule", a.Rule, "market", a.Market, "subject", a.Subject)
	}
	if len(added) > 0 {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

func (e *Engine) notifiersOf(a Alert) []string {
	ns := e.names
	for _, r := range e.opts.Rules {
		if r.Name == a.Rule && len(r.Notify) > 0 {
			ns = r.Notify
		}
	}
	if e.opts.Archive != nil {
		ns = append(slices.Clone(ns), e.opts.Archive.Name())
	}
	return ns
}

// novel asks the store whether key is new.
func (e *Engine) novel(ctx context.Context, key string, ev index.Evidence) (bool, error) {
	ok, err := e.opts.Store.Novel(ctx, key, ev)
	if err != nil {
		return false, fmt.Errorf("alert: novelty %s: %w", key, err)
	}
	return ok, nil
}

func captureOf(p Page, c *record.Capture) *record.Capture {
	if c != nil && c.SHA256 != "" {
		cc := *c
		return &cc
	}
	if p.Capture.SHA256 == "" && p.Capture.WARC == "" {
		return nil
	}
	cc := p.Capture
	return &cc
}

func (e *Engine) seenAt(p Page, t time.Time) time.Time {
	if !t.IsZero() {
		return t.UTC()
	}
	if !p.Capture.Time.IsZero() {
		return p.Capture.Time.UTC()
	}
	return e.opts.Now().UTC()
}

// linkEntities are the values that tie a vendor account to an operator.
func linkEntities(v record.Vendor) []string {
	var out []string
	out = append(out, v.PGP...)
	for _, en := range v.Entities {
		out = append(out, en.Value)
	}
	return index.Uniq(out)
}

func (e *Engine) vendorEvents(ctx context.Context, p Page, v record.Vendor) ([]event, error) {
	if v.ID == "" {
		return nil, nil
	}
	var out []event
	capt := captureOf(p, v.Capture)
	first := e.seenAt(p, v.FirstSeen)
	ev := index.Evidence{VendorIDs: []string{v.ID}, Market: v.Market, Time: first}
	if capt != nil {
		ev.SHA256 = capt.SHA256
	}
	proto := Alert{Kind: KindNewVendor, Market: v.Market, Subject: v.ID, VendorIDs: []string{v.ID}, URL: v.URL,
		Capture: capt, FirstSeen: first}
	classes := e.vendorClasses(p, v.ID)
	key := "new_vendor/m/" + v.ID
	ok, err := e.novel(ctx, key, ev)
	if err != nil {
		return out, err
	}
	if ok {
		a := proto
		a.Summary = fmt.Sprintf("new vendor %s on %s", v.Handle, v.Market)
		out = append(out, event{kind: KindNewVendor, scope: ScopeMarket, key: key, alert: a, market: v.Market, classes: classes})
	}
	if h := strings.ToLower(v.Handle); h != "" {
		key := "new_vendor/g/" + h
		ok, err := e.novel(ctx, key, ev)
		if err != nil {
			return out, err
		}
		if ok {
			a := proto
			a.Summary = fmt.Sprintf("new vendor handle %s (first on %s)", v.Handle, v.Market)
			out = append(out, event{kind: KindNewVendor, scope: ScopeGlobal, key: key, alert: a, market: v.Market, classes: classes})
		}
	}
	// Operator on a new market: an entity of this vendor is new on this market (exactly one
	// caller wins that key) and was already held on another market (the winner of
	// entity/m is the only caller of entity/g for its market, so a lost entity/g means
	// another market got there first).
	var shared []string
	for _, val := range linkEntities(v) {
		ok, err := e.novel(ctx, "entity/m/"+v.Market+"/"+val, ev)
		if err != nil {
			return out, err
		}
		if !ok {
			continue
		}
		anywhere, err := e.novel(ctx, "entity/g/"+val, ev)
		if err != nil {
			return out, err
		}
		if !anywhere {
			shared = append(shared, val)
		}
	}
	if len(shared) == 0 {
		return out, nil
	}
	key = "vendor_on_new_market/" + v.Market + "/" + v.ID
	ok, err = e.novel(ctx, key, ev)
	if err != nil || !ok {
		return out, err
	}
	linked, err := e.opts.Store.Vendors(ctx, index.VendorQuery{Entity: shared})
	if err != nil {
		// the event is decided: raise it without the linked accounts rather than lose it
		e.log.Warn("linked_vendors_failed", "vendor", v.ID, "err", err)
	}
	actor, ids := v.Actor, []string{v.ID}
	for _, o := range linked {
		if o.ID == v.ID {
			continue
		}
		ids = append(ids, o.ID)
		if actor == "" && o.Actor != "" {
			actor = o.Actor
		}
	}
	ids = index.Uniq(ids)
	if actor == "" {
		actor = ids[0] // the smallest vendor id of the linked set
	}
	a := proto
	a.Kind = KindVendorOnNewMarket
	a.Subject = actor
	a.Linked = slices.DeleteFunc(slices.Clone(ids), func(s string) bool { return s == v.ID })
	a.Entities = shared
	a.Summary = fmt.Sprintf("known operator %s on a new market %s as %s (linked to %s)", actor, v.Market, v.Handle, strings.Join(a.Linked, ", "))
	out = append(out, event{kind: KindVendorOnNewMarket, scope: ScopeMarket, key: key, alert: a, market: v.Market, classes: classes})
	return out, nil
}

// vendorClasses returns a lazy lookup of the classes and families a vendor sells: its
// listings on this page, else its stored listings.
func (e *Engine) vendorClasses(p Page, vendorID string) func(context.Context) ([]string, []string) {
	return func(ctx context.Context) ([]string, []string) {
		var ls []record.Listing
		for _, l := range p.Listings {
			if l.VendorID == vendorID {
				ls = append(ls, l)
			}
		}
		if len(ls) == 0 {
			res, err := e.opts.Store.Search(ctx, index.Query{Vendor: []string{vendorID}, Size: 200})
			if err != nil {
				e.log.Warn("vendor_classes_failed", "vendor", vendorID, "err", err)
			}
			ls = res.Listings
		}
		var c, f []string
		for _, l := range ls {
			for _, s := range l.Substances {
				c, f = append(c, strings.ToLower(s.Class)), append(f, strings.ToLower(s.Family))
			}
		}
		return index.Uniq(c), index.Uniq(f)
	}
}

func (e *Engine) substanceEvents(ctx context.Context, p Page) ([]event, error) {
	type subj struct {
		s        record.Substance
		listings []string
		capt     *record.Capture
		first    time.Time
		market   string
	}
	var order []string
	by := map[string]*subj{}
	for _, l := range p.Listings {
		if !l.DrugOffer {
			continue
		}
		m := l.Market
		if m == "" {
			m = p.Market
		}
		for _, s := range l.Substances {
			n := strings.ToLower(s.Name)
			if n == "" || substance.Default().Generic(n) {
				continue // a class or umbrella word ("opioid" from a category path) is no new substance
			}
			k := m + "\x00" + n
			if by[k] == nil {
				by[k] = &subj{s: s, capt: captureOf(p, l.Capture), first: e.seenAt(p, l.FirstSeen), market: m}
				order = append(order, k)
			}
			by[k].listings = append(by[k].listings, l.ID)
		}
	}
	var out []event
	for _, k := range order {
		s := by[k]
		n := strings.ToLower(s.s.Name)
		ev := index.Evidence{ListingIDs: s.listings, Market: s.market, Time: s.first}
		if s.capt != nil {
			ev.SHA256 = s.capt.SHA256
		}
		proto := Alert{Kind: KindNewSubstance, Market: s.market, Subject: n, ListingIDs: index.Uniq(s.listings),
			Class: s.s.Class, Family: s.s.Family, Capture: s.capt, FirstSeen: s.first}
		cls := func(context.Context) ([]string, []string) {
			return []string{strings.ToLower(s.s.Class)}, []string{strings.ToLower(s.s.Family)}
		}
		for _, scope := range []string{ScopeMarket, ScopeGlobal} {
			key := "new_substance/g/" + n
			summary := fmt.Sprintf("substance %s listed for the first time anywhere (on %s)", n, s.market)
			if scope == ScopeMarket {
				key = "new_substance/m/" + s.market + "/" + n
				summary = fmt.Sprintf("substance %s listed on %s for the first time", n, s.market)
			}
			ok, err := e.novel(ctx, key, ev)
			if err != nil {
				return out, err
			}
			if ok {
				a := proto
				a.Summary = summary
				out = append(out, event{kind: KindNewSubstance, scope: scope, key: key, alert: a, market: s.market, classes: cls})
			}
		}
	}
	return out, nil
}

func listingClasses(l record.Listing) func(context.Context) ([]string, []string) {
	return func(context.Context) ([]string, []string) {
		f := index.ListingFacets(l)
		return f.Class, f.Family
	}
}

// priceEvent compares the listing's headline price with its previous observation.
func (e *Engine) priceEvent(ctx context.Context, p Page, l record.Listing) ([]event, error) {
	if l.ID == "" || l.Price.Currency == "" {
		return nil, nil
	}
	obs, err := e.opts.Store.Observations(ctx, l.ID)
	if err != nil {
		return nil, fmt.Errorf("alert: observations of %s: %w", l.ID, err)
	}
	now := e.seenAt(p, l.LastSeen).UnixMilli()
	var prev *record.Observation
	for i := range obs {
		if obs[i].Time.UnixMilli() < now && obs[i].Price.Currency != "" && (prev == nil || !obs[i].Time.Before(prev.Time)) {
			prev = &obs[i]
		}
	}
	if prev == nil {
		return nil, nil
	}
	oldV, newV := prev.Price.USD, l.Price.USD
	if prev.Price.Currency == l.Price.Currency {
		oldV, newV = prev.Price.Amount, l.Price.Amount
	}
	if oldV <= 0 || math.Abs(newV-oldV) < 1e-9*math.Max(1, oldV) {
		return nil, nil
	}
	pct := (newV - oldV) / oldV * 100
	minPct := math.Inf(1)
	for _, r := range e.opts.Rules {
		if r.Kind == KindPriceChange {
			minPct = math.Min(minPct, r.ThresholdPct)
		}
	}
	if math.Abs(pct) < minPct {
		return nil, nil
	}
	key := "price_change/" + l.ID + "/" + strconv.FormatInt(prev.Time.UnixMilli(), 10)
	capt := captureOf(p, l.Capture)
	ev := index.Evidence{ListingIDs: []string{l.ID}, Market: l.Market, Time: time.UnixMilli(now).UTC()}
	if capt != nil {
		ev.SHA256 = capt.SHA256
	}
	ok, err := e.novel(ctx, key, ev)
	if err != nil || !ok {
		return nil, err
	}
	op, np := prev.Price, l.Price
	a := Alert{Kind: KindPriceChange, Market: l.Market, Subject: l.ID, ListingIDs: []string{l.ID}, URL: l.URL,
		OldPrice: &op, NewPrice: &np, ChangePct: math.Round(pct*100) / 100, Capture: capt,
		FirstSeen: e.seenAt(p, l.FirstSeen), VendorIDs: nonEmpty(l.VendorID),
		Summary: fmt.Sprintf("price of %s moved %+.1f%%: %.2f -> %.2f %s", l.ID, pct, op.Amount, np.Amount, np.Currency)}
	return []event{{kind: KindPriceChange, key: key, alert: a, market: l.Market, classes: listingClasses(l), pct: pct}}, nil
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// goneEvent raises listing_gone for a listing the index knows.
func (e *Engine) goneEvent(ctx context.Context, p Page, id string) ([]event, error) {
	l, err := e.opts.Store.GetListing(ctx, id)
	if errors.Is(err, index.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("alert: listing %s: %w", id, err)
	}
	if l.Market == "" {
		l.Market = p.Market
	}
	key := "listing_gone/" + id + "/" + strconv.FormatInt(l.LastSeen.UnixMilli(), 10)
	capt := captureOf(p, nil)
	ev := index.Evidence{ListingIDs: []string{id}, Market: l.Market, Time: e.seenAt(p, time.Time{})}
	if capt != nil {
		ev.SHA256 = capt.SHA256
	}
	ok, err := e.novel(ctx, key, ev)
	if err != nil || !ok {
		return nil, err
	}
	a := Alert{Kind: KindListingGone, Market: l.Market, Subject: id, ListingIDs: []string{id}, URL: p.URL,
		VendorIDs: nonEmpty(l.VendorID), Capture: capt, FirstSeen: l.FirstSeen,
		Summary: fmt.Sprintf("listing %s (%s) is gone (last seen %s)", id, l.Title, l.LastSeen.UTC().Format(time.RFC3339))}
	return []event{{kind: KindListingGone, key: key, alert: a, market: l.Market, classes: listingClasses(l)}}, nil
}

func (e *Engine) watchEvents(ctx context.Context, p Page, l record.Listing) ([]event, error) {
	var out []event
	var vendor *record.Vendor
	for _, r := range e.opts.Rules {
		if r.Kind != KindWatch {
			continue
		}
		if !WatchMatches(r, l, func() []string {
			if vendor == nil {
				vendor = &record.Vendor{}
				if l.VendorID != "" {
					if v, err := e.opts.Store.GetVendor(ctx, l.VendorID); err == nil {
						vendor = &v
					}
				}
			}
			return linkEntities(*vendor)
		}) {
			continue
		}
		key := "watch/" + r.Name + "/" + l.ID
		capt := captureOf(p, l.Capture)
		ev := index.Evidence{ListingIDs: []string{l.ID}, Market: l.Market, Time: e.seenAt(p, l.FirstSeen), Note: r.Name}
		if capt != nil {
			ev.SHA256 = capt.SHA256
		}
		ok, err := e.novel(ctx, key, ev)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, event{kind: KindWatch, rule: r.Name, key: key, alert: watchAlert(r, l, capt, e.seenAt(p, l.FirstSeen)),
				market: l.Market, classes: listingClasses(l)})
		}
	}
	return out, nil
}

func watchAlert(r Rule, l record.Listing, capt *record.Capture, first time.Time) Alert {
	return Alert{Kind: KindWatch, Market: l.Market, Subject: l.ID, ListingIDs: []string{l.ID}, VendorIDs: nonEmpty(l.VendorID),
		URL: l.URL, Capture: capt, FirstSeen: first, Summary: fmt.Sprintf("watch %s matched %s: %s", r.Name, l.ID, l.Title)}
}

// WatchMatches reports whether listing l matches watch rule r (markets, classes and
// families included). vendorEntities returns the entities of the listing's vendor; it is
// called only when the rule has entities.
func WatchMatches(r Rule, l record.Listing, vendorEntities func() []string) bool {
	f := index.ListingFacets(l)
	anyOf := func(want, have []string) bool {
		return len(want) == 0 || slices.ContainsFunc(want, func(w string) bool { return slices.Contains(have, w) })
	}
	if len(r.Markets) > 0 && !slices.Contains(r.Markets, l.Market) {
		return false
	}
	if !anyOf(r.Substances, f.Substance) || !anyOf(r.Classes, f.Class) || !anyOf(r.Families, f.Family) || !anyOf(r.Vendors, f.VendorKeys) {
		return false
	}
	if !anyOf(r.Countries, append(slices.Clone(f.ShipsFrom), f.ShipsTo...)) {
		return false
	}
	if len(r.Entities) > 0 {
		have := f.Entity
		if !anyOf(r.Entities, have) && (vendorEntities == nil || !anyOf(r.Entities, vendorEntities())) {
			return false
		}
	}
	if q := strings.TrimSpace(r.Query); q != "" {
		words := tokens(l.Title + " " + l.Description)
		for t := range tokens(q) {
			if !words[t] {
				return false
			}
		}
	}
	return true
}

func tokens(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127)
	}) {
		out[w] = true
	}
	return out
}

// match applies the rules to the events.
func (e *Engine) match(ctx context.Context, evs []event) []Alert {
	now := e.opts.Now().UTC()
	var out []Alert
	for _, ev := range evs {
		var cls, fam []string
		loaded := false
		for _, r := range e.opts.Rules {
			if r.Kind != ev.kind || (ev.rule != "" && ev.rule != r.Name) {
				continue
			}
			if (ev.kind == KindNewVendor || ev.kind == KindNewSubstance) && r.Scope != ev.scope {
				continue
			}
			if len(r.Markets) > 0 && !slices.Contains(r.Markets, ev.market) {
				continue
			}
			if ev.kind == KindPriceChange && math.Abs(ev.pct) < r.ThresholdPct {
				continue
			}
			if ev.kind != KindWatch && (len(r.Classes) > 0 || len(r.Families) > 0) {
				if !loaded && ev.classes != nil {
					cls, fam = ev.classes(ctx)
					loaded = true
				}
				if len(r.Classes) > 0 && !slices.ContainsFunc(r.Classes, func(c string) bool { return slices.Contains(cls, c) }) {
					continue
				}
				if len(r.Families) > 0 && !slices.ContainsFunc(r.Families, func(c string) bool { return slices.Contains(fam, c) }) {
					continue
				}
			}
			a := ev.alert
			a.Rule, a.Severity, a.Raised = r.Name, r.Severity, now
			a.Key = ev.key + "#" + r.Name
			a.ID = alertID(a.Key)
			out = append(out, a)
		}
	}
	return out
}

// Flush delivers every due outbox entry once (synchronously).
func (e *Engine) Flush(ctx context.Context) error {
	_, err := e.deliverDue(ctx)
	return err
}

// Run delivers the outbox in the background (every Poll, and at once when alerts are
// raised) until ctx ends or Close is called; it returns nil then. Run may be called once.
func (e *Engine) Run(ctx context.Context) error {
	ctx, done, err := e.run.Start(ctx)
	if err != nil {
		return fmt.Errorf("alert: %w", err)
	}
	defer done()
	t := time.NewTicker(e.opts.Poll)
	defer t.Stop()
	for {
		if _, err := e.deliverDue(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("alert_outbox_failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-e.wake:
		}
	}
}

// deliverDue attempts every due entry once. Deliveries are serialised so that an entry is
// never sent twice at once. After a notifier fails, its other entries wait for the next pass
// (one timeout per down receiver and pass, and no head-of-line blocking of the others).
func (e *Engine) deliverDue(ctx context.Context) (int, error) {
	e.deliverMu.Lock()
	defer e.deliverMu.Unlock()
	sent := 0
	down := map[string]bool{}
	for range 100 { // bounded: at most 100 batches per call
		due, err := e.alog.dueExcept(e.opts.Now(), 200, down)
		if err != nil {
			return sent, err
		}
		if len(due) == 0 {
			return sent, nil
		}
		for _, en := range due {
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
			if down[en.Notifier] {
				continue
			}
			ok, err := e.deliver(ctx, en)
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			} else {
				down[en.Notifier] = true
			}
		}
	}
	return sent, nil
}

func (e *Engine) deliver(ctx context.Context, en Entry) (bool, error) {
	now := e.opts.Now()
	a, err := e.alog.Get(en.AlertID)
	if err != nil {
		return false, err
	}
	n := e.notifiers[en.Notifier]
	var derr error
	if n == nil {
		derr = fmt.Errorf("notifier %q is not configured", en.Notifier)
	} else {
		dctx, cancel := context.WithTimeout(ctx, e.opts.DeliveryTimeout)
		derr = n.Deliver(dctx, a, en.Key)
		cancel()
	}
	if derr == nil {
		return true, e.alog.settle(en, true, now, time.Time{}, "")
	}
	if ctx.Err() != nil {
		return false, nil // shutting down: not the receiver's fault, the entry stays as it was
	}
	back := e.opts.RetryBase << min(en.Attempts, 20)
	if back > e.opts.RetryMax || back <= 0 {
		back = e.opts.RetryMax
	}
	e.log.Warn("alert_delivery_failed", "alert_id", en.AlertID, "notifier", en.Notifier, "attempt", en.Attempts+1,
		"retry_in", back, "err", derr)
	return false, e.alog.settle(en, false, now, now.Add(back), derr.Error())
}
