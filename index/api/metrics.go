package api

import "github.com/prometheus/client_golang/prometheus"

// metrics are the server's Prometheus metrics (registered on Options.Registerer, if any).
type metrics struct {
	auditErrors     prometheus.Counter
	auditFailing    prometheus.Gauge
	auditRefused    prometheus.Counter
	auditUnaudited  prometheus.Counter
	auditSuppressed *prometheus.CounterVec
	logins          *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		auditErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "darkwatch_api_audit_write_errors_total",
			Help: "Audit entries that could not be written (disk full, I/O error)."}),
		auditFailing: prometheus.NewGauge(prometheus.GaugeOpts{Name: "darkwatch_api_audit_failing",
			Help: "1 while the last audit write failed, else 0."}),
		auditRefused: prometheus.NewCounter(prometheus.CounterOpts{Name: "darkwatch_api_audit_refused_requests_total",
			Help: "Requests refused (503) because they could not be audited (serve.audit.on_error: refuse)."}),
		auditUnaudited: prometheus.NewCounter(prometheus.CounterOpts{Name: "darkwatch_api_audit_unaudited_requests_total",
			Help: "Requests served although their audit entry could not be written (on_error: degrade, or an admin reading the audit state)."}),
		auditSuppressed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "darkwatch_api_audit_suppressed_total",
			Help: "Unauthenticated audit events over the per-address budget, counted in a summary entry instead of written one by one."}, []string{"event"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "darkwatch_api_logins_total",
			Help: "Login attempts by outcome (ok, failed, throttled, busy)."}, []string{"outcome"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.auditErrors, m.auditFailing, m.auditRefused, m.auditUnaudited, m.auditSuppressed, m.logins} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
