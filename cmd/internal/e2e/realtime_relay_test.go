package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/keelhq/keel/adapters/redis/fanout"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

// TestRelayTwoWorkersKilled is acceptance point 3 of issue 8: two workers relay at once
// while users change their accounts through the api (each change writes an outbox event);
// each worker in turn is killed with SIGKILL mid-relay and restarted. Afterwards every
// outbox event is in event_log exactly once, offsets per topic are 1..n in creation order,
// and every entry was published on the Redis shard channels.
func TestRelayTwoWorkersKilled(t *testing.T) {
	t.Parallel()
	const users, changes = 6, 40
	s := newStack(t, idGenerousLimits...)
	heard := listenFanout(t, idEnv(s, "REDIS_KEY_PREFIX"))
	api := s.start("api")
	db := idDB(t, s)
	workers := []*node{s.start("worker"), s.start("worker")}

	sessions := make([]idSession, users)
	for i := range sessions {
		sessions[i] = idNewUser(t, api.URL, fmt.Sprintf("relay%d", i), "")
	}
	var produced atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, users)
	for i, sess := range sessions {
		wg.Go(func() {
			for j := range changes {
				if err := patchName(api.URL, sess.Access, fmt.Sprintf("User %d rename %d", i, j)); err != nil {
					errs <- err
					return
				}
				produced.Add(1)
			}
		})
	}
	// Kill each worker in turn mid-relay (while events are flowing), then restart it.
	for k := range workers {
		target := int64((k + 1) * users * changes / 3)
		waitFor(t, "events produced", 2*time.Minute, func() (bool, string) {
			return produced.Load() >= target, fmt.Sprint(produced.Load())
		})
		if err := workers[k].Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("kill worker %d: %v", k, err)
		}
		<-workers[k].Done()
		t.Logf("worker %d killed after %d changes, %d entries in the log", k, produced.Load(), count(t, db, "SELECT count(*) FROM event_log"))
		workers[k] = s.start("worker")
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := count(t, db, "SELECT count(*) FROM outbox_events")
	if want := users * (changes + 1); total != want {
		t.Fatalf("%d outbox events, want %d (a registration and %d changes per user)", total, want, changes)
	}
	waitFor(t, "every outbox event recorded and published", time.Minute, func() (bool, string) {
		left := count(t, db, "SELECT count(*) FROM outbox_events WHERE published_at IS NULL") +
			count(t, db, "SELECT count(*) FROM event_log WHERE published_at IS NULL")
		return left == 0, fmt.Sprintf("%d unrecorded or unpublished", left)
	})
	checkLog(t, db, total, users)
	checkHeard(t, db, heard, total)
}

// patchName renames the signed-in user (one user.updated outbox event).
func patchName(api, token, name string) error {
	body, _ := json.Marshal(map[string]string{"name": name})
	req, err := http.NewRequest(http.MethodPatch, api+"/v1/users/me", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("PATCH /v1/users/me: %d", res.StatusCode)
	}
	return nil
}

// count runs a count query.
func count(t *testing.T, db *pgxpool.Pool, query string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int
	if err := db.QueryRow(ctx, query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkLog checks event_log against outbox_events: each event exactly once, offsets per
// topic 1..n in one epoch, in the order the events were created.
func checkLog(t *testing.T, db *pgxpool.Pool, total, topics int) {
	t.Helper()
	if n := count(t, db, "SELECT count(*) FROM outbox_events o JOIN event_log l ON l.event_id = o.id AND l.topic = o.topic AND l.name = o.name"); n != total {
		t.Errorf("%d of %d outbox events are in event_log", n, total)
	}
	if n := count(t, db, "SELECT count(*) FROM event_log"); n != total {
		t.Errorf("event_log holds %d entries for %d events", n, total)
	}
	const perTopic = `SELECT count(*) FROM (
  SELECT topic FROM event_log GROUP BY topic
  HAVING count(DISTINCT epoch) = 1 AND min("offset") = 1 AND max("offset") = count(*) AND count(DISTINCT "offset") = count(*)) ok`
	if n := count(t, db, perTopic); n != topics {
		t.Errorf("%d of %d topics have offsets exactly 1..n in one epoch", n, topics)
	}
	const outOfOrder = `SELECT count(*) FROM (
  SELECT created_at < lag(created_at) OVER (PARTITION BY topic ORDER BY "offset") AS back FROM event_log) x WHERE back`
	if n := count(t, db, outOfOrder); n != 0 {
		t.Errorf("%d entries have an offset out of creation order", n)
	}
	if n := count(t, db, "SELECT count(*) FROM event_log l JOIN event_topics t USING (topic) WHERE t.last_offset <> (SELECT max(\"offset\") FROM event_log x WHERE x.topic = l.topic)"); n != 0 {
		t.Errorf("%d entries under a topic head that is not their last offset", n)
	}
}

// heardSet collects the fan-out messages heard on the shard channels.
type heardSet struct {
	mu   sync.Mutex
	seen map[string]int // "topic/epoch/offset/id" -> times heard
	n    int            // messages heard
}

// count returns how many messages were heard.
func (h *heardSet) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// listenFanout subscribes to every shard channel under prefix on the shared Redis.
func listenFanout(t *testing.T, prefix string) *heardSet {
	t.Helper()
	opt, err := redis.ParseURL(redistest.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub := rdb.Subscribe(ctx, fanout.Channels(prefix)...)
	t.Cleanup(func() { _ = sub.Close() })
	for range fanout.Shards {
		if _, err := sub.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	h := &heardSet{seen: map[string]int{}}
	go func() {
		for msg := range sub.Channel(redis.WithChannelSize(10000)) {
			m, err := fanout.Decode([]byte(msg.Payload))
			key := fmt.Sprintf("%s/%s/%d/%s", m.Topic, m.Epoch, m.Offset, m.ID)
			if err != nil || msg.Channel != fanout.Channel(prefix, m.Topic) {
				key = "bad: " + msg.Channel + " " + msg.Payload
			}
			h.mu.Lock()
			h.seen[key]++
			h.n++
			h.mu.Unlock()
		}
	}()
	return h
}

// checkHeard checks that every entry of the log was heard on Redis, with nothing else.
func checkHeard(t *testing.T, db *pgxpool.Pool, h *heardSet, total int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := db.Query(ctx, `SELECT topic || '/' || epoch || '/' || "offset" || '/' || event_id FROM event_log`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			t.Fatal(err)
		}
		want[key] = true
	}
	if rows.Err() != nil || len(want) != total {
		t.Fatalf("read %d log keys: %v", len(want), rows.Err())
	}
	var missing, extra, repeats int
	waitFor(t, "every entry heard on Redis", 10*time.Second, func() (bool, string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		missing, extra, repeats = 0, 0, 0
		for key := range want {
			if h.seen[key] == 0 {
				missing++
			}
		}
		for key, n := range h.seen {
			if !want[key] {
				extra++
			}
			repeats += n - 1
		}
		return missing == 0, fmt.Sprintf("%d of %d never heard", missing, total)
	})
	if extra != 0 {
		t.Errorf("%d messages heard that are not log entries", extra)
	}
	t.Logf("%d entries, all heard on Redis; %d heard more than once (republished after a crash)", total, repeats)
}
