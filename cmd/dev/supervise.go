package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// waitDelay bounds how long a child's output pipes may stay open after it exits (a
// grandchild could hold them).
const waitDelay = time.Second

// supervisor runs the children of one dev session and decides dev's exit status.
type supervisor struct {
	mu       sync.Mutex // serialises whole lines onto stdout and stderr
	stdout   io.Writer
	stderr   io.Writer
	width    int
	grace    time.Duration
	signals  <-chan os.Signal
	orphaned <-chan struct{}
	// stopping is set once a stop has begun, by a signal or by a child's exit.
	stopping bool
}

// child is one running process.
type child struct {
	name   string
	cmd    *exec.Cmd
	stdout *prefixWriter
	stderr *prefixWriter
	err    error  // from Wait, valid once the child was received from the exited channel
	killed string // why it was killed, empty unless it was
}

// newSupervisor returns a supervisor writing to stdout and stderr that stops children on
// signals and when orphaned fires, killing them grace after a stop began.
func newSupervisor(stdout, stderr io.Writer, grace time.Duration, signals <-chan os.Signal, orphaned <-chan struct{}) *supervisor {
	width := len("dev")
	for _, name := range append([]string{"migrate"}, services...) {
		width = max(width, len(name))
	}
	return &supervisor{stdout: stdout, stderr: stderr, width: width, grace: grace, signals: signals, orphaned: orphaned}
}

// session checks the binaries, runs `migrate up`, then the services until they stop, and
// returns the exit status.
func (s *supervisor) session(opts options) int {
	if paths := missing(append([]spec{opts.migrate}, opts.services...)); len(paths) > 0 {
		s.note("cannot find %s: build them first (`task build`, or go build -o bin/ ./cmd/...)", strings.Join(paths, ", "))
		return 1
	}
	if failures := s.supervise([]spec{opts.migrate}, false); len(failures) > 0 {
		s.note("migrate up failed: %s; api, worker and cron were not started", strings.Join(failures, "; "))
		return 1
	}
	if s.stopping || s.pendingSignal() {
		s.note("interrupted after migrate up; api, worker and cron were not started")
		return 0
	}
	if failures := s.supervise(opts.services, true); len(failures) > 0 {
		s.note("stopped, failed: %s", strings.Join(failures, "; "))
		return 1
	}
	s.note("all stopped")
	return 0
}

// supervise starts specs and waits until every one has exited, passing on signals. A
// long-running child that exits before a stop began is a failure and stops the others;
// a child still running grace after the stop began is killed. It returns the failures.
func (s *supervisor) supervise(specs []spec, longRunning bool) []string {
	r := &round{s: s, longRunning: longRunning, exited: make(chan *child, len(specs)), running: make(map[*child]bool)}
	r.startAll(specs)
	for len(r.running) > 0 {
		select {
		case c := <-r.exited:
			r.onExit(c)
		case sig := <-s.signals:
			r.onSignal(sig)
		case <-s.orphaned:
			s.orphaned = nil
			if !s.stopping {
				s.note("parent process gone: stopping %s", names(r.running))
				r.stop(syscall.SIGTERM)
			}
		case <-r.deadline:
			r.deadline = nil
			s.note("%s still running %s after the stop began: killing", names(r.running), s.grace)
			s.kill(r.running, fmt.Sprintf("did not stop within %s and was killed", s.grace))
		}
	}
	return r.failures
}

// round is one call of supervise: migrate alone, or the services together.
type round struct {
	s           *supervisor
	longRunning bool
	exited      chan *child
	running     map[*child]bool
	failures    []string
	deadline    <-chan time.Time // set when a stop begins
}

// startAll starts specs in order; when one cannot start, the started ones are stopped.
func (r *round) startAll(specs []spec) {
	for _, sp := range specs {
		if r.s.stopping {
			return
		}
		c, err := r.s.start(sp, r.exited)
		if err != nil {
			r.failures = append(r.failures, fmt.Sprintf("%s did not start: %v", sp.name, err))
			r.stop(syscall.SIGTERM)
			return
		}
		r.running[c] = true
	}
}

// stop begins a stop: every running child gets sig, and the kill deadline starts.
func (r *round) stop(sig os.Signal) {
	r.s.stopping = true
	for c := range r.running {
		c.signal(sig)
	}
	r.deadline = time.After(r.s.grace)
}

// onExit records how a child ended; a long-running one ending by itself stops the rest.
func (r *round) onExit(c *child) {
	delete(r.running, c)
	c.flush()
	switch {
	case c.killed != "":
		r.failures = append(r.failures, fmt.Sprintf("%s %s", c.name, c.killed))
	case r.longRunning && !r.s.stopping:
		r.failures = append(r.failures, fmt.Sprintf("%s exited unexpectedly (%s)", c.name, describe(c.err)))
		r.s.note("%s exited unexpectedly (%s): stopping %s", c.name, describe(c.err), names(r.running))
		r.stop(syscall.SIGTERM)
	case c.err != nil:
		r.failures = append(r.failures, fmt.Sprintf("%s ended with %s", c.name, describe(c.err)))
	}
}

// onSignal passes the first signal on; a second one kills whatever still runs.
func (r *round) onSignal(sig os.Signal) {
	if r.s.stopping {
		r.s.note("%s again: killing %s", sig, names(r.running))
		r.s.kill(r.running, "was killed after a second signal")
		return
	}
	r.s.note("%s: stopping %s (killed if still running in %s)", sig, names(r.running), r.s.grace)
	r.stop(forwarded(sig))
}

// pendingSignal reports whether a signal arrived while nothing was running.
func (s *supervisor) pendingSignal() bool {
	select {
	case <-s.signals:
		return true
	default:
		return false
	}
}

// start starts one child; exited receives it once it has exited.
func (s *supervisor) start(sp spec, exited chan<- *child) (*child, error) {
	cmd := exec.Command(sp.path, sp.args...)
	c := &child{name: sp.name, cmd: cmd, stdout: s.prefixed(s.stdout, sp.name), stderr: s.prefixed(s.stderr, sp.name)}
	cmd.Stdout, cmd.Stderr = c.stdout, c.stderr
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = waitDelay
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		c.err = cmd.Wait()
		exited <- c
	}()
	return c, nil
}

// kill kills every running child that has not been killed yet, noting why.
func (s *supervisor) kill(running map[*child]bool, why string) {
	for c := range running {
		if c.killed == "" {
			c.killed = why
			killTree(c.cmd.Process)
		}
	}
}

// note writes one of dev's own messages to stderr.
func (s *supervisor) note(format string, args ...any) {
	s.prefixed(s.stderr, "dev").Write([]byte(fmt.Sprintf(format, args...) + "\n"))
}

// prefixed returns a writer putting "name | " before every line it writes to w.
func (s *supervisor) prefixed(w io.Writer, name string) *prefixWriter {
	return &prefixWriter{mu: &s.mu, w: w, prefix: []byte(fmt.Sprintf("%-*s | ", s.width, name))}
}

// signal passes sig on to the child; a child that has already exited is left alone.
func (c *child) signal(sig os.Signal) {
	if err := c.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		killTree(c.cmd.Process) // the platform cannot deliver sig: stop it the hard way
	}
}

// flush writes out the last line of the child's output when it did not end in a newline.
func (c *child) flush() {
	c.stdout.Flush()
	c.stderr.Flush()
}

// forwarded maps a signal dev received to the one its children get: SIGHUP (the terminal
// went away) becomes SIGTERM, which the processes handle.
func forwarded(sig os.Signal) os.Signal {
	if sig == syscall.SIGHUP {
		return syscall.SIGTERM
	}
	return sig
}

// describe says how a child ended, from Wait's error.
func describe(err error) string {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "exit status 0"
	case errors.As(err, &ee):
		return ee.String()
	}
	return err.Error()
}

// names lists the running children's names, sorted.
func names(running map[*child]bool) string {
	out := make([]string, 0, len(running))
	for c := range running {
		out = append(out, c.name)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
