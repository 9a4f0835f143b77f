package e2e_test

import (
	"net/http"
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
