package proctest

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/internal/subproc"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. Nothing reserves
// it: pass it to the process under test promptly.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := subproc.FreePort()
	if err != nil {
		t.Fatalf("proctest: %v", err)
	}
	return port
}

// FreeAddr returns "127.0.0.1:PORT" for a port from FreePort.
func FreeAddr(t testing.TB) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(FreePort(t)))
}

// WaitHTTP polls url with GET until it answers with status want, with a short growing
// backoff, and fails the test with the last error or status if timeout passes first.
func WaitHTTP(t testing.TB, url string, want int, timeout time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	backoff := 5 * time.Millisecond
	var last string
	for {
		resp, err := client.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
			last = "status " + resp.Status
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("proctest: %s did not answer %d within %s; last: %s", url, want, timeout, last)
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

// WaitOutput waits until the process's output contains substr. It wakes on every write,
// and fails the test if timeout passes or the process exits without writing it.
func WaitOutput(t testing.TB, p *Process, substr string, timeout time.Duration) {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	buf := p.p.Output()
	for {
		out, changed := buf.Snapshot()
		if strings.Contains(out, substr) {
			return
		}
		select {
		case <-changed:
		case <-p.p.Done():
			if buf.Contains(substr) {
				return
			}
			t.Fatalf("proctest: %s exited with status %d without writing %q", p.name, p.p.ExitCode(), substr)
		case <-timer.C:
			t.Fatalf("proctest: %s did not write %q within %s", p.name, substr, timeout)
		}
	}
}
