package proctest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/internal/subproc"
)

// Options configure a process started by Start.
type Options struct {
	// Args are the command-line arguments, without the program name.
	Args []string
	// Env is appended to a minimal environment of PATH and HOME (and GORACE, see Start),
	// so nothing else from the developer's environment leaks into the process under test.
	Env []string
	// Stdin is fed to the process's standard input (empty: /dev/null).
	Stdin string
	// Dir is the working directory (empty: the test's working directory).
	Dir string
}

// Process is a running binary under test. Its stdout and stderr are captured together.
type Process struct {
	t    testing.TB
	name string
	p    *subproc.Proc
}

// Start starts bin with opts. The process runs in its own process group; when the test
// ends, whatever is still running in that group is killed, and if the test failed the
// process's output is logged. If the test binary itself dies, the process is killed too.
//
// Binaries from Build carry the race detector when the test binary does: a data race
// reported in their output fails the test. Unless GORACE is set (in the test's
// environment or in opts.Env), they get GORACE=atexit_sleep_ms=0, sparing the race
// runtime's default one-second sleep at every clean exit.
func Start(t testing.TB, bin string, opts Options) *Process {
	t.Helper()
	cmd := exec.Command(bin, opts.Args...)
	cmd.Env = minimalEnv(opts.Env)
	cmd.Dir = opts.Dir
	if opts.Stdin != "" {
		cmd.Stdin = strings.NewReader(opts.Stdin)
	}
	p, err := subproc.Start(cmd, syscall.SIGKILL)
	if err != nil {
		t.Fatalf("proctest: %v", err)
	}
	proc := &Process{t: t, name: filepath.Base(bin), p: p}
	t.Cleanup(func() {
		_ = syscall.Kill(-p.PID(), syscall.SIGKILL) // leftovers, including children
		<-p.Done()
		if strings.Contains(p.Output().String(), "WARNING: DATA RACE") {
			t.Errorf("proctest: %s (pid %d) reported a data race", proc.name, p.PID())
		}
		if t.Failed() {
			t.Logf("proctest: output of %s (pid %d):\n%s", proc.name, p.PID(), p.Output().Tail(64<<10))
		}
	})
	return proc
}

// minimalEnv is PATH, HOME and GORACE from the test's environment, then extra.
func minimalEnv(extra []string) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "GORACE"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	if !hasKey(env, "GORACE") && !hasKey(extra, "GORACE") {
		env = append(env, "GORACE=atexit_sleep_ms=0")
	}
	return append(env, extra...)
}

// hasKey reports whether env sets key.
func hasKey(env []string, key string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, key+"=") {
			return true
		}
	}
	return false
}

// PID is the process id.
func (p *Process) PID() int { return p.p.PID() }

// Output returns everything the process has written to stdout and stderr so far.
func (p *Process) Output() string { return p.p.Output().String() }

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.p.Done() }

// Signal sends sig to the process (not to its children). It returns os.ErrProcessDone if
// the process has already exited.
func (p *Process) Signal(sig os.Signal) error { return p.p.Signal(sig) }

// Wait waits up to timeout for the process to exit and returns its exit code (-1 if a
// signal ended it). If it is still running after timeout, its process group is killed
// and an error is returned.
func (p *Process) Wait(timeout time.Duration) (exitCode int, err error) {
	return p.p.Wait(timeout)
}

// Stop sends SIGTERM and waits up to timeout, returning the exit code. A process that
// does not exit in time is killed and the test is marked failed: a graceful shutdown
// that hangs is a bug the end-to-end test should catch.
func (p *Process) Stop(timeout time.Duration) int {
	p.t.Helper()
	code, err := p.p.Stop(syscall.SIGTERM, timeout)
	if err != nil {
		p.t.Errorf("proctest: stop %s: %v", p.name, err)
	}
	return code
}
