package ws

import (
	"context"

	"github.com/keelhq/keel/adapters/postgres/eventlog"
)

// replay brings a new subscriber from since up to the topic's live events: the entries it
// missed, from the log and in order, then what arrived meanwhile, then live. When the log
// cannot (unknown or old epoch, pruned, more than ReplayMax behind), the client gets a
// reset for the topic and live events from now on.
func (tb *table) replay(c *conn, t *topic, s *sub, since sinceRef) {
	epoch, cursor, ok := tb.replayFrom(c, t.name, since)
	for ok {
		t.mu.Lock()
		if len(s.buffer) == 0 || s.buffer[0].Epoch != epoch || s.buffer[0].Offset <= cursor+1 {
			s.epoch, s.offset = epoch, cursor
			if s.first == 0 && cursor > since.Offset {
				s.first = since.Offset + 1
			}
			tb.goLive(c, t, s)
			t.mu.Unlock()
			return
		}
		upto := s.buffer[0].Offset - 1
		t.mu.Unlock()
		cursor, ok = tb.replayRange(c, t.name, epoch, cursor, upto)
	}
	c.send(resetFor(t.name))
	t.mu.Lock()
	defer t.mu.Unlock()
	s.epoch, s.offset = t.epoch, t.offset
	if len(s.buffer) > 0 {
		s.epoch, s.offset = s.buffer[0].Epoch, s.buffer[0].Offset-1
	}
	tb.goLive(c, t, s)
}

// replayFrom sends what c missed since, up to the log's head; ok is false when it must
// reset instead.
func (tb *table) replayFrom(c *conn, name string, since sinceRef) (epoch string, cursor int64, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
	head, last, err := tb.hub.log.Head(ctx, name)
	cancel()
	if err != nil || head == "" || head != since.Epoch || since.Offset < 0 || since.Offset > last ||
		last-since.Offset > int64(tb.hub.opts.ReplayMax) {
		return "", 0, false
	}
	cursor, ok = tb.replayRange(c, name, head, since.Offset, -1)
	return head, cursor, ok
}

// replayRange sends the entries (after, upto] (upto -1: to the end) of epoch to c.
func (tb *table) replayRange(c *conn, name, epoch string, after, upto int64) (cursor int64, ok bool) {
	cursor, err := tb.readRange(name, epoch, after, upto, func(e eventlog.Entry) { c.send(entryFrame(e)) })
	return cursor, err == nil
}

// readRange reads the entries (after, upto] (upto -1: to the end) of epoch from the log, a
// page at a time, handing each to f in order. It returns the last offset read, and
// eventlog.ErrReset when the log ends before upto, or the log's error.
func (tb *table) readRange(name, epoch string, after, upto int64, f func(eventlog.Entry)) (cursor int64, err error) {
	cursor = after
	for upto < 0 || cursor < upto {
		limit := replayPage
		if upto >= 0 {
			limit = int(min(upto-cursor, replayPage))
		}
		ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
		page, err := tb.hub.log.Replay(ctx, name, epoch, cursor, limit)
		cancel()
		if err != nil {
			return cursor, err
		}
		for _, e := range page {
			f(e)
			cursor = e.Offset
		}
		if len(page) < limit {
			break
		}
	}
	if upto >= 0 && cursor < upto {
		return cursor, eventlog.ErrReset
	}
	return cursor, nil
}
