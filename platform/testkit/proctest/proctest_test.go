package proctest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const echoerPkg = "./platform/testkit/proctest/testdata/echoer"

// echoer builds the helper command (once per process) and returns its path.
func echoer(t *testing.T) string {
	t.Helper()
	start := time.Now()
	bin := Build(t, echoerPkg)["echoer"]
	t.Logf("Build: %s (race=%v)", time.Since(start), raceEnabled)
	return bin
}

func TestBuildOnceAndRun(t *testing.T) {
	t.Setenv("ECHOER_UNSET", "must not leak") // not parallel: Setenv
	bin := echoer(t)
	if again := Build(t, echoerPkg)["echoer"]; again != bin {
		t.Fatalf("second Build gave %s, want cached %s", again, bin)
	}
	p := Start(t, bin, Options{Args: []string{"a", "b"}, Env: []string{"ECHOER_VALUE=x"}, Stdin: "hello"})
	WaitOutput(t, p, "ready", 10*time.Second)
	out := p.Output()
	for _, want := range []string{"args=[a b] env=x", "stdin=hello", `unexpected=""`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code := p.Stop(5 * time.Second); code != 3 {
		t.Fatalf("exit code %d, want 3", code)
	}
	if !strings.Contains(p.Output(), "shutting down") {
		t.Fatalf("no graceful shutdown:\n%s", p.Output())
	}
}

func TestWaitHTTPAndStop(t *testing.T) {
	t.Parallel()
	bin := echoer(t)
	addr := FreeAddr(t)
	if _, _, err := net.SplitHostPort(addr); err != nil || !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("FreeAddr gave %q", addr)
	}
	p := Start(t, bin, Options{Args: []string{"-http", addr, "-delay", "100ms"}})
	start := time.Now()
	WaitHTTP(t, "http://"+addr+"/", 418, 10*time.Second)
	t.Logf("WaitHTTP: %s", time.Since(start))
	if code := p.Stop(5 * time.Second); code != 3 {
		t.Fatalf("exit code %d, want 3", code)
	}
}

func TestWaitReportsExitCode(t *testing.T) {
	t.Parallel()
	p := Start(t, echoer(t), Options{Args: []string{"-exit", "7"}})
	code, err := p.Wait(5 * time.Second)
	if err != nil || code != 7 {
		t.Fatalf("Wait = %d, %v; want 7, nil", code, err)
	}
	if err := p.Signal(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("Signal after exit = %v, want ErrProcessDone", err)
	}
}

func TestWaitKillsHungProcess(t *testing.T) {
	t.Parallel()
	p := Start(t, echoer(t), Options{Args: []string{"-ignore-term"}})
	WaitOutput(t, p, "ignoring SIGTERM", 10*time.Second)
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, err := p.Wait(200 * time.Millisecond)
	if err == nil || code != -1 {
		t.Fatalf("Wait = %d, %v; want -1 and an error", code, err)
	}
	select {
	case <-p.Done():
	default:
		t.Fatal("process still running after Wait gave up")
	}
}

// fakeTB records the first fatal message and ends the goroutine like testing does; it
// also collects errors and cleanups so a helper's own cleanup can be checked.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	msg      string
	errors   []string
	cleanups []func()
}

func (f *fakeTB) Helper()             {}
func (f *fakeTB) Logf(string, ...any) {}
func (f *fakeTB) Cleanup(fn func())   { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Failed() bool        { return len(f.errors) > 0 }

func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

// fatalOf runs fn with a fakeTB in its own goroutine and returns the fatal message.
func fatalOf(t *testing.T, fn func(testing.TB)) string {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msg
}

func TestWaitOutputFailsWhenProcessExits(t *testing.T) {
	t.Parallel()
	p := Start(t, echoer(t), Options{Args: []string{"-exit", "0"}})
	msg := fatalOf(t, func(tb testing.TB) { WaitOutput(tb, p, "never printed", 10*time.Second) })
	if !strings.Contains(msg, "exited with status 0") {
		t.Fatalf("got %q", msg)
	}
}

func TestWaitHTTPTimesOutWithLastError(t *testing.T) {
	t.Parallel()
	addr := FreeAddr(t)
	msg := fatalOf(t, func(tb testing.TB) { WaitHTTP(tb, "http://"+addr+"/", 200, 100*time.Millisecond) })
	if !strings.Contains(msg, "connection refused") {
		t.Fatalf("got %q", msg)
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root + "/go.mod"); err != nil {
		t.Fatal(err)
	}
}

func TestStartFailsTestOnChildDataRace(t *testing.T) {
	t.Parallel()
	if !raceEnabled {
		t.Skip("needs -race: binaries from Build carry the race detector only then")
	}
	f := &fakeTB{TB: t}
	p := Start(f, echoer(t), Options{Args: []string{"-race"}})
	if _, err := p.Wait(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	for _, fn := range f.cleanups {
		fn()
	}
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], "data race") {
		t.Fatalf("errors = %q, want one about a data race; output:\n%s", f.errors, p.Output())
	}
}
