package fanout

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/keelhq/keel/adapters/postgres/eventlog"
	"github.com/keelhq/keel/platform/testkit/faultproxy"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

func entries(topics ...string) []eventlog.Entry {
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	out := make([]eventlog.Entry, len(topics))
	offsets := map[string]int64{}
	for i, topic := range topics {
		offsets[topic]++
		out[i] = eventlog.Entry{
			Seq: int64(i + 1), Topic: topic, Epoch: "e1", Offset: offsets[topic], ID: uuid.Must(uuid.NewV7()),
			Name: "user.updated", Data: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)), At: at,
		}
	}
	return out
}

// subscribe listens on every shard channel under prefix and returns the channel of
// decoded messages.
func subscribe(t *testing.T, ctx context.Context, rdb *redis.Client, prefix string) <-chan Message {
	t.Helper()
	sub := rdb.Subscribe(ctx, Channels(prefix)...)
	t.Cleanup(func() { _ = sub.Close() })
	if _, err := sub.Receive(ctx); err != nil { // the subscription is active
		t.Fatal(err)
	}
	for range Shards - 1 {
		if _, err := sub.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	out := make(chan Message, 1000)
	go func() {
		for msg := range sub.Channel(redis.WithChannelSize(1000)) {
			m, err := Decode([]byte(msg.Payload))
			if err != nil {
				t.Errorf("undecodable message on %s: %v", msg.Channel, err)
				continue
			}
			if msg.Channel != Channel(prefix, m.Topic) {
				t.Errorf("%s arrived on %s", m.Topic, msg.Channel)
			}
			out <- m
		}
	}()
	return out
}

func TestPublisher(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rdb, prefix := redistest.Client(t)
	got := subscribe(t, ctx, rdb, prefix)
	batch := entries("user:a", "broadcast", "user:a", "admin", "user:b", "user:a", "broadcast")
	if err := NewPublisher(rdb, prefix, 0).Publish(ctx, batch); err != nil {
		t.Fatal(err)
	}
	last := map[string]int64{}
	for range batch {
		select {
		case m := <-got:
			if m.Offset != last[m.Topic]+1 {
				t.Errorf("%s: offset %d after %d", m.Topic, m.Offset, last[m.Topic])
			}
			last[m.Topic] = m.Offset
		case <-ctx.Done():
			t.Fatalf("only part of the batch arrived: %v", last)
		}
	}
	if last["user:a"] != 3 || last["broadcast"] != 2 || last["admin"] != 1 || last["user:b"] != 1 {
		t.Errorf("received %v", last)
	}
	if err := NewPublisher(rdb, prefix, 0).Publish(ctx, nil); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

// With Redis unreachable Publish fails within its timeout, and succeeds again once
// Redis is back.
func TestPublisherOutage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	direct, prefix := redistest.Client(t)
	proxy := faultproxy.New(t, direct.Options().Addr)
	viaProxy := redis.NewClient(&redis.Options{Addr: proxy.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = viaProxy.Close() })
	got := subscribe(t, ctx, direct, prefix)
	pub := NewPublisher(viaProxy, prefix, 300*time.Millisecond)

	proxy.Cut()
	start := time.Now()
	if err := pub.Publish(ctx, entries("admin")); err == nil {
		t.Fatal("published through a cut proxy")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("failing took %s", d)
	}
	proxy.Restore()
	if err := pub.Publish(ctx, entries("admin")); err != nil {
		t.Fatalf("after restore: %v", err)
	}
	select {
	case m := <-got:
		if m.Topic != "admin" || m.Offset != 1 {
			t.Errorf("got %+v", m)
		}
	case <-ctx.Done():
		t.Fatal("nothing arrived after restore")
	}
}
