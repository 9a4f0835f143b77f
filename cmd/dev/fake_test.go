//go:build unix

package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests run dev and its children as this very test binary, re-executed through
// symbolic links named dev, migrate, api, worker and cron: with fakeEnv set, TestMain acts
// the part named by the link instead of running the tests. The fakes are steered by
// variables in their environment, which dev passes on to them:
//
//	FAKE_DIR     where each fake writes NAME.ready (its pid) once it handles signals, and
//	             NAME.signal (the signal's name) when it gets one
//	FAKE_FAIL    names that exit 3 at once (migrate fails)
//	FAKE_CRASH   names that exit 3 once the other services are ready
//	FAKE_IGNORE  names that ignore SIGINT and SIGTERM
const fakeEnv = "KEEL_DEV_TEST_FAKE"

// fakeLifetime bounds every fake, so that no test can leave one behind for long.
const fakeLifetime = 60 * time.Second

func TestMain(m *testing.M) {
	if os.Getenv(fakeEnv) != "" {
		os.Exit(fake(filepath.Base(os.Args[0]), os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fake plays the process called name and returns its exit status.
func fake(name string, args []string) int {
	if name == "dev" {
		return run(args, os.Stdout, os.Stderr)
	}
	dir := os.Getenv("FAKE_DIR")
	listed := func(v string) bool { return slices.Contains(strings.Split(os.Getenv(v), ","), name) }
	fmt.Printf("hello from %s %v\n", name, args)
	fmt.Fprintf(os.Stderr, "partial line from %s", name) // no newline: dev must flush it
	if listed("FAKE_FAIL") {
		return 3
	}
	if name == "migrate" {
		return 0
	}
	sigs := make(chan os.Signal, 1)
	if listed("FAKE_IGNORE") {
		signal.Ignore(syscall.SIGINT, syscall.SIGTERM)
	} else {
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	}
	mark(dir, name+".ready", fmt.Sprint(os.Getpid()))
	if listed("FAKE_CRASH") {
		for _, other := range services {
			if other != name {
				waitFile(dir, other+".ready", fakeLifetime)
			}
		}
		return 3
	}
	select {
	case sig := <-sigs:
		mark(dir, name+".signal", sig.String())
		return 0
	case <-time.After(fakeLifetime):
		return 4
	}
}

// mark writes a file into dir, atomically.
func mark(dir, name, content string) {
	tmp := filepath.Join(dir, "."+name)
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		panic(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		panic(err)
	}
}

// waitFile waits up to limit for a file in dir and returns its content; "" if it never came.
func waitFile(dir, name string, limit time.Duration) string {
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			return string(b)
		}
	}
	return ""
}
