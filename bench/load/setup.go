package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/keelhq/keel/adapters/argon2id"
)

// Fixed credentials of the seeded accounts.
const (
	adminEmail    = "bench-admin@keel.test"
	password      = "bench-password-1234"
	loginAccounts = 200
)

// build compiles the processes the suite runs into dir.
func build(dir string, pkgs ...string) error {
	args := append([]string{"build", "-o", dir + string(os.PathSeparator)}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// process is one server the suite started.
type process struct {
	name string
	cmd  *exec.Cmd
	url  string
}

// start runs bin with env (added to the suite's environment) and waits until url/livez
// answers 200.
func start(name, bin, addr string, env []string, logDir string, args ...string) (*process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := os.Create(filepath.Join(logDir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, url: "http://" + addr}
	if err := waitHTTP(p.url+"/livez", 30*time.Second); err != nil {
		p.stop()
		return nil, fmt.Errorf("%s did not come up (see %s): %w", name, out.Name(), err)
	}
	return p, nil
}

// stop ends the process, politely first.
func (p *process) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// pid is the process id.
func (p *process) pid() int { return p.cmd.Process.Pid }

func waitHTTP(u string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		res, err := http.Get(u)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", res.StatusCode)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// seeded is what seed made: the ids the scenarios read.
type seeded struct {
	admin  uuid.UUID
	sample uuid.UUID
	logins []string
}

// seed writes n ordinary users (UUIDv7 ids, oldest first), an administrator and the
// accounts the login scenario signs in with, all sharing one Argon2id hash made with the
// default parameters (so no sign-in asks for a rehash).
func seed(ctx context.Context, dbURL string, n int) (seeded, error) {
	var s seeded
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return s, err
	}
	defer conn.Close(ctx)
	hash, err := argon2id.New(argon2id.DefaultParams, 1).Hash(ctx, password)
	if err != nil {
		return s, err
	}
	base := time.Now().Add(-time.Duration(n+loginAccounts+10) * time.Second).UTC()
	rows := make([][]any, 0, n+loginAccounts+1)
	add := func(i int, email, name, role string) uuid.UUID {
		at := base.Add(time.Duration(i) * time.Second)
		id := uuidV7(at)
		rows = append(rows, []any{id, email, name, role, "active", "en", at, at, at})
		return id
	}
	for i := range n {
		id := add(i, fmt.Sprintf("user%06d@keel.test", i), fmt.Sprintf("User %06d", i), "user")
		if i == n/2 {
			s.sample = id
		}
	}
	var creds [][]any
	for i := range loginAccounts {
		email := fmt.Sprintf("bench-login-%03d@keel.test", i)
		creds = append(creds, []any{add(n+i, email, "Login "+strconv.Itoa(i), "user"), hash, base})
		s.logins = append(s.logins, email)
	}
	s.admin = add(n+loginAccounts, adminEmail, "Bench Admin", "admin")
	creds = append(creds, []any{s.admin, hash, base})
	cols := []string{"id", "email", "name", "role", "status", "locale", "email_verified_at", "created_at", "updated_at"}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"users"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return s, fmt.Errorf("copy users: %w", err)
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"credentials"}, []string{"user_id", "password_hash", "updated_at"},
		pgx.CopyFromRows(creds)); err != nil {
		return s, fmt.Errorf("copy credentials: %w", err)
	}
	_, err = conn.Exec(ctx, "ANALYZE")
	return s, err
}

// uuidV7 makes a version 7 UUID for time at with random low bits.
func uuidV7(at time.Time) uuid.UUID {
	var id uuid.UUID
	_, _ = rand.Read(id[:])
	ms := uint64(at.UnixMilli())
	for i := range 6 {
		id[i] = byte(ms >> (40 - 8*i))
	}
	id[6] = id[6]&0x0f | 0x70
	id[8] = id[8]&0x3f | 0x80
	return id
}

// rss reads the resident set size and its peak (VmRSS, VmHWM) of pid, in MiB.
func rss(pid int) (cur, peak float64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		switch k {
		case "VmRSS":
			cur = kb / 1024
		case "VmHWM":
			peak = kb / 1024
		}
	}
	return cur, peak
}
