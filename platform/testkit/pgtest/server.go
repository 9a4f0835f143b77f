package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keelhq/keel/platform/testkit/internal/subproc"
)

// Server is a private PostgreSQL server owned by one test: its own data directory, a
// random port on 127.0.0.1 and a private socket directory. It runs with fsync off, so it
// is only for throwaway data, but it commits synchronously: a transaction whose commit
// was acknowledged survives Crash, as it would on a production server (with
// synchronous_commit off, a crash lost the last few hundred milliseconds of commits, such
// as a test's freshly registered account). Stop and Start simulate an outage and recovery.
type Server struct {
	t    testing.TB
	bin  string // directory holding initdb and postgres
	root string // temporary directory holding data/ and sock/
	port int
	cred *syscall.Credential // set when running as root: the server runs as postgres
	mu   sync.Mutex
	proc *subproc.Proc
	runs []*subproc.Proc // every run, for the log shown when the test fails
}

// StartServer initialises and starts a private server, stopped and removed when the test
// ends. It skips the test if no PostgreSQL server binaries are installed. The superuser is
// postgres, with trust authentication.
func StartServer(t testing.TB) *Server {
	t.Helper()
	bin := serverBinDir()
	if bin == "" {
		t.Skip("pgtest: no PostgreSQL server binaries (initdb, postgres) found via pg_config --bindir, /usr/lib/postgresql/*/bin or PATH")
	}
	s := &Server{t: t, bin: bin}
	s.cred = credentialFor(t)
	s.root = s.makeRoot()
	t.Cleanup(func() {
		s.shutdown()
		if t.Failed() {
			s.logRuns()
		}
		_ = os.RemoveAll(s.root)
	})
	s.initdb()
	s.startFresh()
	return s
}

// URL returns a connection URL for database db on this server.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// Port is the TCP port the server listens on, kept across Stop and Start.
func (s *Server) Port() int { return s.port }

// Stop shuts the server down (fast shutdown: open sessions are ended) and waits for it.
func (s *Server) Stop() {
	s.t.Helper()
	if err := s.shutdown(); err != nil {
		s.t.Fatalf("pgtest: stop server: %v", err)
	}
}

// Start starts the stopped server again, on the same port and data directory, and waits
// until it accepts connections.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.run(); err != nil {
		s.t.Fatalf("pgtest: restart server: %v", err)
	}
}

// Crash kills the server and every backend at once (SIGKILL to its process group), as a
// machine or container dying would: clients see their connections end mid-statement.
// Start brings it back, through crash recovery.
func (s *Server) Crash() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	s.proc.Kill()
	s.proc = nil
}

// shutdown stops the running server, if any, with SIGINT (fast shutdown).
func (s *Server) shutdown() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return nil
	}
	p := s.proc
	s.proc = nil
	_, err := p.Stop(syscall.SIGINT, 30*time.Second)
	return err
}

// makeRoot creates the server's private directory, owned by the account it runs as. It
// is kept short: a Unix socket path may not exceed 107 bytes.
func (s *Server) makeRoot() string {
	root, err := subproc.TempDir("keel-pg")
	if err != nil {
		s.t.Fatalf("pgtest: %v", err)
	}
	sock := filepath.Join(root, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		s.t.Fatalf("pgtest: %v", err)
	}
	if s.cred != nil {
		for _, dir := range []string{root, sock} {
			if err := os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
				s.t.Fatalf("pgtest: %v", err)
			}
		}
	}
	return root
}

// initdb creates the cluster: trust authentication, UTF-8, C locale, no fsync.
func (s *Server) initdb() {
	cmd := s.command("initdb", "-D", filepath.Join(s.root, "data"), "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
}

// startFresh starts the server for the first time, on a new free port; it retries with
// another port if the chosen one was taken in the meantime.
func (s *Server) startFresh() {
	var err error
	for range 3 {
		if s.port, err = subproc.FreePort(); err != nil {
			break
		}
		if err = s.run(); err == nil || !strings.Contains(err.Error(), "already in use") {
			break
		}
	}
	if err != nil {
		s.t.Fatalf("pgtest: start server: %v", err)
	}
}

// run starts postgres and waits until it accepts connections.
func (s *Server) run() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return fmt.Errorf("server already running")
	}
	cmd := s.command("postgres", "-D", filepath.Join(s.root, "data"),
		"-p", strconv.Itoa(s.port), "-k", filepath.Join(s.root, "sock"),
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
		"-c", "full_page_writes=off",
		"-c", "shared_buffers=16MB", "-c", "max_connections=50",
		"-c", "lc_messages=C", "-c", "logging_collector=off")
	p, err := subproc.Start(cmd, syscall.SIGQUIT)
	if err != nil {
		return err
	}
	s.runs = append(s.runs, p)
	if err := waitReady(p, s.URL("postgres"), 30*time.Second); err != nil {
		p.Kill()
		return fmt.Errorf("%w\n%s", err, p.Output().Tail(4<<10))
	}
	s.proc = p
	return nil
}

// logRuns logs the tail of each run's server log.
func (s *Server) logRuns() {
	for i, p := range s.runs {
		s.t.Logf("pgtest: private server log, run %d:\n%s", i+1, p.Output().Tail(8<<10))
	}
}

// waitReady polls until the server accepts a connection, it exits or timeout passes.
func waitReady(p *subproc.Proc, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	backoff := 5 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, url)
		cancel()
		if err == nil {
			return conn.Close(context.Background())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready within %s: %w", timeout, err)
		}
		select {
		case <-p.Done():
			return fmt.Errorf("postgres exited with status %d before accepting connections", p.ExitCode())
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 100*time.Millisecond)
	}
}

// command builds an exec.Cmd for one of the server binaries, run as the postgres account
// when the test runs as root (initdb and postgres refuse to run as root).
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "TZ=UTC"}
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	cmd.Dir = s.root
	return cmd
}

// credentialFor returns the postgres account's credential when running as root (nil
// otherwise), skipping the test if there is no such account.
func credentialFor(t testing.TB) *syscall.Credential {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Skip("pgtest: running as root and there is no postgres account to run the server as")
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// serverBinDir finds a directory holding initdb and postgres: pg_config --bindir, the
// newest /usr/lib/postgresql/*/bin, then PATH. It returns "" if there is none.
func serverBinDir() string {
	var candidates []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(versions, func(i, j int) bool { return pgVersion(versions[i]) > pgVersion(versions[j]) })
	candidates = append(candidates, versions...)
	if p, err := exec.LookPath("initdb"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	for _, dir := range candidates {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres")) {
			return dir
		}
	}
	return ""
}

// pgVersion extracts the major version from /usr/lib/postgresql/<major>/bin.
func pgVersion(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// isExecutable reports whether path is a regular file with an execute bit.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
