package e2e_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestWSHostileClient: a client that floods the hub with subscribe frames (each with
// `since`, which costs a read of the event log) is closed with 1008 once past its
// WS_CLIENT_FRAME_RATE burst, instead of keeping Postgres busy for as long as it likes;
// a text frame that is not UTF-8 is closed with 1007.
func TestWSHostileClient(t *testing.T) {
	t.Parallel()
	s := newStack(t, append(idGenerousLimits, "WS_CLIENT_FRAME_RATE=5")...)
	api := s.start("api")
	u := idNewUser(t, api.URL, "wsflood", "")
	topic := "user:" + u.UserID

	conn, res, err := wsTryDial(api.URL, "", http.Header{"Authorization": {"Bearer " + u.Access}}, 0)
	if err != nil {
		t.Fatalf("dial: %v %s", err, wsStatus(res))
	}
	flood := wsStart(t, conn, res, false)
	frame := []byte(`{"type":"subscribe","since":{"` + topic + `":{"epoch":"nope","offset":1}}}`)
	for range 1000 {
		if err := flood.Conn.WriteMessage(1, frame); err != nil {
			break // closed already
		}
	}
	if code := flood.Closed(5 * time.Second); code != 1008 {
		t.Fatalf("a flood of frames: close %d, want 1008", code)
	}

	conn, res, err = wsTryDial(api.URL, "", http.Header{"Authorization": {"Bearer " + u.Access}}, 0)
	if err != nil {
		t.Fatalf("dial: %v %s", err, wsStatus(res))
	}
	bad := wsStart(t, conn, res, false)
	if err := bad.Conn.WriteMessage(1, []byte("{\"type\":\"ping\xff\"}")); err != nil {
		t.Fatal(err)
	}
	if code := bad.Closed(2 * time.Second); code != 1007 {
		t.Fatalf("a text frame that is not UTF-8: close %d, want 1007", code)
	}
}

// TestWSUpgradeChecked: an upgrade whose Sec-WebSocket-Key is not the base64 of 16
// bytes (RFC 6455, 4.2.1) is refused before the upgrade, as one without a key is; one that
// offers more than one access token (RFC 6750, 2: one method per request) gets 401
// instead of the server picking one of them.
func TestWSUpgradeChecked(t *testing.T) {
	t.Parallel()
	s := newStack(t, idGenerousLimits...)
	api := s.start("api")
	u := idNewUser(t, api.URL, "wskey", "")
	for _, key := range []string{"abc", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZSE=", "!!!!!!!!!!!!!!!!!!!!!!=="} {
		c, err := net.Dial("tcp", strings.TrimPrefix(api.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = c.Write([]byte("GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + "\r\nAuthorization: Bearer " + u.Access + "\r\n\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("key %q: %v", key, err)
		}
		_ = res.Body.Close()
		_ = c.Close()
		if res.StatusCode != http.StatusUpgradeRequired {
			t.Fatalf("key %q: %d, want 426", key, res.StatusCode)
		}
	}

	other := idNewUser(t, api.URL, "wskey2", "")
	for _, tc := range []struct {
		name   string
		query  string
		header http.Header
	}{
		{"header and query", "?access_token=" + other.Access, http.Header{"Authorization": {"Bearer " + u.Access}}},
		{"header and subprotocol", "", http.Header{"Authorization": {"Bearer " + u.Access}, "Sec-WebSocket-Protocol": {"keel.v1, bearer." + other.Access}}},
		{"query and subprotocol", "?access_token=" + u.Access, http.Header{"Sec-WebSocket-Protocol": {"keel.v1, bearer." + other.Access}}},
		{"two bearer subprotocols", "", http.Header{"Sec-WebSocket-Protocol": {"keel.v1, bearer.nonsense, bearer." + u.Access}}},
	} {
		_, res, err := wsTryDial(api.URL, tc.query, tc.header, 0)
		if err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s: %v %s, want 401", tc.name, err, wsStatus(res))
		}
	}
}
