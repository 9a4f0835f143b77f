package ws

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/keelhq/keel/adapters/postgres/eventlog"
	"github.com/keelhq/keel/adapters/redis/fanout"
)

const (
	// logTimeout bounds one read of the event log.
	logTimeout = 5 * time.Second
	// replayPage is how many entries one read of a replay or gap fill asks for.
	replayPage = 500
	// maxPending bounds the messages a topic holds while a gap is being filled.
	maxPending = 10_000
	// oldEpochs is how many earlier epochs of a topic are remembered, to drop stragglers.
	oldEpochs = 4
)

// table holds the topics this instance's connections hear.
type table struct {
	hub    *Hub
	mu     sync.Mutex
	topics map[string]*topic
}

// topic is one topic's delivery state: the last (epoch, offset) delivered, a gap fill
// under way, and its subscribers with their own cursors.
type topic struct {
	name    string
	mu      sync.Mutex
	known   bool
	epoch   string
	offset  int64
	old     []string
	filling bool
	pending []fanout.Message
	subs    map[*conn]*sub
}

// sub is one connection's cursor on a topic. Until live, events are buffered while the
// connection's replay runs.
type sub struct {
	live   bool
	epoch  string
	offset int64
	buffer []fanout.Message
	// first is the first offset sent on this connection (0: none yet).
	first int64
}

func newTable(h *Hub) *table { return &table{hub: h, topics: map[string]*topic{}} }

// get returns the topic, or nil when no local connection hears it.
func (tb *table) get(name string) *topic {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return tb.topics[name]
}

// route delivers m to the topic's subscribers, dropping duplicates and filling gaps.
func (tb *table) route(m fanout.Message) {
	t := tb.get(m.Topic)
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tb.accept(t, m)
}

// accept handles m under t.mu.
func (tb *table) accept(t *topic, m fanout.Message) {
	m2 := tb.hub.metrics
	switch {
	case t.filling:
		if len(t.pending) < maxPending {
			t.pending = append(t.pending, m)
		}
	case !t.known:
		t.known, t.epoch, t.offset = true, m.Epoch, m.Offset
		tb.deliver(t, m)
	case m.Epoch == t.epoch && m.Offset <= t.offset:
		m2.duplicates.Inc()
	case m.Epoch == t.epoch && m.Offset == t.offset+1:
		t.offset = m.Offset
		tb.deliver(t, m)
	case m.Epoch == t.epoch:
		m2.gapFills.Inc()
		t.filling, t.pending = true, append(t.pending, m)
		go tb.fill(t, t.epoch, t.offset, m.Offset-1)
	case slices.Contains(t.old, m.Epoch):
		m2.duplicates.Inc()
	default: // a new epoch starts at offset 1
		t.old = append(t.old, t.epoch)
		if len(t.old) > oldEpochs {
			t.old = t.old[1:]
		}
		t.epoch, t.offset = m.Epoch, 0
		tb.accept(t, m)
	}
}

// fill reads the entries of a gap (after, upto] from the log and delivers them, then the
// messages that arrived meanwhile. When the log cannot fill it (pruned, or unreachable),
// the subscribers are told to reset.
func (tb *table) fill(t *topic, epoch string, after, upto int64) {
	var got []eventlog.Entry
	_, err := tb.readRange(t.name, epoch, after, upto, func(e eventlog.Entry) { got = append(got, e) })
	t.mu.Lock()
	defer t.mu.Unlock()
	t.filling = false
	for _, e := range got {
		if e.Epoch == t.epoch && e.Offset == t.offset+1 {
			t.offset = e.Offset
			tb.deliver(t, fanout.FromEntry(e))
		}
	}
	if err != nil && t.epoch == epoch && t.offset < upto {
		if !errors.Is(err, eventlog.ErrReset) {
			tb.hub.logger.Warn("ws: gap not filled; subscribers reset", "topic", t.name, "error", err.Error())
		}
		t.offset = upto
		frame := resetFor(t.name)
		for c, s := range t.subs {
			if s.live {
				s.epoch, s.offset = epoch, upto
				c.send(frame)
			}
		}
	}
	pending := t.pending
	t.pending = nil
	for _, m := range pending {
		tb.accept(t, m)
	}
}

// deliver sends m to every subscriber whose cursor is behind it (under t.mu).
func (tb *table) deliver(t *topic, m fanout.Message) {
	tb.hub.metrics.delivered.Inc()
	var frame []byte
	for c, s := range t.subs {
		if !s.live {
			s.buffer = append(s.buffer, m)
			continue
		}
		if m.Epoch == s.epoch && m.Offset <= s.offset {
			continue
		}
		if frame == nil {
			frame = eventFrame(m)
		}
		s.sent(m)
		c.send(frame)
	}
}

// join subscribes c to the topic name: from now on, or (with since) after replaying
// what it missed.
func (tb *table) join(c *conn, name string, since *sinceRef) {
	if !c.addTopic(name) {
		if since != nil {
			tb.rejoin(c, name, *since)
		}
		return
	}
	tb.mu.Lock()
	t := tb.topics[name]
	if t == nil {
		t = &topic{name: name, subs: map[*conn]*sub{}}
		tb.topics[name] = t
	}
	t.mu.Lock()
	tb.mu.Unlock()
	s := &sub{}
	t.subs[c] = s
	known, epoch, offset := t.known, t.epoch, t.offset
	t.mu.Unlock()

	if since != nil {
		tb.replay(c, t, s, *since)
		return
	}
	// The client hears what comes after this moment: after what this instance delivered,
	// or, for a topic new here, after what the log holds (events meanwhile are buffered).
	if !known {
		ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
		head, last, err := tb.hub.log.Head(ctx, name)
		cancel()
		if err == nil {
			epoch, offset = head, last
		}
		t.mu.Lock()
		if err == nil && !t.known {
			t.known, t.epoch, t.offset = true, head, last
		}
		t.mu.Unlock()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s.epoch, s.offset = epoch, offset
	tb.goLive(c, t, s)
}

// goLive sends what s buffered beyond its cursor and makes it live (under t.mu).
func (tb *table) goLive(c *conn, t *topic, s *sub) {
	for _, m := range s.buffer {
		if m.Epoch == s.epoch && m.Offset <= s.offset {
			continue
		}
		s.sent(m)
		c.send(eventFrame(m))
	}
	s.buffer, s.live = nil, true
}

// sent moves the cursor to m.
func (s *sub) sent(m fanout.Message) {
	if s.first == 0 {
		s.first = m.Offset
	}
	s.epoch, s.offset = m.Epoch, m.Offset
}

// leave unsubscribes c from name, forgetting the topic when no one hears it any more.
func (tb *table) leave(c *conn, name string) {
	if !c.dropTopic(name) {
		return
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	t := tb.topics[name]
	if t == nil {
		return
	}
	t.mu.Lock()
	delete(t.subs, c)
	empty := len(t.subs) == 0 && !t.filling
	t.mu.Unlock()
	if empty {
		delete(tb.topics, name)
	}
}

// leaveAll unsubscribes c from every topic (its connection ended).
func (tb *table) leaveAll(c *conn) {
	for _, name := range c.topicNames() {
		tb.leave(c, name)
	}
}

// subscribed lists the topics with local subscribers.
func (tb *table) subscribed() map[string]bool {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	out := make(map[string]bool, len(tb.topics))
	for name := range tb.topics {
		out[name] = true
	}
	return out
}

// rejoin applies since to a topic c already hears (one it heard from the start, since a
// reconnecting client names since right after the welcome): when nothing was sent on it
// yet, the replay runs as for a new subscription; otherwise what the client missed before
// the first event this connection sent is replayed (it arrives after those events).
func (tb *table) rejoin(c *conn, name string, since sinceRef) {
	t := tb.get(name)
	if t == nil {
		return
	}
	t.mu.Lock()
	s := t.subs[c]
	if s == nil {
		t.mu.Unlock()
		return
	}
	if s.first == 0 {
		s.live, s.buffer = false, nil
		t.mu.Unlock()
		tb.replay(c, t, s, since)
		return
	}
	epoch, first := s.epoch, s.first
	t.mu.Unlock()
	switch {
	case epoch != since.Epoch || first-since.Offset > int64(tb.hub.opts.ReplayMax):
		c.send(resetFor(name))
	case since.Offset < first:
		if _, ok := tb.replayRange(c, name, epoch, since.Offset, first-1); !ok {
			c.send(resetFor(name))
		}
	}
}
