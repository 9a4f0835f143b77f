package e2e_test

// Helpers of the WebSocket hub's end-to-end tests. Every name here starts with "ws".

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	fws "github.com/fasthttp/websocket"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// wsFrame is one frame the server sent, decoded, with when it arrived.
type wsFrame struct {
	Type         string          `json:"type"`
	Topic        string          `json:"topic"`
	Epoch        string          `json:"epoch"`
	Offset       int64           `json:"offset"`
	Event        string          `json:"event"`
	ID           string          `json:"id"`
	Data         json.RawMessage `json:"data"`
	TS           time.Time       `json:"ts"`
	Code         string          `json:"code"`
	Message      string          `json:"message"`
	ConnectionID string          `json:"connectionId"`
	Heartbeat    int             `json:"heartbeat"`
	At           time.Time       `json:"-"`
}

// wsClient is one WebSocket connection whose frames a goroutine reads into a channel
// (unless it was opened paused: then nothing reads until Resume).
type wsClient struct {
	t      *testing.T
	Conn   *fws.Conn
	Resp   *http.Response
	Frames chan wsFrame
	// closed receives the close code (1006 when the connection ended without one).
	closed chan int
	resume chan struct{}
	once   sync.Once
}

// wsURL turns an api's http:// URL into its /v1/ws URL.
func wsURL(api string) string { return "ws" + strings.TrimPrefix(api, "http") + "/v1/ws" }

// wsDialer returns a dialer; a small receive buffer makes a client that does not read
// fill up quickly.
func wsDialer(rcvbuf int) *fws.Dialer {
	d := &fws.Dialer{HandshakeTimeout: 10 * time.Second}
	if rcvbuf > 0 {
		nd := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf) })
			return errors.Join(err, serr)
		}}
		d.NetDialContext = nd.DialContext
	}
	return d
}

// wsConnect opens a connection with the bearer header and waits for the welcome.
func wsConnect(t *testing.T, api, token string) *wsClient {
	t.Helper()
	c, res, err := wsTryDial(api, "", http.Header{"Authorization": {"Bearer " + token}}, 0)
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", api, err, wsStatus(res))
	}
	return wsStart(t, c, res, false)
}

// wsTryDial dials path (appended to /v1/ws) with header.
func wsTryDial(api, query string, header http.Header, rcvbuf int) (*fws.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return wsDialer(rcvbuf).DialContext(ctx, wsURL(api)+query, header)
}

func wsStatus(res *http.Response) string {
	if res == nil {
		return "no response"
	}
	return res.Status
}

// wsStart reads conn's frames in a goroutine (after Resume when paused) and waits for
// the welcome unless paused.
func wsStart(t *testing.T, conn *fws.Conn, res *http.Response, paused bool) *wsClient {
	t.Helper()
	c := &wsClient{t: t, Conn: conn, Resp: res, Frames: make(chan wsFrame, 128), closed: make(chan int, 1), resume: make(chan struct{})}
	if !paused {
		close(c.resume)
	}
	t.Cleanup(func() { _ = conn.Close() })
	go c.read()
	if !paused {
		if f := c.Next(5 * time.Second); f.Type != "welcome" || f.ConnectionID == "" || f.Heartbeat <= 0 {
			t.Fatalf("first frame %+v, want a welcome", f)
		}
	}
	return c
}

func (c *wsClient) read() {
	<-c.resume
	defer close(c.Frames)
	for {
		_, data, err := c.Conn.ReadMessage()
		if err != nil {
			code := 1006
			var ce *fws.CloseError
			if errors.As(err, &ce) {
				code = ce.Code
			}
			c.closed <- code
			return
		}
		var f wsFrame
		if err := json.Unmarshal(data, &f); err != nil {
			f = wsFrame{Type: "unparsable", Message: string(data)}
		}
		f.At = time.Now()
		c.Frames <- f
	}
}

// Resume starts reading a paused client.
func (c *wsClient) Resume() { c.once.Do(func() { close(c.resume) }) }

// Send writes one JSON frame.
func (c *wsClient) Send(v any) {
	c.t.Helper()
	if err := c.Conn.WriteJSON(v); err != nil {
		c.t.Fatalf("send %v: %v", v, err)
	}
}

// Next returns the next frame, failing the test when none comes within d.
func (c *wsClient) Next(d time.Duration) wsFrame {
	c.t.Helper()
	select {
	case f, ok := <-c.Frames:
		if !ok {
			c.t.Fatalf("connection closed (code %d) while waiting for a frame", c.code(time.Second))
		}
		return f
	case <-time.After(d):
		c.t.Fatalf("no frame within %s", d)
	}
	return wsFrame{}
}

// NextEvent returns the next event frame, skipping pongs.
func (c *wsClient) NextEvent(d time.Duration) wsFrame {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		f := c.Next(time.Until(deadline))
		if f.Type != "pong" {
			return f
		}
	}
}

// Closed waits for the connection to end and returns its close code.
func (c *wsClient) Closed(d time.Duration) int {
	c.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case code := <-c.closed:
			return code
		case _, ok := <-c.Frames:
			if !ok {
				return c.code(d)
			}
		case <-deadline:
			c.t.Fatalf("connection still open after %s", d)
		}
	}
}

func (c *wsClient) code(d time.Duration) int {
	select {
	case code := <-c.closed:
		return code
	case <-time.After(d):
		return 0
	}
}

// Quiet checks that no frame but pongs arrives within d.
func (c *wsClient) Quiet(d time.Duration) {
	c.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case f, ok := <-c.Frames:
			if !ok {
				c.t.Fatalf("connection closed (code %d), want it open", c.code(time.Second))
			}
			if f.Type != "pong" {
				c.t.Fatalf("unexpected frame %+v", f)
			}
		case <-deadline:
			return
		}
	}
}

// wsInsertEvents writes n outbox events on topic in one transaction, each with data of
// about size bytes (made by PostgreSQL), as a context's change would; the relay publishes
// them.
func wsInsertEvents(t *testing.T, db *pgxpool.Pool, topic string, n, size int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids := make([]string, n)
	for i := range n {
		ids[i] = uuid.Must(uuid.NewV7()).String()
	}
	_, err := db.Exec(ctx, `INSERT INTO outbox_events (id, name, topic, payload, created_at)
		SELECT i::uuid, 'test.event', $1, jsonb_build_object('id', i, 'pad', repeat('x', $3)), now()
		FROM unnest($2::text[]) WITH ORDINALITY AS u(i, n) ORDER BY n`, topic, ids, max(size-40, 0))
	if err != nil {
		t.Fatalf("insert outbox events: %v", err)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// wsSettle waits until every outbox event so far is recorded in the event log and
// published, so that a client connecting now starts after them.
func wsSettle(t *testing.T, s *stack) {
	t.Helper()
	db := idDB(t, s)
	waitFor(t, "the outbox relayed", 20*time.Second, func() (bool, string) {
		n := count(t, db, "SELECT count(*) FROM outbox_events WHERE published_at IS NULL") +
			count(t, db, "SELECT count(*) FROM event_log WHERE published_at IS NULL")
		return n == 0, fmt.Sprint(n, " left")
	})
}
