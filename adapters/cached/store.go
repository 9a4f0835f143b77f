// Package cached puts a read cache in front of repositories, as decorators (the
// subpackages, one per bounded context) over one Store: cache-aside reads through an
// in-process tier and a shared tier (Redis), coalesced loads, TTLs with jitter, negative
// entries for "not found", and invalidation after commit on every instance.
//
// Every cached value carries the time it was read from PostgreSQL, and no tier serves it
// once TTL has passed since then, so a value is never served stale for longer than TTL
// whatever goes wrong. Normally a change is invalidated on every instance within
// milliseconds: the writer drops the key from both tiers after its transaction commits
// and announces it over the Bus; the shared tier is cleared a second time shortly after,
// against a fill that raced the commit.
package cached

import (
	"context"
	"encoding/binary"
	"hash/maphash"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	memcache "github.com/keelhq/keel/adapters/memory/cache"
	"github.com/keelhq/keel/ports"
)

// Broadcaster announces invalidations to every instance and tells whether this one hears
// theirs (adapters/redis/cache.Bus).
type Broadcaster interface {
	Publish(ctx context.Context, keys ...string) error
	Subscribed() bool
}

// Options tune a Store; zero durations take the defaults.
type Options struct {
	// Name labels the Store's metrics, e.g. "users".
	Name string
	// TTL bounds the age of any value served (default 30 s).
	TTL time.Duration
	// LocalTTL is how long the in-process tier keeps an entry while it hears
	// invalidations (default 10 s, at most TTL).
	LocalTTL time.Duration
	// DegradedTTL replaces LocalTTL while invalidations cannot be heard (default 1 s).
	DegradedTTL time.Duration
	// NegativeTTL is how long "not found" is kept; 0 keeps nothing.
	NegativeTTL time.Duration
	// JitterPercent shortens each TTL by a random 0 to this percentage.
	JitterPercent int
	// LoadTimeout bounds one coalesced load (default 5 s).
	LoadTimeout time.Duration
	// RecheckDelay is when the shared tier is cleared a second time after an
	// invalidation (default 1 s).
	RecheckDelay time.Duration
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.TTL, 30*time.Second)
	def(&o.LocalTTL, 10*time.Second)
	def(&o.DegradedTTL, time.Second)
	def(&o.LoadTimeout, 5*time.Second)
	def(&o.RecheckDelay, time.Second)
	o.LocalTTL = min(o.LocalTTL, o.TTL)
	o.DegradedTTL = min(o.DegradedTTL, o.LocalTTL)
	o.NegativeTTL = min(max(o.NegativeTTL, 0), o.TTL)
	return o
}

// Loader reads a value from the source of truth; found is false when there is none.
type Loader func(ctx context.Context) (value []byte, found bool, err error)

// stripes is the number of generation counters keys are spread over.
const stripes = 1024

// Store is the cache machinery the decorators share. It is safe for concurrent use.
type Store struct {
	opts    Options
	local   *memcache.Cache
	remote  ports.Cache // nil: no shared tier
	bus     Broadcaster // nil: single instance
	metrics bound
	now     func() time.Time

	seed  maphash.Seed
	gens  [stripes]atomic.Uint64
	group singleflight.Group
}

// New returns a Store over the in-process tier local and, when not nil, the shared tier
// remote, announcing invalidations on bus (nil: none). metrics may be nil.
func New(opts Options, local *memcache.Cache, remote ports.Cache, bus Broadcaster, metrics *Metrics) *Store {
	opts = opts.withDefaults()
	return &Store{opts: opts, local: local, remote: remote, bus: bus, metrics: metrics.bind(opts.Name), now: time.Now, seed: maphash.MakeSeed()}
}

// value kinds in an envelope: kind byte, load time (unix ns, 8 bytes), payload.
const (
	kindFound   = 'v'
	kindMissing = 'n'
	headerLen   = 9
)

func encode(value []byte, found bool, at time.Time) []byte {
	out := make([]byte, headerLen+len(value))
	out[0] = kindMissing
	if found {
		out[0] = kindFound
	}
	binary.BigEndian.PutUint64(out[1:headerLen], uint64(at.UnixNano()))
	copy(out[headerLen:], value)
	return out
}

// decode opens an envelope younger than ttlFor(kind); ok is false for anything else.
func (s *Store) decode(raw []byte) (value []byte, found bool, at time.Time, ok bool) {
	if len(raw) < headerLen || (raw[0] != kindFound && raw[0] != kindMissing) {
		return nil, false, time.Time{}, false
	}
	found = raw[0] == kindFound
	at = time.Unix(0, int64(binary.BigEndian.Uint64(raw[1:headerLen])))
	if s.now().Sub(at) >= s.ttl(found) {
		return nil, false, time.Time{}, false
	}
	return raw[headerLen:], found, at, true
}

func (s *Store) ttl(found bool) time.Duration {
	if found {
		return s.opts.TTL
	}
	return s.opts.NegativeTTL
}

// jitter shortens d by a random 0 to JitterPercent percent.
func (s *Store) jitter(d time.Duration) time.Duration {
	if s.opts.JitterPercent <= 0 || d <= 0 {
		return d
	}
	return d - time.Duration(rand.Int64N(int64(d)*int64(s.opts.JitterPercent)/100+1))
}

func (s *Store) stripe(key string) *atomic.Uint64 {
	return &s.gens[maphash.String(s.seed, key)%stripes]
}

// Fetch returns the value under key from the first tier that has a fresh one, else from
// load, whose answer it stores in both tiers. Concurrent misses of one key on this
// instance share one load. Errors of the cache tiers are never returned: they count as
// misses. found is false when the source has no value (possibly remembered).
func (s *Store) Fetch(ctx context.Context, key string, load Loader) (value []byte, found bool, err error) {
	if raw, err := s.local.Get(ctx, key); err == nil {
		if v, found, _, ok := s.decode(raw); ok {
			s.metrics.inc(s.metrics.hitLocal)
			return v, found, nil
		}
	}
	ch := s.group.DoChan(key, func() (any, error) { return s.fill(ctx, key, load) })
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, false, res.Err
		}
		f := res.Val.(filled)
		if res.Shared {
			s.metrics.inc(s.metrics.coalesced)
		}
		return f.value, f.found, nil
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// filled is one fill's answer.
type filled struct {
	value []byte
	found bool
}

// fill looks in the shared tier, then loads, and stores what it found unless the key was
// invalidated meanwhile. It runs detached from the caller's cancellation (other callers
// may wait for it), within LoadTimeout.
func (s *Store) fill(ctx context.Context, key string, load Loader) (filled, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.LoadTimeout)
	defer cancel()
	gen := s.stripe(key).Load()
	if s.remote != nil {
		if raw, err := s.remote.Get(ctx, key); err == nil {
			if v, found, at, ok := s.decode(raw); ok {
				s.metrics.inc(s.metrics.hitRemote)
				s.storeLocal(ctx, key, raw, found, at, gen)
				return filled{v, found}, nil
			}
		}
	}
	s.metrics.inc(s.metrics.miss)
	at := s.now()
	value, found, err := load(ctx)
	if err != nil {
		return filled{}, err
	}
	s.metrics.inc(s.metrics.loads)
	if ttl := s.ttl(found); ttl > 0 {
		raw := encode(value, found, at)
		s.storeLocal(ctx, key, raw, found, at, gen)
		if s.remote != nil && s.stripe(key).Load() == gen {
			_ = s.remote.Set(ctx, key, raw, s.jitter(ttl))
		}
	}
	return filled{value, found}, nil
}

// storeLocal keeps raw in the in-process tier, for LocalTTL (DegradedTTL while
// invalidations cannot be heard) and never beyond the value's own TTL, unless the key's
// generation moved since gen was read.
func (s *Store) storeLocal(ctx context.Context, key string, raw []byte, found bool, at time.Time, gen uint64) {
	ttl := s.opts.LocalTTL
	if s.bus == nil || !s.bus.Subscribed() {
		ttl = s.opts.DegradedTTL
	}
	ttl = min(s.jitter(ttl), s.ttl(found)-s.now().Sub(at))
	if ttl <= 0 || s.stripe(key).Load() != gen {
		return
	}
	_ = s.local.Set(ctx, key, raw, ttl)
}

// Forget drops keys from this instance at once, and detaches loads in flight for them
// so that no answer read before now is stored or handed to a later caller.
func (s *Store) Forget(keys []string) {
	for _, k := range keys {
		s.stripe(k).Add(1)
		s.group.Forget(k)
	}
	_ = s.local.Delete(context.Background(), keys...)
}

// ForgetAll drops the whole in-process tier (invalidations may have been missed).
func (s *Store) ForgetAll() {
	for i := range s.gens {
		s.gens[i].Add(1)
	}
	s.local.Clear()
}

// Invalidate forgets keys on every instance and in the shared tier; call it after the
// change behind them has committed. Failures of Redis are not returned: the shared tier
// replays missed deletions when it comes back, and no value outlives TTL.
func (s *Store) Invalidate(ctx context.Context, keys ...string) {
	if len(keys) == 0 {
		return
	}
	s.Forget(keys)
	s.metrics.add(s.metrics.invalidations, len(keys))
	if s.remote != nil {
		_ = s.remote.Delete(ctx, keys...)
		time.AfterFunc(s.opts.RecheckDelay, func() { _ = s.remote.Delete(context.Background(), keys...) })
	}
	if s.bus != nil {
		_ = s.bus.Publish(ctx, keys...)
	}
}
