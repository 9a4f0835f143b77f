package eventlog

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// runnerMetrics are the relay's Prometheus metrics.
type runnerMetrics struct {
	relayed   prometheus.Counter
	published prometheus.Counter
	failures  prometheus.Counter
	lag       prometheus.Histogram
}

// newRunnerMetrics makes the metrics and registers them with reg (when not nil).
func newRunnerMetrics(reg prometheus.Registerer) (*runnerMetrics, error) {
	m := &runnerMetrics{
		relayed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_relay_events_recorded_total",
			Help: "Outbox events recorded in the durable event log with their offsets.",
		}),
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_relay_events_published_total",
			Help: "Event log entries published on Redis (a republished entry counts again).",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_relay_publish_failures_total",
			Help: "Publication batches that failed (Redis away or slow); they are retried.",
		}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "keel_relay_publish_lag_seconds",
			Help:    "Time from an event's creation to its publication on Redis.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.relayed, m.published, m.failures, m.lag} {
		if err := reg.Register(c); err != nil {
			return nil, errors.Join(errors.New("register relay metrics"), err)
		}
	}
	return m, nil
}
