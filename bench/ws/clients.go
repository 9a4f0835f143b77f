package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	fws "github.com/fasthttp/websocket"
)

// client is one connection and the latencies of the broadcasts it received.
type client struct {
	conn *fws.Conn
	mu   sync.Mutex
	lat  []time.Duration
	got  chan struct{}
}

// connect opens n connections, alternating between the apis, 200 at a time.
func connect(apis []*proc, tokens []string, n int) ([]*client, error) {
	clients := make([]*client, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 200)
	var wg sync.WaitGroup
	for i := range clients {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := dial(apis[i%len(apis)].url, tokens[i%len(tokens)])
			if err != nil {
				errs <- err
				return
			}
			clients[i] = c
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return clients, nil
}

// dial opens one connection, waits for its welcome and reads it from then on.
func dial(api, token string) (*client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := &fws.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 256}
	conn, _, err := d.DialContext(ctx, "ws"+strings.TrimPrefix(api, "http")+"/v1/ws", http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", api, err)
	}
	var w struct{ Type string }
	if err := conn.ReadJSON(&w); err != nil || w.Type != "welcome" {
		return nil, fmt.Errorf("welcome: %v %q", err, w.Type)
	}
	c := &client{conn: conn, got: make(chan struct{}, 1024)}
	go c.read()
	return c, nil
}

// read records the latency of every broadcast event.
func (c *client) read() {
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now()
		ts, ok := broadcastTS(data)
		if !ok {
			continue
		}
		c.mu.Lock()
		c.lat = append(c.lat, now.Sub(ts))
		c.mu.Unlock()
		c.got <- struct{}{}
	}
}

// collect waits until every client has every event (or the timeout) and returns the
// latencies and how many deliveries are missing.
func collect(clients []*client, events int, timeout time.Duration) ([]time.Duration, int) {
	deadline := time.After(timeout)
	var all []time.Duration
	missing := 0
	for _, c := range clients {
		for done := false; !done; {
			c.mu.Lock()
			n := len(c.lat)
			c.mu.Unlock()
			if n >= events {
				break
			}
			select {
			case <-c.got:
			case <-deadline:
				done = true
			}
		}
		c.mu.Lock()
		all = append(all, c.lat...)
		missing += max(events-len(c.lat), 0)
		c.mu.Unlock()
		_ = c.conn.Close()
	}
	return all, missing
}

// report prints the latency percentiles.
func report(lat []time.Duration, missing, want int) {
	if len(lat) == 0 {
		fmt.Println("no event delivered")
		return
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(100 * time.Microsecond)
	}
	fmt.Printf("broadcast delivery (event created -> client), %d of %d deliveries: p50 %s, p99 %s, max %s; missing %d\n",
		len(lat), want, q(0.50), q(0.99), lat[len(lat)-1].Round(100*time.Microsecond), missing)
}

// broadcastTS returns the time of a broadcast event frame. It reads the frame without a
// JSON decoder, so that the script's own CPU, on the machine it measures, stays small.
func broadcastTS(frame []byte) (time.Time, bool) {
	if !bytes.HasPrefix(frame, []byte(`{"type":"event","topic":"broadcast",`)) {
		return time.Time{}, false
	}
	i := bytes.LastIndex(frame, []byte(`"ts":"`))
	if i < 0 {
		return time.Time{}, false
	}
	rest := frame[i+6:]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return time.Time{}, false
	}
	ts, err := time.Parse(time.RFC3339Nano, string(rest[:end]))
	return ts, err == nil
}
