package ws

import "github.com/prometheus/client_golang/prometheus"

// hubMetrics are the hub's Prometheus series.
type hubMetrics struct {
	conns      prometheus.Gauge
	closed     *prometheus.CounterVec
	delivered  prometheus.Counter
	duplicates prometheus.Counter
	gapFills   prometheus.Counter
	polled     prometheus.Counter
	losses     prometheus.Counter
}

func newHubMetrics(reg prometheus.Registerer) *hubMetrics {
	m := &hubMetrics{
		conns: prometheus.NewGauge(prometheus.GaugeOpts{Name: "keel_ws_connections", Help: "Open WebSocket connections."}),
		closed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_ws_closed_total", Help: "WebSocket connections closed by the server, by close code."}, []string{"code"}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_ws_events_total", Help: "Events accepted for delivery (once per topic, before fan-out to connections)."}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_ws_duplicates_total", Help: "Events dropped as already delivered (republished or polled twice)."}),
		gapFills: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_ws_gap_fills_total", Help: "Gaps in a topic's offsets filled from the event log."}),
		polled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_ws_polled_events_total", Help: "Events read from the event log while the Redis subscription was down (what it may have missed)."}),
		losses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "keel_ws_subscription_losses_total", Help: "Times the fan-out subscription was lost."}),
	}
	if reg != nil {
		reg.MustRegister(m.conns, m.closed, m.delivered, m.duplicates, m.gapFills, m.polled, m.losses)
	}
	return m
}
