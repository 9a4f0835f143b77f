package e2e_test

import (
	"fmt"
	"net/http"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/redistest"
)

// TestWSRedisOutage is acceptance point 4: with Redis stopped (a private server) the api
// keeps serving HTTP and a connected client still receives new events within 5 s; after
// Redis returns nothing was lost or repeated. Then the api stops: the client gets 1001.
func TestWSRedisOutage(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	s := newStack(t, append(idGenerousLimits, "REDIS_URL="+srv.URL())...)
	api := s.start("api")
	s.start("worker")
	u := idNewUser(t, api.URL, "wsoutage", "")
	wsSettle(t, s)
	c := wsConnect(t, api.URL, u.Access)

	var last wsFrame
	expect := func(name string, within time.Duration) {
		t.Helper()
		start := time.Now()
		if err := patchName(api.URL, u.Access, name); err != nil {
			t.Fatal(err)
		}
		f := c.NextEvent(within)
		if f.Type != "event" || wsField(t, f, "name") != name {
			t.Fatalf("%s: frame %+v", name, f)
		}
		if last.Offset > 0 && (f.Epoch != last.Epoch || f.Offset != last.Offset+1) {
			t.Fatalf("%s: offset %d after %d", name, f.Offset, last.Offset)
		}
		t.Logf("%s: received after %s", name, time.Since(start))
		last = f
	}
	expect("Before", 5*time.Second)

	srv.Stop()
	waitFor(t, "readiness degraded", 10*time.Second, func() (bool, string) {
		r := getReady(t, api.URL)
		return r.Checks["redis"] != "ok", r.String()
	})
	for i := range 3 {
		expect(fmt.Sprintf("During %d", i), 5*time.Second)
	}

	srv.Start()
	for i := range 3 {
		expect(fmt.Sprintf("After %d", i), 5*time.Second)
	}
	waitFor(t, "redis back", 10*time.Second, func() (bool, string) {
		r := getReady(t, api.URL)
		return r.Checks["redis"] == "ok", r.String()
	})
	expect("Back", 5*time.Second)
	c.Quiet(500 * time.Millisecond)

	// The api counted the loss and what it read from the log meanwhile.
	metrics := string(do(t, http.MethodGet, api.URL+"/metrics", nil).Body)
	for _, series := range []string{"keel_ws_subscription_losses_total", "keel_ws_polled_events_total"} {
		if !regexp.MustCompile(`(?m)^` + series + ` [1-9]`).MatchString(metrics) {
			t.Fatalf("/metrics has no positive %s", series)
		}
	}

	start := time.Now()
	if err := api.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := c.Closed(10 * time.Second); code != 1001 {
		t.Fatalf("on shutdown the socket closed with %d, want 1001", code)
	}
	code, err := api.Wait(10 * time.Second)
	if err != nil || code != 0 {
		t.Fatalf("api exit %d, %v", code, err)
	}
	t.Logf("1001 and exit within %s", time.Since(start))
}

// TestWSSlowConsumer is acceptance point 5: a client that never reads is closed with 4408
// while 100 other clients on the same instance keep receiving within 1 s.
func TestWSSlowConsumer(t *testing.T) {
	t.Parallel()
	s := newStack(t, append(idGenerousLimits, "HTTP_MAX_CONNS_PER_IP=0", "WS_MAX_CONNS_PER_USER=200",
		"WS_SEND_QUEUE_BYTES=65536", "WS_WRITE_TIMEOUT=60s")...)
	api := s.start("api")
	s.start("worker")
	slowUser, others := idNewUser(t, api.URL, "wsslow", ""), idNewUser(t, api.URL, "wsfast", "")
	wsSettle(t, s)
	db := idDB(t, s)

	conn, res, err := wsTryDial(api.URL, "", http.Header{"Authorization": {"Bearer " + slowUser.Access}}, 4096)
	if err != nil {
		t.Fatalf("dial: %v %s", err, wsStatus(res))
	}
	slow := wsStart(t, conn, res, true)
	clients := make([]*wsClient, 100)
	for i := range clients {
		clients[i] = wsConnect(t, api.URL, others.Access)
	}

	// The slow client's own topic floods (8 MB) while broadcasts keep coming for everyone.
	const rounds, perRound = 10, 5
	// An event's lag is measured from its first arrival at any of the 100 (when the api
	// had it: the relay's own delay, which the slow client cannot cause, is left out);
	// from its creation it is only logged, and bounded loosely against stalls.
	var worst, worstAbs time.Duration
	for r := range rounds {
		wsInsertEvents(t, db, "user:"+slowUser.UserID, 200, 4000)
		wsInsertEvents(t, db, "broadcast", perRound, 100)
		first := make([]time.Time, perRound)
		arrivals := make([][]time.Time, perRound)
		for i, c := range clients {
			for k := range perRound {
				f := c.NextEvent(10 * time.Second)
				if f.Type != "event" || f.Topic != "broadcast" {
					t.Fatalf("client %d round %d: %+v", i, r, f)
				}
				if first[k].IsZero() || f.At.Before(first[k]) {
					first[k] = f.At
				}
				arrivals[k] = append(arrivals[k], f.At)
				if abs := f.At.Sub(f.TS); abs > worstAbs {
					worstAbs = abs
				}
			}
		}
		for k, at := range arrivals {
			for i, a := range at {
				if lag := a.Sub(first[k]); lag > worst {
					worst = lag
					if lag > time.Second {
						t.Fatalf("round %d event %d reached client %d %s after the first client, want within 1 s", r, k, i, lag)
					}
				}
			}
		}
	}
	t.Logf("100 clients: every broadcast within %s of its first arrival (at most %s after it was created)", worst, worstAbs)
	if worstAbs > 5*time.Second {
		t.Fatalf("a broadcast arrived %s after it was created", worstAbs)
	}
	slow.Resume()
	if code := slow.Closed(30 * time.Second); code != 4408 {
		t.Fatalf("the client that never read was closed with %d, want 4408", code)
	}
}
