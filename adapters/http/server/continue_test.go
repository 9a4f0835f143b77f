package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/server"
)

// TestExpectContinueRefusalTimedFromItsRequest: fasthttp stamps a request's time only
// after its 100-continue decision, and the refusal of an oversize Expect: 100-continue
// body runs the whole chain within that decision. Timed from that stamp, the refusal on a
// fresh connection was logged (and put in the latency histogram) as lasting 292 years,
// and its request id carried a timestamp from year 1: any client could skew every latency
// sum with one request.
func TestExpectContinueRefusalTimedFromItsRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	base := h.listen(t)
	before := time.Now().Add(-time.Second)
	r := rawExchange(t, base, "POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n", 0)
	r.WantProblem(t, http.StatusRequestEntityTooLarge, "payload_too_large", "/size", true)
	id, err := uuid.Parse(r.Res.Header.Get(server.HeaderRequestID))
	if err != nil || id.Version() != 7 {
		t.Fatalf("request id %q: %v", r.Res.Header.Get(server.HeaderRequestID), err)
	}
	if at := time.Unix(id.Time().UnixTime()); at.Before(before) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("request id %s dates from %s", id, at)
	}
	for _, line := range h.logs.lines(t, "http request") {
		if line["request_id"] != id.String() {
			continue
		}
		if ms, _ := line["duration_ms"].(float64); ms < 0 || ms > 10_000 {
			t.Errorf("the refusal took %v ms by the access log", line["duration_ms"])
		}
		return
	}
	t.Fatalf("no access log line for %s:\n%s", id, h.logs.String())
}
