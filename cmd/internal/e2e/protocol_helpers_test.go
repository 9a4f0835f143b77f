package e2e_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawAnswer is what a client speaking raw HTTP/1.1 to the api saw.
type rawAnswer struct {
	res     *http.Response
	body    []byte
	problem map[string]any
	closed  bool // the server ended the connection after the answer
}

// rawDo writes head on a new connection (then, concurrently, extra bytes the client keeps
// sending), reads one answer and whether the connection was closed after it.
func rawDo(t *testing.T, baseURL, head string, extra int) rawAnswer {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
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
	out := rawAnswer{res: res, body: body}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		_ = json.Unmarshal(body, &out.problem)
	}
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = br.ReadByte()
	out.closed = errors.Is(err, io.EOF)
	return out
}

// want checks the answer is a problem with status and code, requestId equal to the
// X-Request-Id header, the instance given, and the connection closed or not.
func (a rawAnswer) want(t *testing.T, status int, code, instance string, closed bool) {
	t.Helper()
	if a.res.StatusCode != status || a.problem == nil || a.problem["code"] != code {
		t.Fatalf("got %d %q %s; want %d problem %s", a.res.StatusCode, a.res.Header.Get("Content-Type"), a.body, status, code)
	}
	if id := a.res.Header.Get("X-Request-Id"); id == "" || a.problem["requestId"] != id {
		t.Errorf("requestId %v, X-Request-Id %q", a.problem["requestId"], id)
	}
	if got, _ := a.problem["instance"].(string); got != instance {
		t.Errorf("instance %q, want %q", got, instance)
	}
	if a.closed != closed {
		t.Errorf("connection closed = %v, want %v", a.closed, closed)
	}
}

// rssKiB is the resident set size of a process, from /proc.
func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	buf, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(buf), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// pipeline sends n request heads (head(i) gives the i-th) on one connection while it
// reads their answers, and returns the status codes in order.
func pipeline(t *testing.T, baseURL string, n int, head func(i int) string) []int {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	if err != nil {
		t.Error(err)
		return nil
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	go func() {
		bw := bufio.NewWriterSize(conn, 64<<10)
		for i := range n {
			if _, err := io.WriteString(bw, head(i)); err != nil {
				return
			}
		}
		_ = bw.Flush()
	}()
	br := bufio.NewReaderSize(conn, 64<<10)
	statuses := make([]int, 0, n)
	for len(statuses) < n {
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Errorf("answer %d of %d: %v", len(statuses)+1, n, err)
			break
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		statuses = append(statuses, res.StatusCode)
		if res.Close {
			break
		}
	}
	return statuses
}
