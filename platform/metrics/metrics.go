// Package metrics owns the Prometheus registry a process exposes on /metrics.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewRegistry returns a registry with the Go runtime and process collectors, labelled
// with the process name so one Prometheus can scrape api, worker and cron side by side.
func NewRegistry(process string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "keel_up",
			Help:        "Always 1 while the process runs.",
			ConstLabels: prometheus.Labels{"process": process},
		}, func() float64 { return 1 }),
	)
	return reg
}
