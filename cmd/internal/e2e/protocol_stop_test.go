package e2e_test

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A stop whose drain misses SHUTDOWN_TIMEOUT (a request still in flight) exits non-zero,
// so a supervisor can tell a clean stop from a cut-off one; a clean stop exits 0.
func TestStopMissingDrainDeadlineExitsNonZero(t *testing.T) {
	t.Parallel()
	s := newStack(t, "SHUTDOWN_TIMEOUT=1s", "HTTP_READ_TIMEOUT=30s")
	api := s.start("api")
	conn, err := net.Dial("tcp", strings.TrimPrefix(api.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A request whose body never finishes: its handler is still reading when the stop comes.
	if _, err := io.WriteString(conn, "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"Content-Length: 100\r\n\r\n{\"email\":"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the request in flight", startTimeout, func() (bool, string) {
		return strings.Contains(api.Output(), `"msg":"started"`), "api not started"
	})
	go func() { _, _ = bufio.NewReader(conn).ReadByte() }()
	time.Sleep(200 * time.Millisecond) // let the server start reading the body (no signal to await)
	code, took := stopWith(t, api, syscall.SIGTERM, 10*time.Second)
	t.Logf("stop with a request in flight: exit %d after %s", code, took.Round(time.Millisecond))
	if code == 0 {
		t.Errorf("exit 0 although the drain missed its deadline\n%s", tail(api.Output()))
	}
	if took > 3*time.Second {
		t.Errorf("stop took %s with SHUTDOWN_TIMEOUT=1s", took)
	}
}

// A worker whose jobs outlive the drain (an SMTP relay that never answers) cancels them
// at the deadline and exits non-zero: the stop was not clean.
func TestWorkerStopCancellingJobsExitsNonZero(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // never greeted: the job waits
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	s := newStack(t, append([]string{"SHUTDOWN_TIMEOUT=2s", "MAIL_DRIVER=smtp", "MAIL_SMTP_HOST=127.0.0.1",
		"MAIL_SMTP_PORT=" + itoa(port), "MAIL_SMTP_TLS=none"}, idGenerousLimits...)...)
	api := s.start("api")
	worker := s.start("worker")
	register(t, api.URL, "stuck-mail@example.com", "correct horse battery") // enqueues a verification e-mail
	select {
	case c := <-accepted:
		defer c.Close()
	case <-time.After(recoveryTimeout):
		t.Fatal("the worker never connected to the relay")
	}
	code, took := stopWith(t, worker, syscall.SIGTERM, 10*time.Second)
	t.Logf("worker stop with a job stuck: exit %d after %s", code, took.Round(time.Millisecond))
	if code == 0 {
		t.Errorf("exit 0 although jobs had to be cancelled\n%s", tail(worker.Output()))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
