package eventlog_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/keelhq/keel/adapters/postgres/eventlog"
	"github.com/keelhq/keel/adapters/redis/fanout"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/platform/testkit/faultproxy"
	"github.com/keelhq/keel/platform/testkit/logtest"
	"github.com/keelhq/keel/platform/testkit/pgtest"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

type fixture struct {
	ctx    context.Context
	db     *database.DB
	rdb    *redis.Client // the shared server, directly
	prefix string
	reg    *prometheus.Registry
	log    *slog.Logger
}

func setup(t *testing.T) fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	rdb, prefix := redistest.Client(t)
	var logs logtest.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("relay log:\n%s", logs.String())
		}
	})
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	return fixture{ctx: ctx, db: pgtest.Open(t), rdb: rdb, prefix: prefix, reg: prometheus.NewRegistry(), log: log}
}

// start runs a Runner publishing through rdb until the test ends.
func (f fixture) start(t *testing.T, rdb *redis.Client, opts eventlog.RunnerOptions) *eventlog.Runner {
	t.Helper()
	r, err := eventlog.NewRunner(eventlog.NewRelay(f.db.Bun, time.Now), fanout.NewPublisher(rdb, f.prefix, 300*time.Millisecond),
		f.db.Pool, opts, f.log, f.reg)
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return r
}

// produce commits an outbox event on topic.
func (f fixture) produce(t *testing.T, topic string) {
	t.Helper()
	_, err := f.db.Bun.NewRaw("INSERT INTO outbox_events (id, name, topic, payload, created_at) VALUES (?, 'user.updated', ?, '{}', ?)",
		uuid.Must(uuid.NewV7()), topic, time.Now().UTC()).Exec(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
}

// subscribe returns the decoded messages of every shard channel.
func (f fixture) subscribe(t *testing.T) <-chan fanout.Message {
	t.Helper()
	sub := f.rdb.Subscribe(f.ctx, fanout.Channels(f.prefix)...)
	t.Cleanup(func() { _ = sub.Close() })
	for range fanout.Shards {
		if _, err := sub.Receive(f.ctx); err != nil {
			t.Fatal(err)
		}
	}
	out := make(chan fanout.Message, 1000)
	go func() {
		for msg := range sub.Channel(redis.WithChannelSize(1000)) {
			m, err := fanout.Decode([]byte(msg.Payload))
			if err != nil {
				t.Errorf("bad message: %v", err)
				continue
			}
			out <- m
		}
	}()
	return out
}

// count runs a count query until cond holds for its result, or fails the test.
func (f fixture) waitCount(t *testing.T, query string, cond func(int) bool, what string) int {
	t.Helper()
	for {
		var n int
		if err := f.db.Bun.NewRaw(query).Scan(f.ctx, &n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if cond(n) {
			return n
		}
		select {
		case <-f.ctx.Done():
			t.Fatalf("%s: still %d", what, n)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// eventually checks cond every 10ms until it holds, or fails the test.
func (f fixture) eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for !cond() {
		select {
		case <-f.ctx.Done():
			t.Fatalf("never: %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// With the poll interval at an hour, only the commit notification can wake the relay: a
// new event reaches Redis well within a second of its commit.
func TestRunnerWakesOnCommit(t *testing.T) {
	t.Parallel()
	f := setup(t)
	got := f.subscribe(t)
	f.start(t, f.rdb, eventlog.RunnerOptions{Poll: time.Hour})
	// The runner's first pass and its LISTEN happen at start; wait for LISTEN to be up.
	f.waitCount(t, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
		func(n int) bool { return n == 1 }, "listening")
	for i := range 5 {
		start := time.Now()
		f.produce(t, "user:a")
		select {
		case m := <-got:
			if m.Topic != "user:a" || m.Offset != int64(i+1) {
				t.Fatalf("got %s/%d, want user:a/%d", m.Topic, m.Offset, i+1)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("event %d took %s from commit to Redis", i+1, d)
			} else {
				t.Logf("event %d: commit to Redis in %s", i+1, d)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("event %d never published", i+1)
		}
	}
	f.eventually(t, func() bool { return metric(t, f.reg, "keel_relay_events_published_total") == 5 }, "published metric at 5")
}

// With Redis unreachable, offsets keep being assigned (the api's polling fallback sees
// them); once Redis returns, the whole backlog is published, in offset order.
func TestRunnerRedisOutage(t *testing.T) {
	t.Parallel()
	f := setup(t)
	got := f.subscribe(t)
	proxy := faultproxy.New(t, f.rdb.Options().Addr)
	viaProxy := redis.NewClient(&redis.Options{Addr: proxy.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = viaProxy.Close() })
	proxy.Cut()
	f.start(t, viaProxy, eventlog.RunnerOptions{Poll: 50 * time.Millisecond, Batch: 7})
	const n = 30
	for i := range n {
		f.produce(t, fmt.Sprintf("user:%d", i%3))
	}
	f.waitCount(t, "SELECT count(*) FROM event_log", func(c int) bool { return c == n }, "entries recorded while Redis is away")
	if c := f.waitCount(t, "SELECT count(*) FROM event_log WHERE published_at IS NOT NULL", func(int) bool { return true }, "published"); c != 0 {
		t.Fatalf("%d entries recorded published while Redis was away", c)
	}
	tail, err := eventlog.New(f.db.Bun).Tail(f.ctx, 0, 100)
	if err != nil || len(tail) != n {
		t.Fatalf("the polling fallback sees %d entries (%v)", len(tail), err)
	}
	f.eventually(t, func() bool { return metric(t, f.reg, "keel_relay_publish_failures_total") > 0 }, "a publish failure counted")
	select {
	case m := <-got:
		t.Fatalf("%s/%d arrived while Redis was away from the relay", m.Topic, m.Offset)
	default:
	}
	proxy.Restore()
	last := map[string]int64{}
	for range n {
		select {
		case m := <-got:
			if m.Offset != last[m.Topic]+1 {
				t.Fatalf("%s: offset %d after %d", m.Topic, m.Offset, last[m.Topic])
			}
			last[m.Topic] = m.Offset
		case <-time.After(10 * time.Second):
			t.Fatalf("backlog not published after Redis returned: %v", last)
		}
	}
	f.waitCount(t, "SELECT count(*) FROM event_log WHERE published_at IS NULL", func(c int) bool { return c == 0 }, "unpublished after recovery")
}

// Stop returns promptly, and a runner on a database with nothing to do keeps quiet.
func TestRunnerStop(t *testing.T) {
	t.Parallel()
	f := setup(t)
	r, err := eventlog.NewRunner(eventlog.NewRelay(f.db.Bun, time.Now), nil, f.db.Pool, eventlog.RunnerOptions{}, f.log, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	f.produce(t, "admin")
	f.waitCount(t, "SELECT count(*) FROM event_log WHERE published_at IS NOT NULL", func(c int) bool { return c == 1 }, "recorded without fan-out")
	ctx, cancel := context.WithTimeout(f.ctx, 3*time.Second)
	defer cancel()
	start := time.Now()
	if err := r.Stop(ctx); err != nil {
		t.Fatalf("stop: %v after %s", err, time.Since(start))
	}
}

// metric returns the value of the counter name in reg (0 when absent).
func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

// A lost LISTEN connection is re-made: commits keep waking the relay at once.
func TestRunnerRelistens(t *testing.T) {
	t.Parallel()
	f := setup(t)
	got := f.subscribe(t)
	f.start(t, f.rdb, eventlog.RunnerOptions{Poll: time.Hour})
	const listener = "SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'"
	first := f.waitCount(t, listener, func(pid int) bool { return pid != 0 }, "listening")
	if _, err := f.db.Bun.ExecContext(f.ctx, "SELECT pg_terminate_backend(?)", first); err != nil {
		t.Fatal(err)
	}
	f.waitCount(t, listener, func(pid int) bool { return pid != 0 && pid != first }, "listening again")
	start := time.Now()
	f.produce(t, "admin")
	select {
	case m := <-got:
		if m.Topic != "admin" || m.Offset != 1 {
			t.Fatalf("got %s/%d", m.Topic, m.Offset)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("commit to Redis took %s after the reconnection", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up after the LISTEN connection was lost")
	}
}

// BenchmarkRelay measures the relay's throughput: per op, one event recorded in the log
// and published on the real Redis, in batches of 500 (the worker's batch size).
func BenchmarkRelay(b *testing.B) {
	ctx := context.Background()
	db := pgtest.Open(b)
	rdb, prefix := redistest.Client(b)
	relay := eventlog.NewRelay(db.Bun, time.Now)
	pub := fanout.NewPublisher(rdb, prefix, 0)
	const batch = 500
	insert := func(n int) {
		_, err := db.Bun.NewRaw(`INSERT INTO outbox_events (id, name, topic, payload, created_at)
SELECT gen_random_uuid(), 'user.updated', 'user:' || (i % 50), '{"id":"x","name":"Some Name"}', now() FROM generate_series(1, ?) i`, n).Exec(ctx)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		b.StopTimer()
		insert(n)
		b.StartTimer()
		if got, err := relay.Assign(ctx, batch); err != nil || got != n {
			b.Fatalf("assigned %d of %d: %v", got, n, err)
		}
		if got, err := relay.Publish(ctx, batch, pub); err != nil || len(got) != n {
			b.Fatalf("published %d of %d: %v", len(got), n, err)
		}
	}
}
