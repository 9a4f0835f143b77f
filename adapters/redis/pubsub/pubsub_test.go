package pubsub

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keelhq/keel/platform/testkit/faultproxy"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

// recorder collects what handlers and state callbacks were told.
type recorder struct {
	mu     sync.Mutex
	got    map[string][]string
	states []bool
	signal chan struct{}
}

func newRecorder() *recorder {
	return &recorder{got: map[string][]string{}, signal: make(chan struct{}, 1)}
}

func (r *recorder) handler(channel string) Handler {
	return func(p string) {
		r.mu.Lock()
		r.got[channel] = append(r.got[channel], p)
		r.mu.Unlock()
		r.poke()
	}
}

func (r *recorder) state(up bool, _ error) {
	r.mu.Lock()
	r.states = append(r.states, up)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) poke() {
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// await waits, woken by every handler or state call, until cond holds.
func (r *recorder) await(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond) // a state flip of Up is not a callback of r
	defer tick.Stop()
	for {
		r.mu.Lock()
		ok := cond()
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.signal:
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("%s: not within %s", what, within)
		}
	}
}

func running(t *testing.T, s *Subscriber) {
	t.Helper()
	s.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		assert.NoError(t, s.Stop(ctx))
	})
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestRoutesEveryChannelInOrder: one subscription carries several channels, each message
// reaches its channel's handler, in publication order, and none is dropped under a burst.
func TestRoutesEveryChannelInOrder(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.Client(t)
	r := newRecorder()
	s := New(rdb, quiet())
	chans := []string{prefix + "a", prefix + "b", prefix + "c"}
	for _, ch := range chans {
		s.Handle(ch, r.handler(ch))
	}
	s.OnState(r.state)
	running(t, s)
	r.await(t, 5*time.Second, "up", func() bool { return len(r.states) == 1 && r.states[0] })
	require.True(t, s.Up())

	const n = 5000 // far more than go-redis' Channel buffer (100)
	pipe := rdb.Pipeline()
	for i := range n {
		pipe.Publish(context.Background(), chans[i%len(chans)], fmt.Sprint(i))
	}
	_, err := pipe.Exec(context.Background())
	require.NoError(t, err)
	require.NoError(t, rdb.Publish(context.Background(), prefix+"nobody", "x").Err())

	r.await(t, 10*time.Second, "every message", func() bool {
		total := 0
		for _, got := range r.got {
			total += len(got)
		}
		return total == n
	})
	for i, ch := range chans {
		got := r.got[ch]
		for j, p := range got {
			require.Equal(t, fmt.Sprint(i+j*len(chans)), p, "order on %s", ch)
		}
	}
	st := s.Stats()
	assert.Equal(t, uint64(n), st.Received)
	assert.Equal(t, uint64(1), st.Ups)
	assert.Zero(t, st.Losses)
}

// TestOutageAndRecovery: a private Redis stops and starts again; the subscriber reports the
// loss, comes back by itself and routes messages again.
func TestOutageAndRecovery(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	r := newRecorder()
	s := New(rdb, quiet())
	s.MaxBackoff = 100 * time.Millisecond
	s.Handle("ch", r.handler("ch"))
	s.OnState(r.state)
	running(t, s)
	r.await(t, 5*time.Second, "up", s.Up)

	srv.Stop()
	r.await(t, 5*time.Second, "loss noticed", func() bool { return len(r.states) == 2 && !r.states[1] })
	assert.False(t, s.Up())
	srv.Start()
	r.await(t, 10*time.Second, "up again", func() bool { return len(r.states) == 3 && r.states[2] })

	require.NoError(t, rdb.Publish(context.Background(), "ch", "after").Err())
	r.await(t, 5*time.Second, "message after recovery", func() bool { return len(r.got["ch"]) == 1 })
	st := s.Stats()
	assert.Equal(t, uint64(2), st.Ups)
	assert.Equal(t, uint64(1), st.Losses)
}

// TestSilenceIsNoticed: a connection that stays open but never answers (a silent
// partition, here a cut proxy link) is detected by PING within a few PingEvery.
func TestSilenceIsNoticed(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.Client(t)
	proxy := faultproxy.New(t, rdb.Options().Addr)
	opt := rdb.Options()
	opt.Addr = proxy.Addr()
	via := redis.NewClient(opt)
	t.Cleanup(func() { _ = via.Close() })
	r := newRecorder()
	s := New(via, quiet())
	s.PingEvery = 50 * time.Millisecond
	s.Handle(prefix+"ch", r.handler("ch"))
	s.OnState(r.state)
	running(t, s)
	r.await(t, 5*time.Second, "up", s.Up)

	proxy.Cut()
	r.await(t, 2*time.Second, "loss noticed", func() bool { return !s.Up() })
	proxy.Restore()
	r.await(t, 5*time.Second, "up again", s.Up)
	require.NoError(t, rdb.Publish(context.Background(), prefix+"ch", "m").Err())
	r.await(t, 5*time.Second, "message", func() bool { return len(r.got["ch"]) == 1 })
}

// TestWithoutRedis: a subscriber with no client never comes up, and starts and stops.
func TestWithoutRedis(t *testing.T) {
	t.Parallel()
	s := New(nil, nil)
	s.Handle("ch", func(string) {})
	require.False(t, s.Enabled())
	s.Start()
	s.Start()
	assert.False(t, s.Up())
	require.NoError(t, s.Stop(context.Background()))
	require.NoError(t, s.Stop(context.Background()))
	var none *Subscriber
	assert.False(t, none.Up())
	assert.False(t, none.Enabled())
}
