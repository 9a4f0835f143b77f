package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// breaker is a circuit breaker around Redis: after `failures` consecutive failed calls it
// opens, and every call fails at once (no network, no timeout) until a background probe
// finds Redis answering again, retried with a backoff growing to `retry`.
type breaker struct {
	threshold int32
	retry     time.Duration
	probe     func(ctx context.Context) error
	// onChange, when set, is told of every transition (true: open).
	onChange func(open bool)

	open  atomic.Bool
	fails atomic.Int32

	mu      sync.Mutex
	probing bool
	closed  chan struct{} // closed by Close: ends a probe loop
}

// minProbe is the first wait of the probe loop.
const minProbe = 50 * time.Millisecond

func newBreaker(threshold int, retry time.Duration, probe func(context.Context) error) *breaker {
	return &breaker{threshold: int32(max(1, threshold)), retry: max(retry, minProbe), probe: probe, closed: make(chan struct{})}
}

// allow reports whether a call may go to Redis.
func (b *breaker) allow() bool { return !b.open.Load() }

// success records a call that worked.
func (b *breaker) success() {
	if b.fails.Load() != 0 {
		b.fails.Store(0)
	}
}

// failure records a failed call, opening the breaker at the threshold.
func (b *breaker) failure() {
	if b.fails.Add(1) < b.threshold || b.open.Swap(true) {
		return
	}
	if b.onChange != nil {
		b.onChange(true)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.probing {
		b.probing = true
		go b.probeLoop()
	}
}

// probeLoop pings Redis until it answers, then closes the breaker.
func (b *breaker) probeLoop() {
	wait := minProbe
	for {
		t := time.NewTimer(wait)
		select {
		case <-b.closed:
			t.Stop()
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), b.retry)
		err := b.probe(ctx)
		cancel()
		if err == nil {
			b.mu.Lock()
			b.probing = false
			b.fails.Store(0)
			b.open.Store(false)
			b.mu.Unlock()
			if b.onChange != nil {
				b.onChange(false)
			}
			return
		}
		wait = min(2*wait, b.retry)
	}
}

// stop ends a probe loop for good.
func (b *breaker) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.closed:
	default:
		close(b.closed)
	}
}
