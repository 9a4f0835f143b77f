package cached

import "github.com/prometheus/client_golang/prometheus"

// Results of a cache read, the values of the result label.
const (
	resultLocalHit  = "hit_local"
	resultRemoteHit = "hit_redis"
	resultMiss      = "miss"
	resultCoalesced = "coalesced"
)

// Metrics are the cache's Prometheus series. A nil *Metrics records nothing.
type Metrics struct {
	requests      *prometheus.CounterVec
	loads         *prometheus.CounterVec
	invalidations *prometheus.CounterVec
	errors        *prometheus.CounterVec
	breaker       prometheus.Gauge
	subscribed    prometheus.GaugeFunc
}

// NewMetrics registers the cache's series on reg; subscribed (may be nil) tells whether
// invalidations from other instances are heard.
func NewMetrics(reg prometheus.Registerer, subscribed func() bool) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_cache_requests_total",
			Help: "Cache reads by result: hit_local (in-process tier), hit_redis (shared tier), miss (read from PostgreSQL), coalesced (waited for another caller's read).",
		}, []string{"cache", "result"}),
		loads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_cache_loads_total", Help: "Reads of the source of truth made by the cache (after coalescing).",
		}, []string{"cache"}),
		invalidations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_cache_invalidations_total", Help: "Keys invalidated after a committed change.",
		}, []string{"cache"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keel_cache_redis_errors_total", Help: "Failed calls of the cache to Redis, by operation.",
		}, []string{"op"}),
		breaker: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "keel_cache_breaker_open", Help: "1 while the cache's circuit breaker skips Redis, else 0.",
		}),
	}
	reg.MustRegister(m.requests, m.loads, m.invalidations, m.errors, m.breaker)
	if subscribed != nil {
		m.subscribed = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "keel_cache_invalidations_subscribed", Help: "1 while invalidations from other instances are heard, else 0.",
		}, func() float64 {
			if subscribed() {
				return 1
			}
			return 0
		})
		reg.MustRegister(m.subscribed)
	}
	return m
}

// bound holds one Store's series, resolved once; nil counters record nothing.
type bound struct {
	hitLocal, hitRemote, miss, coalesced, loads, invalidations prometheus.Counter
}

func (m *Metrics) bind(cache string) bound {
	if m == nil {
		return bound{}
	}
	return bound{
		hitLocal: m.requests.WithLabelValues(cache, resultLocalHit), hitRemote: m.requests.WithLabelValues(cache, resultRemoteHit),
		miss: m.requests.WithLabelValues(cache, resultMiss), coalesced: m.requests.WithLabelValues(cache, resultCoalesced),
		loads: m.loads.WithLabelValues(cache), invalidations: m.invalidations.WithLabelValues(cache),
	}
}

func (bound) inc(c prometheus.Counter) {
	if c != nil {
		c.Inc()
	}
}

func (bound) add(c prometheus.Counter, n int) {
	if c != nil {
		c.Add(float64(n))
	}
}

// RedisError counts a failed call to Redis (for the Redis adapter's OnError).
func (m *Metrics) RedisError(op string) {
	if m != nil {
		m.errors.WithLabelValues(op).Inc()
	}
}

// Breaker records the breaker's state (for the Redis adapter's OnBreaker).
func (m *Metrics) Breaker(open bool) {
	if m == nil {
		return
	}
	if open {
		m.breaker.Set(1)
	} else {
		m.breaker.Set(0)
	}
}
