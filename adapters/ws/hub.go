// Package ws is the WebSocket hub at GET /v1/ws: it authenticates a client before the
// upgrade, holds its connection (one writer goroutine with a byte-bounded send queue,
// heartbeats, read deadlines), subscribes it to the topics it may hear, and delivers the
// events of those topics, which reach the api through Redis fan-out (adapters/redis/fanout)
// or, while Redis is away, by polling the durable event log (adapters/postgres/eventlog).
//
// Per topic, each instance keeps the last (epoch, offset) it delivered: a duplicate is
// dropped, a gap is filled from the log before what follows it, and every connection
// also keeps its own cursor, so a client never sees an offset twice and sees offsets grow
// by exactly 1 within an epoch. A client that names `since` gets what it missed replayed
// from the log, in order, before any live event, or `reset`.
package ws

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/adapters/postgres/eventlog"
	"github.com/keelhq/keel/adapters/redis/pubsub"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/platform/i18n"
)

// Log is the durable event log the hub replays and polls (eventlog.Log).
type Log interface {
	Replay(ctx context.Context, topic, epoch string, after int64, limit int) ([]eventlog.Entry, error)
	Head(ctx context.Context, topic string) (epoch string, last int64, err error)
	Tail(ctx context.Context, after int64, limit int) ([]eventlog.Entry, error)
	LastSeq(ctx context.Context) (int64, error)
}

// Authenticator checks an access token and returns its claims with the current role.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (auth.Claims, error)
}

// Sessions answers whether a session is still active, and with which role.
type Sessions interface {
	SessionState(ctx context.Context, id uuid.UUID) (auth.SessionState, error)
}

// Options tune the hub; zero values take the defaults.
type Options struct {
	// Origins are the browser origins allowed to connect (an absent Origin is allowed).
	Origins *web.Origins
	// MaxConnsPerUser caps one account's open connections on this instance (default 10).
	MaxConnsPerUser int
	// QueueBytes bounds the frames waiting to be written to one connection; a client that
	// lets more pile up is closed with 4408 (default 256 KiB).
	QueueBytes int
	// Heartbeat is the ping interval; a client silent for two of them is dropped (25 s).
	Heartbeat time.Duration
	// MaxFrameBytes bounds a client's frame; a larger one is closed with 1009 (16 KiB).
	MaxFrameBytes int
	// ClientFrameRate is how many frames per second a client may send, with bursts of
	// twice that; one that sends more is closed with 1008 (default 20; negative: no limit).
	ClientFrameRate int
	// ReplayMax is the most events one `since` replays; further behind gets reset (1000).
	ReplayMax int
	// PollEvery is how often the log is polled while Redis is away (1 s).
	PollEvery time.Duration
	// WriteTimeout bounds the write of one frame (10 s).
	WriteTimeout time.Duration
	// RequestTimeout bounds the work of the upgrade request (authentication) (10 s).
	RequestTimeout time.Duration
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxConnsPerUser, 10)
	def(&o.QueueBytes, 256<<10)
	def(&o.MaxFrameBytes, 16<<10)
	def(&o.ReplayMax, 1000)
	if o.ClientFrameRate == 0 {
		o.ClientFrameRate = 20
	}
	defD(&o.Heartbeat, 25*time.Second)
	defD(&o.PollEvery, time.Second)
	defD(&o.WriteTimeout, 10*time.Second)
	defD(&o.RequestTimeout, 10*time.Second)
	if o.Origins == nil {
		o.Origins = web.NewOrigins(nil)
	}
	return o
}

// Deps are what the hub is built from.
type Deps struct {
	Auth     Authenticator
	Sessions Sessions
	Log      Log
	Bundle   *i18n.Bundle
	Logger   *slog.Logger
	Registry prometheus.Registerer
	Options  Options
	// Tracer, when set (tracing on), records the delivery of each event that carries a
	// trace; nil records nothing.
	Tracer trace.Tracer
}

// Hub holds this instance's connections and routes events to them.
type Hub struct {
	opts     Options
	auth     Authenticator
	sessions Sessions
	log      Log
	bundle   *i18n.Bundle
	logger   *slog.Logger
	metrics  *hubMetrics
	topics   *table
	tracer   trace.Tracer

	mu        sync.Mutex
	conns     map[*conn]struct{}
	byUser    map[uuid.UUID]int
	reserved  map[uuid.UUID][]time.Time // slots taken by handshakes checked but not yet served
	bySession map[uuid.UUID]map[*conn]struct{}
	stopping  bool
	live      sync.WaitGroup

	rechecks chan []uuid.UUID
	sub      *pubsub.Subscriber
	feedWake chan struct{}
	stop     chan struct{}
	bg       sync.WaitGroup
}

// New returns a hub; Start runs its background work.
func New(d Deps) *Hub {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	h := &Hub{
		opts: d.Options.withDefaults(), auth: d.Auth, sessions: d.Sessions, log: d.Log, bundle: d.Bundle,
		logger: d.Logger, metrics: newHubMetrics(d.Registry), tracer: d.Tracer,
		conns: map[*conn]struct{}{}, byUser: map[uuid.UUID]int{}, reserved: map[uuid.UUID][]time.Time{}, bySession: map[uuid.UUID]map[*conn]struct{}{},
		rechecks: make(chan []uuid.UUID, 256), feedWake: make(chan struct{}, 1), stop: make(chan struct{}),
	}
	h.topics = newTable(h)
	return h
}

// Start runs the hub's background work (session re-checks, the log feed) until Shutdown.
func (h *Hub) Start() {
	h.bg.Add(2)
	go h.recheckLoop()
	go h.feedLoop()
}

// reservationTTL bounds how long a slot reserved before an upgrade waits for the upgraded
// connection (normally microseconds): one whose upgrade never completed frees its slot then.
const reservationTTL = 10 * time.Second

// reserve takes one of the account's WS_MAX_CONNS_PER_USER slots for a handshake about to
// be upgraded, so that concurrent handshakes past the cap are refused with 429 before the
// upgrade rather than upgraded and then closed. Caller holds h.mu.
func (h *Hub) reserve(user uuid.UUID, now time.Time) bool {
	live := h.reserved[user][:0]
	for _, at := range h.reserved[user] {
		if now.Sub(at) < reservationTTL {
			live = append(live, at)
		}
	}
	if h.byUser[user]+len(live) >= h.opts.MaxConnsPerUser {
		h.setReserved(user, live)
		return false
	}
	h.setReserved(user, append(live, now))
	return true
}

// release gives back one reserved slot of user (its upgrade failed, or its connection was
// admitted or refused). Caller holds h.mu.
func (h *Hub) release(user uuid.UUID) {
	if r := h.reserved[user]; len(r) > 0 {
		h.setReserved(user, r[1:])
	}
}

func (h *Hub) setReserved(user uuid.UUID, r []time.Time) {
	if len(r) == 0 {
		delete(h.reserved, user)
		return
	}
	h.reserved[user] = r
}

// admit registers c, refusing it when its account is at the cap or the hub is stopping.
// It consumes the slot its handshake reserved.
func (h *Hub) admit(c *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.release(c.actor.UserID)
	if h.stopping || h.byUser[c.actor.UserID] >= h.opts.MaxConnsPerUser {
		return false
	}
	h.conns[c] = struct{}{}
	h.byUser[c.actor.UserID]++
	set := h.bySession[c.actor.SessionID]
	if set == nil {
		set = map[*conn]struct{}{}
		h.bySession[c.actor.SessionID] = set
	}
	set[c] = struct{}{}
	h.live.Add(1)
	h.metrics.conns.Inc()
	return true
}

// remove forgets c (its connection ended).
func (h *Hub) remove(c *conn) {
	h.mu.Lock()
	if _, ok := h.conns[c]; !ok {
		h.mu.Unlock()
		return
	}
	delete(h.conns, c)
	if h.byUser[c.actor.UserID]--; h.byUser[c.actor.UserID] <= 0 {
		delete(h.byUser, c.actor.UserID)
	}
	if set := h.bySession[c.actor.SessionID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.bySession, c.actor.SessionID)
		}
	}
	h.mu.Unlock()
	h.metrics.conns.Dec()
	h.live.Done()
}

// Conns returns the number of open connections.
func (h *Hub) Conns() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// Shutdown closes every connection with 1001 (going away), refuses new ones, and waits
// for them to end, or for ctx. Fiber's shutdown does not reach hijacked connections, so
// the process calls this when it stops.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	first := !h.stopping
	h.stopping = true
	all := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		all = append(all, c)
	}
	h.mu.Unlock()
	if first {
		close(h.stop)
	}
	for _, c := range all {
		c.closeWith(closeGoingAway, "server going away")
	}
	done := make(chan struct{})
	go func() {
		h.live.Wait()
		h.bg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// encodeJSON marshals a frame the hub built itself (it cannot fail).
func encodeJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
