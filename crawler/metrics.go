package crawler

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/darkwatch/darkwatch/crawler/frontier"
)

// Metrics are the crawler's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	pages     *prometheus.CounterVec
	bytes     *prometheus.CounterVec
	truncated *prometheus.CounterVec
	fetchSecs *prometheus.HistogramVec
	errors    *prometheus.CounterVec
	recordsC  *prometheus.CounterVec
	skipped   *prometheus.CounterVec
	events    *prometheus.CounterVec
	extract   *prometheus.CounterVec
	requests  *prometheus.CounterVec
	distinct  *prometheus.CounterVec
	refetched *prometheus.CounterVec
}

// NewMetrics registers the crawler's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		pages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "darkwatch_crawl_pages_total",
			Help: "Pages fetched with an HTTP response, by market and status class."}, []string{"market", "status"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "darkwatch_crawl_bytes_total",
			Help: "Response body bytes kept, by market."}, []string{"market"}),
		truncated: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "darkwatch_crawl_truncated_total",
			Help: "Responses cut at crawl.max_body (oversized pages, decompression bombs)."}, []string{"market"}),
		fetchSecs: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "darkwatch_crawl_fetch_seconds",
			Help: "Time to fetch one page through Tor.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 12)}, []string{"market"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "darkwatch_crawl_fetch_errors_total",
			Help: "Failed fetches by market and frontier decision."}, []string{"market", "decision"}),
		recordsC: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "darkwatch_crawl_records_total",
			Help: "Records handed to the index sink, by market and kind."}, []string{"market", "kind"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "darkwatch_crawl_links_skipped_total",
			Help: "Links not followed and leases not fetched, by market and reason (offsite, trap, excluded, too_long, links_per_page, action, login_page, login_only, action_form, dead_pattern, blocked, awaits_card, unchanged)."}, []string{"market", "reason"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "darkwatch_crawl_requests_total",
			Help: "HTTP requests sent to the market (each redirect hop counts)."}, []string{"market"}),
		distinct: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "darkwatch_crawl_stored_distinct_total",
			Help: "Distinct listings and vendors stored by this crawl process, by market and kind."}, []string{"market", "kind"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "darkwatch_crawl_events_total",
			Help: "Operator events (market paused or resumed), by market, kind and reason."}, []string{"market", "kind", "reason"}),
		refetched: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "darkwatch_crawl_listings_refetched_total",
			Help: "Listing pages a refresh or scheduled recrawl brought back, by market and reason (card_changed, not_in_book, vanished, no_comparable_card, max_age)."}, []string{"market", "reason"}),
		extract: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "darkwatch_crawl_extract_errors_total",
			Help: "Pages the extractor failed on (captured all the same)."}, []string{"market"}),
	}
	reg.MustRegister(m.pages, m.bytes, m.truncated, m.fetchSecs, m.errors, m.recordsC, m.skipped, m.events, m.extract, m.requests, m.distinct, m.refetched)
	return m
}

func (m *Metrics) page(market string, fr fetchResult) {
	if m == nil {
		return
	}
	class := "other"
	switch {
	case fr.status >= 500:
		class = "5xx"
	case fr.status >= 400:
		class = "4xx"
	case fr.status >= 300:
		class = "3xx"
	case fr.status >= 200:
		class = "2xx"
	}
	m.pages.WithLabelValues(market, class).Inc()
	m.bytes.WithLabelValues(market).Add(float64(len(fr.body)))
	m.fetchSecs.WithLabelValues(market).Observe(fr.elapsed.Seconds())
	if fr.truncated {
		m.truncated.WithLabelValues(market).Inc()
	}
}

func (m *Metrics) fetchError(market string, r frontier.Result) {
	if m == nil {
		return
	}
	d := r.Status.String()
	if r.Status == frontier.HostDown {
		d += "_" + r.Failure.String()
	}
	m.errors.WithLabelValues(market, d).Inc()
}

// records counts the records of one page (sightings) and the listings and vendors that
// were new to this crawl.
func (m *Metrics) records(market string, listings, vendors, newListings, newVendors int) {
	if m == nil {
		return
	}
	m.recordsC.WithLabelValues(market, "listing").Add(float64(listings))
	m.recordsC.WithLabelValues(market, "vendor").Add(float64(vendors))
	m.distinct.WithLabelValues(market, "listing").Add(float64(newListings))
	m.distinct.WithLabelValues(market, "vendor").Add(float64(newVendors))
}

func (m *Metrics) request(market string) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(market).Inc()
}

func (m *Metrics) skip(market, reason string) {
	if m == nil {
		return
	}
	m.skipped.WithLabelValues(market, reason).Inc()
}

func (m *Metrics) refetch(market, reason string, n int) {
	if m == nil || n == 0 {
		return
	}
	m.refetched.WithLabelValues(market, reason).Add(float64(n))
}

func (m *Metrics) event(e Event) {
	if m == nil {
		return
	}
	m.events.WithLabelValues(e.Market, e.Kind, e.Reason).Inc()
}

func (m *Metrics) extractError(market string) {
	if m == nil {
		return
	}
	m.extract.WithLabelValues(market).Inc()
}
