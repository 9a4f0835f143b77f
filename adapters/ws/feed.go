package ws

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/keelhq/keel/adapters/redis/fanout"
	"github.com/keelhq/keel/adapters/redis/pubsub"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/platform/tracing"
)

const (
	// tailPage is how many entries one poll of the log reads at most per query.
	tailPage = 1000
	// publishLag is how long an entry may wait in the log before the relay publishes it:
	// after a loss, polling starts from the log's end as it was this long before.
	publishLag = 5 * time.Second
	// markKeep is how long samples of the log's end are kept.
	markKeep = 30 * time.Second
)

// Listen routes the fan-out messages of the shard channels under prefix through sub (the
// api's shared subscriber; call before it starts) and, while sub is down or disabled,
// polls the log instead (RunFeed).
func (h *Hub) Listen(sub *pubsub.Subscriber, prefix string) {
	h.sub = sub
	if !sub.Enabled() {
		return
	}
	for _, ch := range fanout.Channels(prefix) {
		sub.Handle(ch, h.receive)
	}
	sub.OnState(func(up bool, err error) {
		if !up && err != nil {
			h.metrics.losses.Inc()
		}
		h.feedPoke()
	})
}

// receive handles one fan-out message.
func (h *Hub) receive(payload string) {
	m, err := fanout.Decode([]byte(payload))
	if err != nil {
		h.logger.Warn("ws: malformed fan-out message", "error", err.Error())
		return
	}
	h.dispatch(m)
}

// dispatch applies one event: a revoked session's sockets close, and the event reaches
// its topic's subscribers. With tracing on, an event that carries a trace is delivered in
// a consumer span of that trace, so a request's trace shows its event reaching each api.
func (h *Hub) dispatch(m fanout.Message) {
	if h.tracer != nil && m.Traceparent != "" {
		_, span := h.tracer.Start(tracing.Extract(context.Background(), m.Traceparent), "deliver "+m.Event,
			trace.WithSpanKind(trace.SpanKindConsumer),
			trace.WithAttributes(
				attribute.String("messaging.system", "keel.ws"),
				attribute.String("messaging.operation.type", "process"),
				attribute.String("messaging.message.id", m.ID),
				attribute.String("keel.event.topic", m.Topic),
				attribute.Int64("keel.event.offset", m.Offset),
			))
		defer span.End()
	}
	if id, ok := revokedSession(m); ok {
		h.revoke(id)
	}
	h.topics.route(m)
}

func (h *Hub) feedPoke() {
	select {
	case h.feedWake <- struct{}{}:
	default:
	}
}

// mark is the log's end at a time.
type mark struct {
	at  time.Time
	seq int64
}

// feedLoop samples the log's end while the subscription is up, and polls the log while it
// is down and until, once back, everything recorded before it came back was read: events
// published while it was away are delivered within PollEvery, and nothing is lost.
func (h *Hub) feedLoop() {
	defer h.bg.Done()
	t := time.NewTicker(h.opts.PollEvery)
	defer t.Stop()
	var marks []mark
	target := int64(-1) // the log's end when the subscription came back; -1 until then
	polling := true     // until the first subscription is up, and after every loss
	cursor := h.lastSeq()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		case <-h.feedWake:
		}
		up := h.sub.Up()
		now := time.Now()
		switch {
		case up && !polling:
			if seq, err := h.lastSeqErr(); err == nil {
				marks = append(marks, mark{at: now, seq: seq})
				for len(marks) > 1 && now.Sub(marks[1].at) > markKeep {
					marks = marks[1:]
				}
			}
			continue
		case !up && !polling:
			polling, target = true, -1
			cursor = before(marks, now.Add(-publishLag))
		case up && target < 0:
			target = h.lastSeq() // entries up to here were published before the subscription came back, or arrive on it
		}
		cursor = h.poll(cursor)
		if up && target >= 0 && cursor >= target {
			polling, marks, target = false, nil, -1
		}
	}
}

// before returns the latest sample taken before t (the oldest when none is).
func before(marks []mark, t time.Time) int64 {
	var seq int64
	for i, m := range marks {
		if i == 0 || !m.at.After(t) {
			seq = m.seq
		}
	}
	return seq
}

// poll delivers the log's entries after cursor and returns the new cursor.
func (h *Hub) poll(cursor int64) int64 {
	topics := h.topics.subscribed()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
		page, err := h.log.Tail(ctx, cursor, tailPage)
		cancel()
		if err != nil {
			return cursor
		}
		for _, e := range page {
			cursor = e.Seq
			h.metrics.polled.Inc()
			if topics[e.Topic] || e.Name == auth.EventSessionRevoked {
				h.dispatch(fanout.FromEntry(e))
			}
		}
		if len(page) < tailPage {
			return cursor
		}
	}
}

func (h *Hub) lastSeqErr() (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
	defer cancel()
	return h.log.LastSeq(ctx)
}

// lastSeq is the log's end, or 0 when it cannot be read.
func (h *Hub) lastSeq() int64 {
	seq, _ := h.lastSeqErr()
	return seq
}
