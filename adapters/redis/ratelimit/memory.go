package ratelimit

import (
	"sync"
	"time"
)

// memory is a per-instance GCRA limiter with the semantics of redis_rate's script: each
// key stores its theoretical arrival time (TAT); a request is allowed when the TAT, pushed
// by one emission interval, lies at most Burst intervals in the future. A key whose TAT is
// in the past is in its initial state and is forgotten. It is safe for concurrent use.
type memory struct {
	mu         sync.Mutex
	tats       map[string]time.Time
	maxEntries int
	nextSweep  time.Time
}

// sweepEvery is how often idle keys are swept from the memory limiter.
const sweepEvery = time.Minute

func newMemory(maxEntries int) *memory {
	return &memory{tats: make(map[string]time.Time), maxEntries: maxEntries}
}

// allow spends one request of key's budget at now, mirroring redis_rate's allowN with n=1.
func (m *memory) allow(key string, lim Limit, now time.Time) Result {
	emission := lim.Period / time.Duration(lim.Rate)
	burstOffset := emission * time.Duration(lim.Burst)

	m.mu.Lock()
	defer m.mu.Unlock()
	m.housekeep(key, now)
	tat, ok := m.tats[key]
	if !ok || tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(emission)
	diff := now.Sub(newTAT.Add(-burstOffset))
	if diff < 0 {
		return Result{RetryAfter: -diff, Degraded: true}
	}
	m.tats[key] = newTAT
	return Result{Allowed: true, Remaining: int(diff / emission), Degraded: true}
}

// housekeep sweeps idle keys once per sweepEvery, and makes room before a new key is
// added to a full map: idle keys go first, then arbitrary ones (which forgets their
// budget: a bounded memory is worth more than a perfect count in a degraded mode).
func (m *memory) housekeep(key string, now time.Time) {
	if now.After(m.nextSweep) {
		m.sweep(now)
		m.nextSweep = now.Add(sweepEvery)
	}
	if _, ok := m.tats[key]; ok || len(m.tats) < m.maxEntries {
		return
	}
	m.sweep(now)
	for k := range m.tats {
		if len(m.tats) < m.maxEntries-m.maxEntries/8 {
			break
		}
		delete(m.tats, k)
	}
}

// sweep forgets every key whose TAT has passed: its state equals a fresh key's.
func (m *memory) sweep(now time.Time) {
	for k, tat := range m.tats {
		if !tat.After(now) {
			delete(m.tats, k)
		}
	}
}

// len returns the number of tracked keys.
func (m *memory) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tats)
}
