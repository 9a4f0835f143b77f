package e2e_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/faultproxy"
	"github.com/keelhq/keel/platform/testkit/redistest"
)

// TestRelayRedisOutage: the processes reach Redis through a fault proxy, the test listens
// on Redis directly. An event reaches Redis within a second of the change; while the
// proxy is cut the api keeps serving and the worker keeps assigning offsets (the log the
// api polls grows); once Redis is back, the whole backlog is published.
func TestRelayRedisOutage(t *testing.T) {
	t.Parallel()
	proxy := faultproxy.New(t, redisAddr(t))
	s := newStack(t, append(idGenerousLimits, "REDIS_URL=redis://"+proxy.Addr()+"/0")...)
	heard := listenFanout(t, idEnv(s, "REDIS_KEY_PREFIX"))
	api := s.start("api")
	db := idDB(t, s)
	worker := s.start("worker")
	u := idNewUser(t, api.URL, "outage", "")
	waitFor(t, "the registration heard", 10*time.Second, func() (bool, string) { return heard.count() == 1, fmt.Sprint(heard.count()) })

	start := time.Now()
	if err := patchName(api.URL, u.Access, "Before the outage"); err != nil {
		t.Fatal(err)
	}
	took := waitFor(t, "a change heard on Redis", 5*time.Second, func() (bool, string) { return heard.count() == 2, fmt.Sprint(heard.count()) })
	t.Logf("change to Redis: %s after the PATCH answered (%s after it was sent)", took, time.Since(start))
	if took > time.Second {
		t.Errorf("the event took %s to reach Redis, want under 1s", took)
	}

	proxy.Cut()
	const during = 20
	for i := range during {
		if err := patchName(api.URL, u.Access, fmt.Sprintf("During the outage %d", i)); err != nil {
			t.Fatalf("the api stopped serving while Redis is away: %v", err)
		}
	}
	waitFor(t, "offsets assigned while Redis is away", 10*time.Second, func() (bool, string) {
		n := count(t, db, "SELECT count(*) FROM event_log WHERE published_at IS NULL")
		return n == during, fmt.Sprintf("%d unpublished entries", n)
	})
	if n := heard.count(); n != 2 {
		t.Fatalf("%d messages heard during the outage", n)
	}
	proxy.Restore()
	took = waitFor(t, "the backlog published after Redis returned", 15*time.Second, func() (bool, string) {
		return heard.count() >= 2+during, fmt.Sprint(heard.count())
	})
	t.Logf("backlog of %d published %s after Redis returned", during, took)
	total := count(t, db, "SELECT count(*) FROM outbox_events")
	checkLog(t, db, total, 1)
	checkHeard(t, db, heard, total)
	metrics := string(do(t, http.MethodGet, worker.URL+"/metrics", nil).Body)
	for _, want := range []string{
		fmt.Sprintf("keel_relay_events_recorded_total %d", total),
		"keel_relay_publish_lag_seconds_count",
	} {
		if !strings.Contains(metrics, want+"\n") && !strings.Contains(metrics, want+" ") {
			t.Errorf("worker /metrics lacks %q", want)
		}
	}
	if !regexp.MustCompile(`(?m)^keel_relay_publish_failures_total [1-9]`).MatchString(metrics) {
		t.Error("worker /metrics counts no publish failure during the outage")
	}
}

// redisAddr is the shared Redis server's host:port.
func redisAddr(t *testing.T) string {
	t.Helper()
	c, _ := redistest.Client(t)
	return c.Options().Addr
}
