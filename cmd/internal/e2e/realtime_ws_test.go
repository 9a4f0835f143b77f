package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"testing"
	"time"

	fws "github.com/fasthttp/websocket"
)

// TestWSAcrossInstances is acceptance point 1 of issue 8: a client connected to instance B
// receives, within 1 s, the event of a change made through instance A, and offsets on its
// topic grow by exactly 1.
func TestWSAcrossInstances(t *testing.T) {
	t.Parallel()
	s := newStack(t, idGenerousLimits...)
	a, b := s.start("api"), s.start("api")
	s.start("worker")
	u := idNewUser(t, a.URL, "wsab", "")
	wsSettle(t, s)
	c := wsConnect(t, b.URL, u.Access)
	topic := "user:" + u.UserID

	var last wsFrame
	for i := range 5 {
		start := time.Now()
		if err := patchName(a.URL, u.Access, fmt.Sprintf("Renamed %d", i)); err != nil {
			t.Fatal(err)
		}
		f := c.NextEvent(time.Second)
		t.Logf("event %d after %s", i, time.Since(start))
		if f.Type != "event" || f.Topic != topic || f.Event != "user.updated" || f.Epoch == "" || f.ID == "" || f.TS.IsZero() {
			t.Fatalf("frame %+v, want the user.updated event on %s", f, topic)
		}
		if got := wsField(t, f, "name"); got != fmt.Sprintf("Renamed %d", i) {
			t.Fatalf("event data name %q (the REST resource): %s", got, f.Data)
		}
		if i > 0 && (f.Epoch != last.Epoch || f.Offset != last.Offset+1) {
			t.Fatalf("offset %s/%d after %s/%d: want exactly +1", f.Epoch, f.Offset, last.Epoch, last.Offset)
		}
		last = f
	}

	// A notification an administrator sends through A, to this account and to everyone:
	// notification.created on the account's topic (the next offset) and on broadcast, its
	// data the resource the 202 answered.
	admin := idCreateAdmin(t, s, a.URL)
	for _, to := range []struct{ userID, topic string }{{u.UserID, topic}, {"all", "broadcast"}} {
		start := time.Now()
		r := do(t, http.MethodPost, a.URL+"/v1/notifications", map[string]any{
			"userId": to.userID, "kind": "admin.message", "title": "Hello " + to.userID, "body": "Over the wire",
		}, idHeaders(idBearer(admin.Access))...)
		if r.Status != http.StatusAccepted {
			t.Fatalf("POST /v1/notifications = %d\n%s", r.Status, r.Body)
		}
		f := c.NextEvent(time.Second)
		t.Logf("notification to %s after %s", to.userID, time.Since(start))
		if f.Topic != to.topic || f.Event != "notification.created" || !jsonEqual(f.Data, r.Body) {
			t.Fatalf("frame %+v, want notification.created on %s with the data %s", f, to.topic, r.Body)
		}
		if to.topic == topic && (f.Epoch != last.Epoch || f.Offset != last.Offset+1) {
			t.Fatalf("offset %s/%d after %s/%d: want exactly +1", f.Epoch, f.Offset, last.Epoch, last.Offset)
		}
	}
	c.Quiet(300 * time.Millisecond) // nothing twice
}

// jsonEqual tells whether two JSON documents hold the same value.
func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// TestWSResume is acceptance point 2: a client that misses 50 events and reconnects with
// since gets exactly those, in order, then live ones; one further behind than the replay
// bound, or naming an unknown epoch, gets reset.
func TestWSResume(t *testing.T) {
	t.Parallel()
	s := newStack(t, idGenerousLimits...)
	a := s.start("api")
	b := s.start("api", "WS_REPLAY_MAX=60")
	s.start("worker")
	u := idNewUser(t, a.URL, "wsresume", "")
	topic := "user:" + u.UserID
	wsSettle(t, s)

	c := wsConnect(t, b.URL, u.Access)
	if err := patchName(a.URL, u.Access, "Seen"); err != nil {
		t.Fatal(err)
	}
	seen := c.NextEvent(2 * time.Second)
	_ = c.Conn.Close()

	for i := range 50 {
		if err := patchName(a.URL, u.Access, fmt.Sprintf("Missed %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	db := idDB(t, s)
	waitFor(t, "the 50 changes recorded", 20*time.Second, func() (bool, string) {
		n := count(t, db, fmt.Sprintf("SELECT count(*) FROM event_log WHERE topic = '%s' AND \"offset\" > %d", topic, seen.Offset))
		return n == 50, fmt.Sprint(n)
	})

	r := wsConnect(t, b.URL, u.Access)
	r.Send(map[string]any{"type": "subscribe", "topics": []string{topic},
		"since": map[string]any{topic: map[string]any{"epoch": seen.Epoch, "offset": seen.Offset}}})
	for i := range 50 {
		f := r.NextEvent(5 * time.Second)
		if f.Type != "event" || f.Offset != seen.Offset+1+int64(i) || f.Epoch != seen.Epoch {
			t.Fatalf("replayed frame %d: %+v, want offset %d", i, f, seen.Offset+1+int64(i))
		}
		if got := wsField(t, f, "name"); got != fmt.Sprintf("Missed %d", i) {
			t.Fatalf("replayed event %d has name %q", i, got)
		}
	}
	if err := patchName(a.URL, u.Access, "Live"); err != nil {
		t.Fatal(err)
	}
	if f := r.NextEvent(2 * time.Second); f.Offset != seen.Offset+51 || wsField(t, f, "name") != "Live" {
		t.Fatalf("live frame after the replay: %+v", f)
	}
	r.Quiet(200 * time.Millisecond)

	// Further behind than WS_REPLAY_MAX (60), and an unknown epoch: reset.
	for i, since := range []map[string]any{
		{"epoch": seen.Epoch, "offset": seen.Offset - 20},
		{"epoch": "no-such-epoch", "offset": 3},
	} {
		x := wsConnect(t, b.URL, u.Access)
		x.Send(map[string]any{"type": "subscribe", "topics": []string{topic}, "since": map[string]any{topic: since}})
		if f := x.NextEvent(5 * time.Second); f.Type != "reset" || f.Topic != topic {
			t.Fatalf("since %v: frame %+v, want reset", since, f)
		}
		name := fmt.Sprintf("After reset %d", i)
		if err := patchName(a.URL, u.Access, name); err != nil {
			t.Fatal(err)
		}
		if f := x.NextEvent(2 * time.Second); f.Type != "event" || wsField(t, f, "name") != name {
			t.Fatalf("after reset: %+v, want the live event", f)
		}
	}
}

// TestWSProtocol: refusals before the upgrade are problem+json; the subprotocol
// authentication selects keel.v1 and never echoes the token; topic rules; 1009.
func TestWSProtocol(t *testing.T) {
	t.Parallel()
	s := newStack(t, append(idGenerousLimits, "WS_ALLOWED_ORIGINS=http://app.example", "WS_MAX_CONNS_PER_USER=2")...)
	api := s.start("api")
	u := idNewUser(t, api.URL, "wsproto", "de")

	// The per-user cap: a third connection of one account is refused before the upgrade.
	capped := idNewUser(t, api.URL, "wscap", "")
	wsConnect(t, api.URL, capped.Access)
	wsConnect(t, api.URL, capped.Access)
	if _, res, err := wsTryDial(api.URL, "?access_token="+capped.Access, nil, 0); err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third connection: %v %s, want 429", err, wsStatus(res))
	}

	// Not an upgrade, no token, a bad token, a foreign origin.
	wantProblem(t, do(t, http.MethodGet, api.URL+"/v1/ws", nil), http.StatusUpgradeRequired, "upgrade_required")
	for _, tc := range []struct {
		name   string
		query  string
		header http.Header
		status int
	}{
		{"no token", "", http.Header{}, http.StatusUnauthorized},
		{"bad token", "?access_token=nonsense", http.Header{}, http.StatusUnauthorized},
		{"bearer subprotocol without keel.v1", "", http.Header{"Sec-WebSocket-Protocol": {"bearer." + u.Access}}, http.StatusUnauthorized},
		{"foreign origin", "?access_token=" + u.Access, http.Header{"Origin": {"http://evil.example"}}, http.StatusForbidden},
	} {
		_, res, err := wsTryDial(api.URL, tc.query, tc.header, 0)
		if err == nil || res == nil || res.StatusCode != tc.status {
			t.Fatalf("%s: %v %s, want %d", tc.name, err, wsStatus(res), tc.status)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" && ct != "application/problem+json; charset=utf-8" {
			t.Fatalf("%s: Content-Type %q", tc.name, ct)
		}
	}

	// The browser way: subprotocols, from an allowed origin.
	conn, res, err := wsTryDial(api.URL, "", http.Header{
		"Sec-WebSocket-Protocol": {"keel.v1, bearer." + u.Access}, "Origin": {"http://app.example"}}, 0)
	if err != nil {
		t.Fatalf("subprotocol authentication: %v %s", err, wsStatus(res))
	}
	if got := res.Header.Values("Sec-WebSocket-Protocol"); len(got) != 1 || got[0] != "keel.v1" {
		t.Fatalf("selected subprotocol %q, want keel.v1 alone", got)
	}
	c := wsStart(t, conn, res, false)
	c.Send(map[string]string{"type": "ping"})
	if f := c.Next(2 * time.Second); f.Type != "pong" {
		t.Fatalf("ping: %+v", f)
	}
	c.Send(map[string]any{"type": "subscribe", "topics": []string{"nonsense"}})
	if f := c.Next(2 * time.Second); f.Type != "error" || f.Code != "invalid_topic" || f.Message != idMessage(t, "de", "ws.error.invalid_topic") {
		t.Fatalf("invalid topic: %+v, want a German error frame", f)
	}
	c.Send(map[string]any{"type": "subscribe", "topics": []string{"admin"}})
	if code := c.Closed(2 * time.Second); code != 4403 {
		t.Fatalf("subscribing to admin as a user: close %d, want 4403", code)
	}

	// ?access_token= and an oversize frame.
	conn, res, err = wsTryDial(api.URL, "?access_token="+u.Access, nil, 0)
	if err != nil {
		t.Fatalf("query authentication: %v %s", err, wsStatus(res))
	}
	big := wsStart(t, conn, res, false)
	if err := big.Conn.WriteMessage(1, make([]byte, 20_000)); err != nil {
		t.Fatal(err)
	}
	if code := big.Closed(2 * time.Second); code != 1009 {
		t.Fatalf("oversize frame: close %d, want 1009", code)
	}

	// Heartbeat: a client that answers pings (this one's reader does) stays; one that
	// reads nothing, and so never answers, is dropped after two intervals.
	quick := s.start("api", "WS_HEARTBEAT=1s")
	alive := wsConnect(t, quick.URL, u.Access)
	conn, res, err = wsTryDial(quick.URL, "", http.Header{"Authorization": {"Bearer " + u.Access}}, 0)
	if err != nil {
		t.Fatalf("dial: %v %s", err, wsStatus(res))
	}
	wsStart(t, conn, res, true) // never reads
	start := time.Now()
	// The server counts a connection once its handler runs, a moment after the client
	// sees the upgrade: wait for both, then for the silent one to go.
	connections := func(want string) func() (bool, string) {
		return func() (bool, string) {
			m := regexp.MustCompile(`(?m)^keel_ws_connections (\d+)`).FindStringSubmatch(string(do(t, http.MethodGet, quick.URL+"/metrics", nil).Body))
			return len(m) == 2 && m[1] == want, fmt.Sprint(m)
		}
	}
	waitFor(t, "both clients counted", 5*time.Second, connections("2"))
	waitFor(t, "the silent client dropped", 10*time.Second, connections("1"))
	t.Logf("the silent client was dropped after %s", time.Since(start))
	if time.Since(start) < 2*time.Second {
		t.Fatalf("dropped after %s, before two heartbeats", time.Since(start))
	}
	alive.Send(map[string]string{"type": "ping"})
	if f := alive.Next(2 * time.Second); f.Type != "pong" {
		t.Fatalf("the client that answers pings: %+v", f)
	}
}

// wsField returns a string member of an event's data.
func wsField(t *testing.T, f wsFrame, name string) string {
	t.Helper()
	var m map[string]any
	if err := jsonUnmarshal(f.Data, &m); err != nil {
		t.Fatalf("event data %s: %v", f.Data, err)
	}
	s, _ := m[name].(string)
	return s
}

// TestWSCapConcurrentHandshakes: handshakes of one account arriving together are held to
// WS_MAX_CONNS_PER_USER before the upgrade: exactly the cap are upgraded (and stay open),
// the others get 429, none an upgrade followed by a close (1001 "refused"). Without a
// session cache every handshake waits on PostgreSQL, so their checks overlap.
func TestWSCapConcurrentHandshakes(t *testing.T) {
	t.Parallel()
	s := newStack(t, append(idGenerousLimits, "WS_MAX_CONNS_PER_USER=2", "AUTH_SESSION_CACHE_TTL=0s")...)
	api := s.start("api")
	for i := range 3 {
		wsCapConcurrent(t, api.URL, idNewUser(t, api.URL, fmt.Sprintf("wscapc%d", i), "").Access, 12, 2)
	}
}

// wsCapConcurrent dials n connections of one account at once against a cap of limit and
// wants exactly limit of them upgraded and welcomed, the rest refused with 429, and a slot
// to come free again when one closes.
func wsCapConcurrent(t *testing.T, api, token string, n, limit int) {
	t.Helper()
	type dialed struct {
		conn *fws.Conn
		res  *http.Response
	}
	results := make(chan dialed, n)
	for range n {
		go func() {
			c, res, _ := wsTryDial(api, "?access_token="+token, nil, 0)
			results <- dialed{c, res}
		}()
	}
	var open []*wsClient
	refused := 0
	for range n {
		d := <-results
		switch {
		case d.conn != nil:
			open = append(open, wsStart(t, d.conn, d.res, false))
		case d.res != nil && d.res.StatusCode == http.StatusTooManyRequests:
			refused++
		default:
			t.Fatalf("concurrent dial: %s, want 101 or 429", wsStatus(d.res))
		}
	}
	if len(open) != limit || refused != n-limit {
		t.Fatalf("%d concurrent dials against a cap of %d: %d upgraded, %d refused with 429", n, limit, len(open), refused)
	}
	for _, c := range open {
		c.Quiet(200 * time.Millisecond) // admitted, not upgraded and then closed
	}
	_ = open[0].Conn.Close()
	waitFor(t, "a freed slot", 5*time.Second, func() (bool, string) {
		c, res, err := wsTryDial(api, "?access_token="+token, nil, 0)
		if err != nil {
			return false, wsStatus(res)
		}
		_ = c.Close()
		return true, ""
	})
}
