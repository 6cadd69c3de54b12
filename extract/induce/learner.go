package induce

import (
	"errors"
	"io/fs"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/darkwatch/darkwatch/extract"
)

// LearnerOptions configure a Learner. Zero values mean the defaults in brackets.
type LearnerOptions struct {
	// Dir keeps one induced profile per market (<Dir>/<market>.yaml); "": not kept.
	Dir string
	// After is the number of listing pages read by the generic extractor before a
	// profile is induced (or MaxSamples content pages of any kind) [20].
	After int
	// MaxSamples bounds the pages kept per market while learning [80]; MaxSampleBytes
	// their total size [32 MiB].
	MaxSamples     int
	MaxSampleBytes int
	// MinAgreement is the share of generic values a field must reproduce [0.95].
	MinAgreement float64
	// CheckEvery: one page in this many read with the profile is also read by the
	// generic extractor to check the profile still matches [64].
	CheckEvery int
	// Window and MaxMisses: the profile is dropped (and learned again) when MaxMisses of
	// the last Window checks failed [20, 5].
	Window, MaxMisses int
	// MaxFailures is how many inductions may fail before a market is left to the generic
	// extractor for the rest of the process [3].
	MaxFailures int
	Logger      *slog.Logger // nil: discard
	Now         func() time.Time
}

// Learner is an extractor that induces a profile per market during a crawl. Markets
// crawled with an explicit profile, or whose pages a profile already detects, are passed
// through unchanged. Safe for concurrent use.
type Learner struct {
	x    *extract.Extractor
	opts LearnerOptions
	log  *slog.Logger

	mu      sync.Mutex
	markets map[string]*market
}

type market struct {
	mu        sync.Mutex
	loaded    bool // the stored profile was looked for
	samples   []Sample
	listings  int // listing pages among samples
	bytes     int
	inducing  bool
	failures  int
	nextTry   int // sample count at which to try again after a failure
	active    *active
	pages     int    // pages read with the active profile
	checks    []bool // last outcomes (true: miss)
	induced   int    // profiles induced for this market
	lastError error
}

// active is a profile in use for one market.
type active struct {
	name    string
	x       *extract.Extractor
	generic map[string][]string // page type -> fields taken from the generic extractor
	kinds   map[string]bool     // page kinds the profile reads
	stored  *Stored
}

// NewLearner wraps x. It does no I/O.
func NewLearner(x *extract.Extractor, opts LearnerOptions) *Learner {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&opts.After, 20)
	def(&opts.MaxSamples, 80)
	def(&opts.MaxSampleBytes, 32<<20)
	def(&opts.CheckEvery, 64)
	def(&opts.Window, 20)
	def(&opts.MaxMisses, 5)
	def(&opts.MaxFailures, 3)
	if opts.MinAgreement <= 0 {
		opts.MinAgreement = 0.95
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l := &Learner{x: x, opts: opts, log: opts.Logger, markets: map[string]*market{}}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	return l
}

// Status of a market's induced profile.
type Status struct {
	Active    bool     // a profile is in use
	Induced   int      // profiles induced so far in this process
	Samples   int      // pages kept for the next induction
	Generic   []string // fields of the listing page type still read by the generic extractor
	Failures  int
	LastError error // of the last failed induction
}

// Status reports on market.
func (l *Learner) Status(market string) Status {
	m := l.market(market)
	m.mu.Lock()
	defer m.mu.Unlock()
	s := Status{Active: m.active != nil, Induced: m.induced, Samples: len(m.samples), Failures: m.failures, LastError: m.lastError}
	if m.active != nil {
		s.Generic = m.active.generic["listing"]
	}
	return s
}

func (l *Learner) market(name string) *market {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.markets[name]
	if m == nil {
		m = &market{}
		l.markets[name] = m
	}
	return m
}

// Extract reads p like extract.Extractor.Extract, with the market's induced profile when
// one is in use.
func (l *Learner) Extract(p extract.Page, profile string) (extract.Result, error) {
	if (profile != "" && profile != "auto" && profile != "generic") || p.Market == "" {
		return l.x.Extract(p, profile)
	}
	m := l.market(p.Market)
	m.mu.Lock()
	if !m.loaded {
		m.loaded = true
		l.load(p.Market, m)
	}
	a := m.active
	m.mu.Unlock()
	if a != nil {
		return l.withProfile(p, m, a)
	}
	res, err := l.x.Extract(p, profile)
	if err != nil || res.Profile != "" || !contentKind(res.Kind) || len(res.Listings) == 0 {
		return res, err
	}
	l.learn(p, res, m)
	return res, nil
}

func (l *Learner) load(name string, m *market) {
	if l.opts.Dir == "" {
		return
	}
	s, err := ReadFile(l.opts.Dir, name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			l.log.Warn("induced_profile_unreadable", "market", name, "err", err)
		}
		return
	}
	a, err := newActive(s)
	if err != nil {
		l.log.Warn("induced_profile_unreadable", "market", name, "err", err)
		return
	}
	m.active = a
	l.log.Info("induced_profile_loaded", "market", name, "induced", s.Induced)
}

func newActive(s *Stored) (*active, error) {
	x, err := withProfile(s.Profile)
	if err != nil {
		return nil, err
	}
	a := &active{name: s.Profile.Name, x: x, generic: s.Generic, kinds: map[string]bool{}, stored: s}
	for _, pt := range s.Profile.PageTypes {
		a.kinds[pt.Kind] = true
	}
	return a, nil
}

// withProfile reads p with the active profile, the generic extractor filling the fields
// the profile does not reproduce, and checks now and then that the profile still matches.
func (l *Learner) withProfile(p extract.Page, m *market, a *active) (extract.Result, error) {
	res, err := a.x.Extract(p, a.name)
	if err != nil {
		return res, err
	}
	if res.PageType == "" {
		// no page type read it: the result is the generic extractor's
		if contentKind(res.Kind) && a.kinds[res.Kind] && len(res.Listings) > 0 {
			l.check(p.Market, m, a, true)
		}
		return res, nil
	}
	gen := a.generic[res.PageType]
	m.mu.Lock()
	m.pages++
	periodic := m.pages%l.opts.CheckEvery == 0
	m.mu.Unlock()
	lacking := false
	for _, x := range res.Listings {
		if x.Title == "" || x.Price.Currency == "" {
			lacking = true
		}
	}
	if len(gen) == 0 && !lacking && !periodic && len(res.Listings) > 0 {
		return res, nil
	}
	g, gerr := l.x.Extract(p, "generic")
	if gerr != nil {
		return res, nil
	}
	if lacking || periodic || len(res.Listings) == 0 {
		l.check(p.Market, m, a, stale(res, g))
	}
	return merge(res, g, gen), nil
}

// stale reports whether the generic extractor finds titles or prices the profile's
// records lack or read differently.
func stale(prof, gen extract.Result) bool {
	byURL := map[string]*extract.Listing{}
	for i := range prof.Listings {
		byURL[prof.Listings[i].URL] = &prof.Listings[i]
	}
	bad, n := 0, 0
	for i := range gen.Listings {
		g := &gen.Listings[i]
		if g.Title == "" {
			continue
		}
		n++
		p := byURL[g.URL]
		if p == nil || p.Title != g.Title || (g.Price.Currency != "" && p.Price.Currency == "") {
			bad++
		}
	}
	return n > 0 && bad*2 >= n
}

// check records one check of the active profile; too many misses drop it.
func (l *Learner) check(name string, m *market, a *active, miss bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.active != a {
		return
	}
	m.checks = append(m.checks, miss)
	if len(m.checks) > l.opts.Window {
		m.checks = m.checks[len(m.checks)-l.opts.Window:]
	}
	misses := 0
	for _, c := range m.checks {
		if c {
			misses++
		}
	}
	if misses >= l.opts.MaxMisses {
		l.log.Warn("induced_profile_stale", "market", name, "misses", misses, "checks", len(m.checks))
		m.active, m.checks, m.samples, m.listings, m.bytes, m.failures, m.nextTry = nil, nil, nil, 0, 0, 0, 0
	}
}

// learn keeps a page the generic extractor read and induces a profile once there are
// enough.
func (l *Learner) learn(p extract.Page, res extract.Result, m *market) {
	m.mu.Lock()
	if m.active != nil || m.failures >= l.opts.MaxFailures {
		m.mu.Unlock()
		return
	}
	if len(m.samples) < l.opts.MaxSamples && m.bytes+len(p.Body) <= l.opts.MaxSampleBytes {
		m.samples = append(m.samples, Sample{URL: p.URL, Body: slices.Clone(p.Body), Result: res})
		m.bytes += len(p.Body)
		if res.Kind == extract.KindListing {
			m.listings++
		}
	}
	ready := m.listings >= l.opts.After || len(m.samples) >= l.opts.MaxSamples
	if !ready || m.inducing || len(m.samples) < m.nextTry {
		m.mu.Unlock()
		return
	}
	m.inducing = true
	samples := slices.Clone(m.samples)
	m.mu.Unlock()

	a, err := l.induce(p.Market, samples)

	m.mu.Lock()
	defer m.mu.Unlock()
	m.inducing = false
	if err != nil {
		m.failures++
		m.lastError = err
		m.nextTry = len(m.samples) + l.opts.After
		l.log.Info("induce_failed", "market", p.Market, "err", err, "attempt", m.failures)
		if m.failures >= l.opts.MaxFailures {
			m.samples = nil
		}
		return
	}
	m.active, m.samples, m.listings, m.bytes, m.checks, m.pages = a, nil, 0, 0, nil, 0
	m.induced++
}

// induce learns, verifies and stores a profile for market.
func (l *Learner) induce(name string, samples []Sample) (*active, error) {
	in, err := Induce(samples, Options{Name: name, MinAgreement: l.opts.MinAgreement})
	if err != nil {
		return nil, err
	}
	covered := false
	for pt := range in.Report.Records {
		if in.Report.Covers(pt) {
			covered = true
		}
	}
	if !covered || in.Report.Unmatched*10 > in.Report.Pages {
		return nil, errors.New("induce: the induced profile does not reproduce the generic titles:\n" + in.Report.String())
	}
	s := &Stored{Market: name, Induced: l.opts.Now(), Pages: len(samples), Generic: in.Report.Generic, YAML: in.YAML, Profile: in.Profile}
	a, err := newActive(s)
	if err != nil {
		return nil, err
	}
	if l.opts.Dir != "" {
		if err := WriteFile(l.opts.Dir, s); err != nil {
			l.log.Warn("induced_profile_not_stored", "market", name, "err", err)
		}
	}
	l.log.Info("induced_profile", "market", name, "pages", len(samples), "generic_fields", in.Report.Generic["listing"])
	return a, nil
}
