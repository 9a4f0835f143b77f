package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/internal/subproc"
)

// Server is a private redis-server owned by one test, on a random port on 127.0.0.1,
// without persistence. Stop and Start simulate an outage and recovery; data does not
// survive a Stop.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	mu   sync.Mutex
	proc *subproc.Proc
	runs []*subproc.Proc // every run, for the log shown when the test fails
}

// StartServer starts a private redis-server, stopped when the test ends. It skips the
// test if redis-server is not installed.
func StartServer(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redistest: redis-server not found on PATH")
	}
	dir, err := subproc.TempDir("keel-redis")
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	s := &Server{t: t, bin: bin, dir: dir}
	t.Cleanup(func() {
		_ = s.shutdown()
		if t.Failed() {
			for i, p := range s.runs {
				t.Logf("redistest: private server log, run %d:\n%s", i+1, p.Output().Tail(8<<10))
			}
		}
		_ = os.RemoveAll(dir)
	})
	for range 3 {
		if s.port, err = subproc.FreePort(); err != nil {
			break
		}
		if err = s.run(); err == nil || !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	if err != nil {
		t.Fatalf("redistest: start server: %v", err)
	}
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is the server's redis:// URL, database 0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Stop shuts the server down and waits for it to exit.
func (s *Server) Stop() {
	s.t.Helper()
	if err := s.shutdown(); err != nil {
		s.t.Fatalf("redistest: stop server: %v", err)
	}
}

// Start starts the stopped server again on the same port and waits until it answers PING.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.run(); err != nil {
		s.t.Fatalf("redistest: restart server: %v", err)
	}
}

// shutdown stops the running server, if any, with SIGTERM.
func (s *Server) shutdown() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return nil
	}
	p := s.proc
	s.proc = nil
	_, err := p.Stop(syscall.SIGTERM, 10*time.Second)
	return err
}

// run starts redis-server and waits until it answers PING.
func (s *Server) run() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return fmt.Errorf("server already running")
	}
	cmd := exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--daemonize", "no",
		"--logfile", "", "--hz", "100")
	cmd.Dir = s.dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	p, err := subproc.Start(cmd, syscall.SIGKILL)
	if err != nil {
		return err
	}
	s.runs = append(s.runs, p)
	if err := waitPing(p, s.Addr(), 10*time.Second); err != nil {
		p.Kill()
		return fmt.Errorf("%w\n%s", err, p.Output().Tail(4<<10))
	}
	s.proc = p
	return nil
}

// waitPing polls PING until the server answers, exits or timeout passes. It speaks
// RESP over a bare connection: a go-redis client would log every refused dial.
func waitPing(p *subproc.Proc, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	backoff := 2 * time.Millisecond
	for {
		err := ping(addr)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PING answer within %s: %w", timeout, err)
		}
		select {
		case <-p.Done():
			return fmt.Errorf("redis-server exited with status %d before answering PING", p.ExitCode())
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 50*time.Millisecond)
	}
}

// ping sends one PING and expects +PONG.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}
