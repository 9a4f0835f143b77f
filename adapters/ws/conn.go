package ws

import (
	"errors"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	fws "github.com/fasthttp/websocket"
	"github.com/gofiber/contrib/websocket"

	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/ports"
)

// closeWait bounds the write of a close frame.
const closeWait = 2 * time.Second

// conn is one client connection. Its reader runs on the handler's goroutine; its writer
// is the only goroutine that writes data frames, draining a byte-bounded queue.
type conn struct {
	hub  *Hub
	ws   *websocket.Conn
	id   string
	loc  *i18n.Localizer
	done chan struct{}

	amu   sync.Mutex
	actor ports.Actor

	qmu     sync.Mutex
	queue   [][]byte
	qbytes  int
	closing int // close code once the connection is to be closed
	reason  string
	wake    chan struct{}

	// topics the connection hears; touched by its reader goroutine and by close.
	tmu    sync.Mutex
	topics map[string]struct{}

	// budget is the client's frame allowance (a token bucket), touched by the reader only.
	budget  float64
	refresh time.Time
}

// currentActor returns the connection's actor (its role may change while it is open).
func (c *conn) currentActor() ports.Actor {
	c.amu.Lock()
	defer c.amu.Unlock()
	return c.actor
}

// send queues frame for the writer. A connection whose queue would exceed the bound is a
// slow consumer: it is closed with 4408 and the frame is dropped; others never wait.
func (c *conn) send(frame []byte) {
	if frame == nil {
		return
	}
	c.qmu.Lock()
	if c.closing != 0 {
		c.qmu.Unlock()
		return
	}
	if c.qbytes+len(frame) > c.hub.opts.QueueBytes {
		c.closing, c.reason = closeSlow, "slow consumer"
		c.queue, c.qbytes = nil, 0
		c.qmu.Unlock()
		c.poke()
		return
	}
	c.queue = append(c.queue, frame)
	c.qbytes += len(frame)
	c.qmu.Unlock()
	c.poke()
}

func (c *conn) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// closeWith asks the writer to close the connection with code (the first code wins);
// frames still queued are dropped.
func (c *conn) closeWith(code int, reason string) {
	c.qmu.Lock()
	if c.closing == 0 {
		c.closing, c.reason = code, reason
		c.queue, c.qbytes = nil, 0
	}
	c.qmu.Unlock()
	c.poke()
}

// take returns the queued frames, or the close code once one is set.
func (c *conn) take() (frames [][]byte, code int, reason string) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.closing != 0 {
		return nil, c.closing, c.reason
	}
	frames, c.queue, c.qbytes = c.queue, nil, 0
	return frames, 0, ""
}

// writer writes queued frames (one deadline per batch) and heartbeats until the connection is to be closed or the
// reader ended (done), then closes the socket.
func (c *conn) writer() {
	t := time.NewTicker(c.hub.opts.Heartbeat)
	defer t.Stop()
	defer c.ws.Close()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if err := c.ws.WriteControl(fws.PingMessage, nil, time.Now().Add(c.hub.opts.WriteTimeout)); err != nil {
				return
			}
			continue
		case <-c.wake:
		}
		frames, code, reason := c.take()
		if code != 0 {
			c.hub.metrics.closed.WithLabelValues(strconv.Itoa(code)).Inc()
			_ = c.ws.WriteControl(fws.CloseMessage, fws.FormatCloseMessage(code, reason), time.Now().Add(closeWait))
			return
		}
		if len(frames) == 0 {
			continue
		}
		_ = c.ws.SetWriteDeadline(time.Now().Add(c.hub.opts.WriteTimeout))
		for _, f := range frames {
			if err := c.ws.WriteMessage(fws.TextMessage, f); err != nil {
				return
			}
		}
	}
}

// readDeadline is how long the reader waits for any frame (pongs included).
func (c *conn) readDeadline() time.Time {
	return time.Now().Add(2*c.hub.opts.Heartbeat + time.Second)
}

// reader handles the client's frames until the connection ends.
func (c *conn) reader() {
	c.ws.SetReadLimit(int64(c.hub.opts.MaxFrameBytes))
	_ = c.ws.SetReadDeadline(c.readDeadline())
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(c.readDeadline()) })
	for {
		kind, data, err := c.ws.ReadMessage()
		if err != nil {
			if errors.Is(err, fws.ErrReadLimit) {
				c.hub.metrics.closed.WithLabelValues(strconv.Itoa(closeTooBig)).Inc()
			}
			return
		}
		_ = c.ws.SetReadDeadline(c.readDeadline())
		c.receive(kind, data)
	}
}

// receive acts on one client data frame: a client over its frame rate is closed with 1008
// (each frame may cost a read of the event log), a text frame that is not UTF-8 with 1007
// (RFC 6455, 8.1), and a binary frame is an error frame.
func (c *conn) receive(kind int, data []byte) {
	switch {
	case !c.spend(time.Now()):
		c.closeWith(closePolicy, "too_many_frames")
	case kind != fws.TextMessage:
		c.fail("invalid_frame")
	case !utf8.Valid(data):
		c.closeWith(closeInvalidData, "invalid_utf8")
	default:
		c.handle(data)
	}
}

// spend takes one frame from the client's budget, which refills at ClientFrameRate per
// second up to twice that; false when it is spent.
func (c *conn) spend(now time.Time) bool {
	rate := float64(c.hub.opts.ClientFrameRate)
	if rate < 0 {
		return true
	}
	burst := 2 * rate
	if c.refresh.IsZero() {
		c.budget = burst
	} else {
		c.budget = min(burst, c.budget+now.Sub(c.refresh).Seconds()*rate)
	}
	c.refresh = now
	if c.budget < 1 {
		return false
	}
	c.budget--
	return true
}

// handle acts on one client frame.
func (c *conn) handle(data []byte) {
	f, err := decodeClient(data)
	if err != nil {
		c.fail("invalid_frame")
		return
	}
	switch f.Type {
	case typePing:
		c.send(pongFrame)
	case typeSubscribe:
		c.subscribe(f.Topics, f.Since)
	case typeUnsubscribe:
		for _, name := range f.Topics {
			c.hub.topics.leave(c, name)
		}
	default:
		c.fail("unknown_frame_type")
	}
}

// subscribe joins each topic the actor may hear; a forbidden one closes the connection
// with 4403 (reason topic_not_allowed) and a malformed one is an error frame. Topics named only in since are joined too.
func (c *conn) subscribe(names []string, since map[string]sinceRef) {
	seen := map[string]bool{}
	for _, name := range append(names, sortedKeys(since)...) {
		if seen[name] {
			continue
		}
		seen[name] = true
		t, err := notification.ParseTopic(name)
		if err != nil {
			c.fail("invalid_topic")
			continue
		}
		if err := notification.MaySubscribe(c.currentActor(), t); err != nil {
			c.closeWith(closeForbidden, "topic_not_allowed")
			return
		}
		var ref *sinceRef
		if s, ok := since[name]; ok {
			ref = &s
		}
		c.hub.topics.join(c, t.String(), ref)
	}
}

// fail sends a localized error frame.
func (c *conn) fail(code string) {
	c.send(encodeJSON(errorFrame{Type: typeError, Code: code, Message: c.loc.T("ws.error."+code, nil)}))
}

// addTopic records that c hears name; false when it already did.
func (c *conn) addTopic(name string) bool {
	c.tmu.Lock()
	defer c.tmu.Unlock()
	if _, ok := c.topics[name]; ok {
		return false
	}
	c.topics[name] = struct{}{}
	return true
}

// dropTopic records that c no longer hears name; false when it did not.
func (c *conn) dropTopic(name string) bool {
	c.tmu.Lock()
	defer c.tmu.Unlock()
	if _, ok := c.topics[name]; !ok {
		return false
	}
	delete(c.topics, name)
	return true
}

// topicNames lists the topics c hears.
func (c *conn) topicNames() []string {
	c.tmu.Lock()
	defer c.tmu.Unlock()
	out := make([]string, 0, len(c.topics))
	for name := range c.topics {
		out = append(out, name)
	}
	return out
}

// writerOnce writes the pending close frame of a connection that never started its writer.
func (c *conn) writerOnce() {
	if _, code, reason := c.take(); code != 0 {
		_ = c.ws.WriteControl(fws.CloseMessage, fws.FormatCloseMessage(code, reason), time.Now().Add(closeWait))
	}
	_ = c.ws.Close()
}
