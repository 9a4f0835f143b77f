// Package pubsub is Keel's one Redis subscriber: a single subscription over a fixed set
// of channels, kept up for the life of a process. Consumers register a handler per channel
// and a state callback before it starts; the subscriber reconnects with backoff, tells the
// callbacks when the subscription is up (every channel confirmed) and when it is lost, and
// checks a quiet connection with PING so that a silent partition is noticed.
//
// Messages are read by the subscriber itself (not through go-redis' buffered
// PubSub.Channel, which drops messages when its buffer is full) and handed to the channel's
// handler on the reading goroutine, in the order Redis sent them. Handlers must therefore
// be quick (route, enqueue, forget an entry); a handler that blocks stalls every channel,
// and a reader that falls too far behind is disconnected by Redis, which this subscriber
// reports as a loss. Every loss may have cost messages: Stats counts the losses, and the
// state callback is how a consumer learns to catch up (re-read, clear a cache).
//
// Lifecycle: New, then Handle and OnState, then Run(ctx) in a goroutine or Start and
// Stop(ctx) (shaped for fx hooks). Without a Redis client (nil) the subscriber never comes
// up, and Run only waits for its context.
package pubsub

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of the subscriber's timing.
const (
	// DefaultPingEvery is how long a quiet subscription waits before checking the
	// connection with PING; a PING unanswered for as long again ends the subscription.
	DefaultPingEvery = time.Second
	// DefaultMinBackoff and DefaultMaxBackoff bound the wait between two attempts.
	DefaultMinBackoff = 50 * time.Millisecond
	DefaultMaxBackoff = time.Second
)

// Handler receives the payload of one message of its channel.
type Handler func(payload string)

// StateFunc is told that the subscription came up (up: every channel confirmed, so
// messages published from now on arrive) or was lost (err says why; nil when the
// subscriber stops).
type StateFunc func(up bool, err error)

// Stats counts what the subscriber saw since it was made.
type Stats struct {
	// Received counts the messages handed to handlers.
	Received uint64
	// Unrouted counts messages on a channel no handler was registered for.
	Unrouted uint64
	// Ups counts the times the subscription came up; Losses the times it was lost after
	// being up. Messages published during a loss are not delivered: each loss may have
	// missed some.
	Ups, Losses uint64
}

// Subscriber holds one subscription to a fixed set of channels. Register handlers and
// callbacks before it starts; it is safe for concurrent use after that.
type Subscriber struct {
	rdb      *redis.Client
	log      *slog.Logger
	handlers map[string]Handler
	states   []StateFunc

	// PingEvery, MinBackoff and MaxBackoff may be changed before the subscriber starts.
	PingEvery, MinBackoff, MaxBackoff time.Duration

	up                              atomic.Bool
	received, unrouted, ups, losses atomic.Uint64

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a subscriber on rdb (nil: Redis is disabled and the subscriber never comes
// up). log (nil: slog.Default) gets losses and recoveries.
func New(rdb *redis.Client, log *slog.Logger) *Subscriber {
	if log == nil {
		log = slog.Default()
	}
	return &Subscriber{
		rdb: rdb, log: log, handlers: map[string]Handler{},
		PingEvery: DefaultPingEvery, MinBackoff: DefaultMinBackoff, MaxBackoff: DefaultMaxBackoff,
	}
}

// Handle routes the messages of channel to h, replacing an earlier handler of channel.
// Call it before the subscriber starts.
func (s *Subscriber) Handle(channel string, h Handler) { s.handlers[channel] = h }

// OnState adds f to the callbacks told of every change of the subscription's state, in
// the order they were added, on the subscriber's goroutine. Call it before the subscriber
// starts.
func (s *Subscriber) OnState(f StateFunc) { s.states = append(s.states, f) }

// Enabled reports whether the subscriber has a Redis client at all.
func (s *Subscriber) Enabled() bool { return s != nil && s.rdb != nil }

// Up reports whether the subscription is up: every channel confirmed.
func (s *Subscriber) Up() bool { return s != nil && s.up.Load() }

// Stats returns the counters.
func (s *Subscriber) Stats() Stats {
	return Stats{Received: s.received.Load(), Unrouted: s.unrouted.Load(), Ups: s.ups.Load(), Losses: s.losses.Load()}
}

// Run keeps the subscription up until ctx ends, reconnecting with backoff. Without Redis,
// or with no channel to subscribe to, it only waits for ctx.
func (s *Subscriber) Run(ctx context.Context) {
	if s.rdb == nil || len(s.handlers) == 0 {
		<-ctx.Done()
		return
	}
	backoff := s.MinBackoff
	for {
		wasUp, err := s.subscribe(ctx)
		if ctx.Err() != nil {
			s.setState(false, nil)
			return
		}
		s.setState(false, err)
		if wasUp {
			backoff = s.MinBackoff
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			s.setState(false, nil)
			return
		case <-t.C:
		}
		backoff = min(2*backoff, s.MaxBackoff)
	}
}

// channels lists the registered channels.
func (s *Subscriber) channels() []string {
	out := make([]string, 0, len(s.handlers))
	for ch := range s.handlers {
		out = append(out, ch)
	}
	return out
}

// subscribe runs one subscription until it fails or ctx ends, and reports whether it came
// up.
func (s *Subscriber) subscribe(ctx context.Context) (wasUp bool, err error) {
	ps := s.rdb.Subscribe(ctx, s.channels()...)
	defer ps.Close()
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()
	pending := len(s.handlers)
	confirmed := map[string]bool{}
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, s.PingEvery)
		if ctx.Err() != nil {
			return wasUp, nil
		}
		if err != nil {
			if !isTimeout(err) || pinged {
				return wasUp, err
			}
			if err := ps.Ping(ctx); err != nil {
				return wasUp, err
			}
			pinged = true
			continue
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && !confirmed[m.Channel] {
				if _, ok := s.handlers[m.Channel]; ok {
					confirmed[m.Channel] = true
					pending--
				}
			}
			if pending == 0 && !wasUp {
				wasUp = true
				s.setState(true, nil)
			}
		case *redis.Message:
			h, ok := s.handlers[m.Channel]
			if !ok {
				s.unrouted.Add(1)
				continue
			}
			s.received.Add(1)
			h(m.Payload)
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// setState records the subscription's state and tells the callbacks of a change.
func (s *Subscriber) setState(up bool, err error) {
	if s.up.Swap(up) == up {
		return
	}
	if up {
		s.ups.Add(1)
		s.log.Info("redis subscription up", slog.Int("channels", len(s.handlers)))
	} else if err != nil {
		s.losses.Add(1)
		s.log.Warn("redis subscription lost; messages published meanwhile are missed",
			slog.Int("channels", len(s.handlers)), slog.String("error", err.Error()))
	}
	for _, f := range s.states {
		f(up, err)
	}
}

// Start runs Run in a goroutine until Stop (fx: OnStart). It does nothing if already
// started.
func (s *Subscriber) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.cancel, s.done = cancel, done
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
}

// Stop ends the goroutine Start launched and waits for it, or for ctx (fx: OnStop).
func (s *Subscriber) Stop(ctx context.Context) error {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel, s.done = nil, nil
	s.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
