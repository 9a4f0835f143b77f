package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is one started process.
type proc struct {
	name string
	cmd  *exec.Cmd
	url  string
}

// stack is the database and processes of one run.
type stack struct {
	o     options
	dbURL string
	env   []string
	procs []*proc
}

func newStack(o options, dbURL string) *stack {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &stack{o: o, dbURL: dbURL, env: append(os.Environ(),
		"APP_ENV=test", "LOG_LEVEL=warn", "DATABASE_URL="+dbURL, "DATABASE_MAX_CONNS=5",
		"REDIS_URL="+o.redisURL, "REDIS_KEY_PREFIX=bench:ws:"+hex.EncodeToString(b[:])+":",
		"RATE_LIMIT_ENABLED=false", "HTTP_MAX_CONNS_PER_IP=0", "WS_MAX_CONNS_PER_USER="+strconv.Itoa(o.conns),
		"AUTH_ARGON2_MEMORY=64", "AUTH_ARGON2_ITERATIONS=1", "MAIL_DIR="+os.TempDir(),
	)}
}

// migrate applies the migrations.
func (s *stack) migrate() error {
	cmd := exec.Command(filepath.Join(s.o.bin, "migrate"), "up")
	cmd.Env = s.env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("migrate up: %w\n%s", err, out)
	}
	return nil
}

// start runs a long-running binary on a free port and waits until it is live.
func (s *stack) start(name string) (*proc, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cmd := exec.Command(filepath.Join(s.o.bin, name))
	cmd.Env = append(s.env, "HTTP_ADDR="+addr)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, url: "http://" + addr}
	s.procs = append(s.procs, p)
	for deadline := time.Now().Add(30 * time.Second); ; {
		if res, err := http.Get(p.url + "/livez"); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s did not come up on %s", name, addr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends every process.
func (s *stack) stop() {
	for _, p := range s.procs {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range s.procs {
		_ = p.cmd.Wait()
	}
}

// rssKB reads a process's resident set size from /proc, in KiB.
func rssKB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}
