package ws

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/keelhq/keel/adapters/postgres/eventlog"
	"github.com/keelhq/keel/adapters/redis/fanout"
	"github.com/keelhq/keel/platform/testkit/pgtest"
)

// record writes offsets from..to of topic in epoch into the real event log, and moves the
// topic's head to `to`.
func record(t *testing.T, db *bun.DB, topic, epoch string, from, to int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for off := from; off <= to; off++ {
		_, err := db.ExecContext(ctx, `INSERT INTO event_log (topic, epoch, "offset", event_id, name, data, created_at)
			VALUES (?, ?, ?, ?, 'test.event', ?, now())`, topic, epoch, off, uuid.Must(uuid.NewV7()), fmt.Sprintf(`{"n":%d}`, off))
		require.NoError(t, err)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO event_topics (topic, epoch, last_offset) VALUES (?, ?, ?)
		ON CONFLICT (topic) DO UPDATE SET epoch = EXCLUDED.epoch, last_offset = EXCLUDED.last_offset`, topic, epoch, to)
	require.NoError(t, err)
}

func testHub(t *testing.T, opts Options) (*Hub, *bun.DB) {
	t.Helper()
	db := pgtest.Open(t).Bun
	return New(Deps{Log: eventlog.New(db), Options: opts}), db
}

// testConn is a connection without a socket: what it is sent stays in its queue.
func testConn(h *Hub) *conn {
	return &conn{hub: h, wake: make(chan struct{}, 1), done: make(chan struct{}), topics: map[string]struct{}{}}
}

// frames waits until c has n frames queued and returns them decoded.
func frames(t *testing.T, c *conn, n int) []map[string]any {
	t.Helper()
	var got [][]byte
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < n {
		f, code, _ := c.take()
		require.Zero(t, code, "the connection was closed")
		got = append(got, f...)
		if time.Now().After(deadline) {
			t.Fatalf("%d frames, want %d", len(got), n)
		}
		if len(got) < n {
			select {
			case <-c.wake:
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	require.Len(t, got, n, "no more frames than that")
	out := make([]map[string]any, n)
	for i, b := range got {
		require.NoError(t, json.Unmarshal(b, &out[i]))
	}
	return out
}

// offsetsOf lists the offsets of event frames, and -1 for a reset.
func offsetsOf(fs []map[string]any) []int64 {
	out := make([]int64, len(fs))
	for i, f := range fs {
		out[i] = -1
		if f["type"] == "event" {
			out[i] = int64(f["offset"].(float64))
		}
	}
	return out
}

func msg(topic, epoch string, off int64) fanout.Message {
	return fanout.Message{Topic: topic, Epoch: epoch, Offset: off, Event: "test.event", ID: uuid.NewString(),
		Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, off)), TS: time.Now()}
}

// TestDuplicatesDroppedGapsFilled: a republished message is dropped, a gap is filled from
// the log before what follows it, and a new epoch starts over.
func TestDuplicatesDroppedGapsFilled(t *testing.T) {
	t.Parallel()
	h, db := testHub(t, Options{})
	topic := "user:" + uuid.NewString()
	record(t, db, topic, "e1", 1, 5)
	c := testConn(h)
	h.topics.join(c, topic, nil) // starts at the head, 5

	h.topics.route(msg(topic, "e1", 5)) // old
	record(t, db, topic, "e1", 6, 9)
	h.topics.route(msg(topic, "e1", 6))
	h.topics.route(msg(topic, "e1", 6)) // republished
	h.topics.route(msg(topic, "e1", 9)) // 7 and 8 were lost on the way
	h.topics.route(msg(topic, "e1", 8)) // late duplicate
	require.Equal(t, []int64{6, 7, 8, 9}, offsetsOf(frames(t, c, 4)))

	h.topics.route(msg(topic, "e2", 1)) // a new epoch
	h.topics.route(msg(topic, "e1", 10))
	got := frames(t, c, 1)
	require.Equal(t, "e2", got[0]["epoch"])

	h.topics.route(msg("user:"+uuid.NewString(), "e1", 1)) // nobody here hears it
	h.topics.leave(c, topic)
	require.Empty(t, h.topics.subscribed(), "a topic no one hears is forgotten")
}

// TestSinceReplaysInOrderBeforeLive: a subscriber with since gets what it missed from the
// log, in order, then live events, each once; an unknown epoch or too far behind is reset.
func TestSinceReplaysInOrderBeforeLive(t *testing.T) {
	t.Parallel()
	h, db := testHub(t, Options{ReplayMax: 20})
	topic := "user:" + uuid.NewString()
	record(t, db, topic, "e1", 1, 10)
	live := testConn(h)
	h.topics.join(live, topic, nil)

	c := testConn(h)
	h.topics.join(c, topic, &sinceRef{Epoch: "e1", Offset: 3})
	record(t, db, topic, "e1", 11, 11)
	h.topics.route(msg(topic, "e1", 10))
	h.topics.route(msg(topic, "e1", 11))
	require.Equal(t, []int64{4, 5, 6, 7, 8, 9, 10, 11}, offsetsOf(frames(t, c, 8)))
	require.Equal(t, []int64{11}, offsetsOf(frames(t, live, 1)))

	for _, since := range []sinceRef{{Epoch: "e0", Offset: 3}, {Epoch: "e1", Offset: -1}, {Epoch: "e1", Offset: 12}} {
		x := testConn(h)
		h.topics.join(x, topic, &since)
		require.Equal(t, []int64{-1}, offsetsOf(frames(t, x, 1)), "since %+v", since)
	}
	record(t, db, topic, "e1", 12, 40)
	far := testConn(h)
	h.topics.join(far, topic, &sinceRef{Epoch: "e1", Offset: 5}) // 35 behind, more than 20
	require.Equal(t, []int64{-1}, offsetsOf(frames(t, far, 1)))
}

// TestSlowConsumerClosed: a connection whose queue would pass the bound is closed with
// 4408; the frame is dropped and nothing more is queued.
func TestSlowConsumerClosed(t *testing.T) {
	t.Parallel()
	h := New(Deps{Options: Options{QueueBytes: 1024}})
	c := testConn(h)
	c.send(make([]byte, 600))
	c.send(make([]byte, 600))
	c.send(make([]byte, 10))
	frames, code, _ := c.take()
	require.Nil(t, frames)
	require.Equal(t, closeSlow, code)
}
