// Package rawhttp lets tests speak HTTP/1.1 to a server over raw TCP: send any bytes as a
// request head (which a Go HTTP client would never send), read one answer, and see whether
// the server closed the connection after it.
package rawhttp

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Result is what the client saw.
type Result struct {
	Res     *http.Response
	Body    []byte
	Problem map[string]any // the answer's problem+json members, if it is one
	Closed  bool           // the server ended the connection after the answer
}

// Exchange writes head on a new connection to baseURL ("http://host:port"), then
// concurrently extra zero bytes the client keeps sending, reads one answer and whether the
// connection was closed after it. The whole exchange is bounded by timeout.
func Exchange(t testing.TB, baseURL, head string, extra int, timeout time.Duration) Result {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	go func() {
		_, _ = io.WriteString(conn, head)
		if extra > 0 {
			_, _ = conn.Write(make([]byte, extra))
		}
	}()
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read the answer to %.60q: %v", head, err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	out := Result{Res: res, Body: body}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		_ = json.Unmarshal(body, &out.Problem)
	}
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	_, err = br.ReadByte()
	out.Closed = errors.Is(err, io.EOF)
	return out
}

// WantProblem checks the answer is a problem with status and code, requestId equal to the
// X-Request-Id header, the instance given, and the connection closed or not.
func (r Result) WantProblem(t testing.TB, status int, code, instance string, closed bool) {
	t.Helper()
	if r.Res.StatusCode != status || r.Problem == nil || r.Problem["code"] != code {
		t.Fatalf("got %d %q %s; want %d problem %s", r.Res.StatusCode, r.Res.Header.Get("Content-Type"), r.Body, status, code)
	}
	if id := r.Res.Header.Get("X-Request-Id"); id == "" || r.Problem["requestId"] != id {
		t.Errorf("requestId %v, X-Request-Id %q", r.Problem["requestId"], id)
	}
	if got, _ := r.Problem["instance"].(string); got != instance {
		t.Errorf("instance %q, want %q", got, instance)
	}
	if r.Closed != closed {
		t.Errorf("connection closed = %v, want %v", r.Closed, closed)
	}
}
