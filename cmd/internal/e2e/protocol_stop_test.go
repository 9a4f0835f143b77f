package e2e_test

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A stop whose drain misses SHUTDOWN_TIMEOUT (requests still in flight) exits non-zero,
// so a supervisor can tell a clean stop from a cut-off one.
func TestStopMissingDrainDeadlineExitsNonZero(t *testing.T) {
	t.Parallel()
	s := newStack(t, append([]string{"SHUTDOWN_TIMEOUT=1s"}, idGenerousLimits...)...)
	api := s.start("api")
	const email, password = "stuck-stop@example.com", "correct horse battery"
	if r := register(t, api.URL, email, password); r.Status != http.StatusCreated {
		t.Fatalf("register: %d\n%s", r.Status, r.Body)
	}
	// Sign-ins held in flight on a lock (statement_timeout is 5 s, the drain 1 s).
	body := `{"email":"` + email + `","password":"` + password + `"}`
	blocked := holdUsersLock(t, idEnv(s, "DATABASE_URL"), func() {
		if res, err := http.Post(api.URL+"/v1/auth/login", "application/json", strings.NewReader(body)); err == nil {
			_ = res.Body.Close()
		}
	})
	code, took := stopWith(t, api, syscall.SIGTERM, 10*time.Second)
	blocked.Wait()
	t.Logf("stop with requests in flight: exit %d after %s", code, took.Round(time.Millisecond))
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
