package ws

import (
	"encoding/json"
	"slices"

	"github.com/keelhq/keel/adapters/postgres/eventlog"
	"github.com/keelhq/keel/adapters/redis/fanout"
)

// Close codes of the protocol (RFC 6455 and Keel's own 4xxx).
const (
	closeGoingAway       = 1001
	closeInvalidData     = 1007
	closePolicy          = 1008
	closeTooBig          = 1009
	closeUnauthenticated = 4401
	closeForbidden       = 4403
	closeSlow            = 4408
)

// Frame types.
const (
	typeWelcome     = "welcome"
	typeEvent       = "event"
	typeReset       = "reset"
	typePong        = "pong"
	typeError       = "error"
	typeSubscribe   = "subscribe"
	typeUnsubscribe = "unsubscribe"
	typePing        = "ping"
)

// welcomeFrame greets a new connection.
type welcomeFrame struct {
	Type         string `json:"type"`
	ConnectionID string `json:"connectionId"`
	Heartbeat    int    `json:"heartbeat"`
}

// resetFrame tells the client that what it missed on topic cannot be replayed.
type resetFrame struct {
	Type  string `json:"type"`
	Topic string `json:"topic"`
}

// errorFrame is a localized error about the client's last frame.
type errorFrame struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// clientFrame is any frame a client sends.
type clientFrame struct {
	Type   string              `json:"type"`
	Topics []string            `json:"topics"`
	Since  map[string]sinceRef `json:"since"`
}

// sinceRef is the last event a client saw on a topic.
type sinceRef struct {
	Epoch  string `json:"epoch"`
	Offset int64  `json:"offset"`
}

var pongFrame = encodeJSON(struct {
	Type string `json:"type"`
}{typePong})

// eventFrame encodes m as an event frame: the fan-out message with "type" first, without
// its traceparent (the trace is the service's own business, not the client's).
func eventFrame(m fanout.Message) []byte {
	m.Traceparent = ""
	b, err := fanout.Encode(m)
	if err != nil || len(b) < 2 {
		return nil
	}
	const head = `{"type":"event",`
	out := make([]byte, 0, len(head)+len(b)-1)
	return append(append(out, head...), b[1:]...)
}

// entryFrame encodes a log entry as an event frame.
func entryFrame(e eventlog.Entry) []byte { return eventFrame(fanout.FromEntry(e)) }

// resetFor encodes the reset frame of topic.
func resetFor(topic string) []byte { return encodeJSON(resetFrame{Type: typeReset, Topic: topic}) }

// decodeClient parses a client frame.
func decodeClient(b []byte) (clientFrame, error) {
	var f clientFrame
	err := json.Unmarshal(b, &f)
	return f, err
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]sinceRef) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
