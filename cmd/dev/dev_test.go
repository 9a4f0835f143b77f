//go:build unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/logtest"
)

func TestSignalIsForwardedAndCleanStopExitsZero(t *testing.T) {
	tests := []struct {
		sig  syscall.Signal
		want string // what each child receives
	}{
		{syscall.SIGINT, "interrupt"},
		{syscall.SIGTERM, "terminated"},
		{syscall.SIGHUP, "terminated"},
	}
	for _, tt := range tests {
		t.Run(tt.sig.String(), func(t *testing.T) {
			d := startDev(t)
			d.waitReady(t, services...)
			d.signal(t, tt.sig)
			if code := d.wait(t, 5*time.Second); code != 0 {
				t.Fatalf("dev exited %d, want 0", code)
			}
			for _, name := range services {
				if got := d.file(name + ".signal"); got != tt.want {
					t.Errorf("%s got signal %q, want %q", name, got, tt.want)
				}
			}
			d.assertGone(t)
			d.assertOutput(t,
				"migrate | hello from migrate [up]\n",
				"api     | hello from api []\n",
				"cron    | partial line from cron\n",
				"dev     | all stopped\n",
			)
		})
	}
}

func TestCrashingChildStopsTheOthersAndExitsNonZero(t *testing.T) {
	d := startDev(t, "FAKE_CRASH=worker")
	if code := d.wait(t, 10*time.Second); code == 0 {
		t.Fatal("dev exited 0 after worker crashed")
	}
	for _, name := range []string{"api", "cron"} {
		if got := d.file(name + ".signal"); got != "terminated" {
			t.Errorf("%s got signal %q, want terminated", name, got)
		}
	}
	d.assertGone(t)
	d.assertOutput(t, "worker exited unexpectedly (exit status 3)")
}

func TestFailedMigrationStartsNothing(t *testing.T) {
	d := startDev(t, "FAKE_FAIL=migrate")
	if code := d.wait(t, 5*time.Second); code == 0 {
		t.Fatal("dev exited 0 after migrate failed")
	}
	for _, name := range services {
		if d.file(name+".ready") != "" {
			t.Errorf("%s was started after migrate failed", name)
		}
	}
	d.assertOutput(t, "migrate up failed: migrate ended with exit status 3")
}

func TestChildThatDoesNotStopIsKilledAfterShutdownTimeoutPlusOneSecond(t *testing.T) {
	d := startDev(t, "FAKE_IGNORE=cron", "SHUTDOWN_TIMEOUT=1s")
	d.waitReady(t, services...)
	begin := time.Now()
	d.signal(t, syscall.SIGINT)
	if code := d.wait(t, 5*time.Second); code == 0 {
		t.Fatal("dev exited 0 although cron had to be killed")
	}
	if took := time.Since(begin); took < 2*time.Second || took > 3*time.Second {
		t.Errorf("stop took %s, want about 2s (SHUTDOWN_TIMEOUT 1s + 1s)", took)
	}
	d.assertGone(t)
	d.assertOutput(t, "cron did not stop within 2s and was killed")
}

func TestSecondSignalKillsAtOnce(t *testing.T) {
	d := startDev(t, "FAKE_IGNORE=cron", "SHUTDOWN_TIMEOUT=1m")
	d.waitReady(t, services...)
	d.signal(t, syscall.SIGINT)
	for _, name := range []string{"api", "worker"} {
		if waitFile(d.dir, name+".signal", 5*time.Second) == "" {
			t.Fatalf("%s never got the first signal", name)
		}
	}
	d.signal(t, syscall.SIGINT)
	if code := d.wait(t, 3*time.Second); code == 0 {
		t.Fatal("dev exited 0 although cron had to be killed")
	}
	d.assertGone(t)
	d.assertOutput(t, "cron was killed after a second signal")
}

// devRun is a dev process under test, with fake children.
type devRun struct {
	cmd  *exec.Cmd
	dir  string // FAKE_DIR
	out  *logtest.Buffer
	done chan struct{}
}

// startDev runs dev over fake binaries with env added to the test's environment.
func startDev(t *testing.T, env ...string) *devRun {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	for _, name := range append([]string{"dev", "migrate"}, services...) {
		if err := os.Symlink(exe, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	d := &devRun{dir: t.TempDir(), out: &logtest.Buffer{}, done: make(chan struct{})}
	d.cmd = exec.Command(filepath.Join(bin, "dev"), "-bin", bin)
	d.cmd.Env = append(os.Environ(), fakeEnv+"=1", "FAKE_DIR="+d.dir, "SHUTDOWN_TIMEOUT=")
	if os.Getenv("GORACE") == "" {
		d.cmd.Env = append(d.cmd.Env, "GORACE=atexit_sleep_ms=0") // no 1 s sleep at each exit under -race
	}
	d.cmd.Env = append(d.cmd.Env, env...)
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default: // the test failed midway: kill dev, then the fakes it left orphaned
			_ = d.cmd.Process.Kill()
			<-d.done
			d.killFakes()
		}
		if t.Failed() {
			t.Logf("dev's output:\n%s", d.out.String())
		}
	})
	return d
}

// waitReady waits until the named fakes handle signals.
func (d *devRun) waitReady(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		if waitFile(d.dir, name+".ready", 10*time.Second) == "" {
			t.Fatalf("%s never became ready", name)
		}
	}
}

func (d *devRun) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// wait waits up to limit for dev to exit and returns its exit status.
func (d *devRun) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-d.done:
		return d.cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		t.Fatalf("dev still running after %s", limit)
		return -1
	}
}

// file returns the content of a file a fake wrote, or "".
func (d *devRun) file(name string) string {
	b, _ := os.ReadFile(filepath.Join(d.dir, name))
	return string(b)
}

// fakePids returns the pid of every fake service that became ready.
func (d *devRun) fakePids() map[string]int {
	pids := make(map[string]int)
	for _, name := range services {
		if pid, err := strconv.Atoi(d.file(name + ".ready")); err == nil {
			pids[name] = pid
		}
	}
	return pids
}

// assertGone checks that no fake service is still running once dev has exited.
func (d *devRun) assertGone(t *testing.T) {
	t.Helper()
	for name, pid := range d.fakePids() {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s (pid %d) still running after dev exited", name, pid)
		}
	}
}

// killFakes kills the fakes that dev, killed itself, could not stop; they are orphans
// still alive (nobody has reaped them), so their pids are still theirs.
func (d *devRun) killFakes() {
	for _, pid := range d.fakePids() {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

func (d *devRun) assertOutput(t *testing.T, wants ...string) {
	t.Helper()
	out := d.out.String()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q", want)
		}
	}
}
