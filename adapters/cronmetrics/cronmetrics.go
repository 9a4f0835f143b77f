// Package cronmetrics exports the scheduler's runs as Prometheus metrics
// (application/schedule.Observer).
package cronmetrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelhq/keel/application/schedule"
)

// Metrics counts runs and failures and measures durations and schedule lag, per action.
type Metrics struct {
	runs     *prometheus.CounterVec
	failures *prometheus.CounterVec
	duration *prometheus.HistogramVec
	lag      *prometheus.HistogramVec
}

// New registers the metrics on reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_cron_runs_total", Help: "Scheduled runs recorded, by action and status (skipped windows included).",
		}, []string{"action", "status"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_cron_failures_total", Help: "Scheduled runs that failed or timed out, by action.",
		}, []string{"action"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "keel_cron_run_duration_seconds", Help: "How long scheduled runs took, by action.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 10),
		}, []string{"action"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "keel_cron_schedule_lag_seconds", Help: "How late scheduled runs started after their window, by action.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"action"}),
	}
	reg.MustRegister(m.runs, m.failures, m.duration, m.lag)
	return m
}

var _ schedule.Observer = (*Metrics)(nil)

// Finished implements schedule.Observer.
func (m *Metrics) Finished(action string, status schedule.Status, took, lag time.Duration) {
	m.runs.WithLabelValues(action, string(status)).Inc()
	if status == schedule.StatusFailed || status == schedule.StatusTimedOut {
		m.failures.WithLabelValues(action).Inc()
	}
	m.duration.WithLabelValues(action).Observe(took.Seconds())
	m.lag.WithLabelValues(action).Observe(lag.Seconds())
}

// Skipped implements schedule.Observer.
func (m *Metrics) Skipped(action string, n int) {
	m.runs.WithLabelValues(action, string(schedule.StatusSkipped)).Add(float64(n))
}
