// Package fanout is the Redis side of event fan-out: the fixed set of shard channels a
// topic's events travel on, the compact message format (the WebSocket event frame without
// "type", plus the event's "traceparent" when it was written inside a trace), and a
// pipelined Publisher the worker's relay hands durable-log entries to. The api's
// subscriber (adapters/redis/pubsub) decodes what this package encodes.
package fanout

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/keelhq/keel/adapters/postgres/eventlog"
)

// Shards is the number of fan-out channels: every api instance subscribes to all of them,
// whatever topics its clients follow.
const Shards = 16

// Shard returns the shard of topic: FNV-1a (32-bit) of the topic, modulo Shards.
func Shard(topic string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(topic))
	return int(h.Sum32() % Shards)
}

// Channel returns the channel topic's events are published on: "<prefix>events:<shard>".
func Channel(prefix, topic string) string {
	return shardChannel(prefix, Shard(topic))
}

// Channels returns all Shards channels under prefix, shard 0 first.
func Channels(prefix string) []string {
	out := make([]string, Shards)
	for i := range out {
		out[i] = shardChannel(prefix, i)
	}
	return out
}

func shardChannel(prefix string, shard int) string {
	return prefix + "events:" + strconv.Itoa(shard)
}

// Message is one event on a shard channel: the WebSocket event frame without "type".
type Message struct {
	Topic  string
	Epoch  string
	Offset int64
	Event  string          // the event's name, e.g. "notification.created"
	ID     string          // the event's id
	Data   json.RawMessage // the REST resource, or {"id":...}
	TS     time.Time       // when the event happened
	// Traceparent is the W3C traceparent of the event's publication (or of the span that
	// wrote it): its delivery joins that trace. Internal: never sent to WebSocket clients.
	Traceparent string
}

// wireMessage is Message as JSON.
type wireMessage struct {
	Topic  string          `json:"topic"`
	Epoch  string          `json:"epoch"`
	Offset int64           `json:"offset"`
	Event  string          `json:"event"`
	ID     string          `json:"id"`
	Data   json.RawMessage `json:"data"`
	TS     string          `json:"ts"`
	TP     string          `json:"traceparent,omitempty"`
}

// ErrMalformed is wrapped by Decode's errors: the payload is not a well-formed message.
var ErrMalformed = errors.New("fanout: malformed message")

// Encode returns m as JSON, its time in RFC 3339 UTC (with the fraction it has).
func Encode(m Message) ([]byte, error) {
	data := m.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	b, err := json.Marshal(wireMessage{
		Topic: m.Topic, Epoch: m.Epoch, Offset: m.Offset, Event: m.Event, ID: m.ID,
		Data: data, TS: m.TS.UTC().Format(time.RFC3339Nano), TP: m.Traceparent,
	})
	if err != nil {
		return nil, fmt.Errorf("encode %s offset %d: %w", m.Topic, m.Offset, err)
	}
	return b, nil
}

// Decode parses a message. It refuses (wrapping ErrMalformed) what is not JSON, or lacks
// the topic, epoch, event or id, or has an offset below 1 or a time not in RFC 3339.
func Decode(b []byte) (Message, error) {
	var w wireMessage
	if err := json.Unmarshal(b, &w); err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if w.Topic == "" || w.Epoch == "" || w.Event == "" || w.ID == "" || w.Offset < 1 {
		return Message{}, fmt.Errorf("%w: topic, epoch, event, id and a positive offset are required", ErrMalformed)
	}
	ts, err := time.Parse(time.RFC3339Nano, w.TS)
	if err != nil {
		return Message{}, fmt.Errorf("%w: ts: %v", ErrMalformed, err)
	}
	return Message{
		Topic: w.Topic, Epoch: w.Epoch, Offset: w.Offset, Event: w.Event, ID: w.ID,
		Data: w.Data, TS: ts.UTC(), Traceparent: w.TP,
	}, nil
}

// FromEntry converts a durable-log entry to its message.
func FromEntry(e eventlog.Entry) Message {
	return Message{
		Topic: e.Topic, Epoch: e.Epoch, Offset: e.Offset, Event: e.Name, ID: e.ID.String(),
		Data: e.Data, TS: e.At.UTC(), Traceparent: e.Traceparent,
	}
}
