package e2e_test

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/testkit/proctest"
)

// hashMiB is the Argon2 memory of the test below: a process that computes one password
// hash holds at least this much.
const hashMiB = 256

// measure runs bin to completion with env and returns its exit code, output and peak resident
// memory in MiB. A long-running process is stopped with SIGTERM once stop returns.
func measure(t *testing.T, bin string, env []string, stop func(), args ...string) (int, string, int64) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if stop != nil {
		stop()
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("%s %v did not exit\n%s", bin, args, out.String())
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return cmd.ProcessState.ExitCode(), out.String(), ru.Maxrss / 1024
}

// A process builds only what it uses: `cron list` computes no password hash and needs no
// Redis (here on a closed port), while the api computes one at start (the control, which
// shows the measure would see a hash).
func TestCronListBuildsNoPasswordHash(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	env := append(append([]string{}, s.env...),
		"REDIS_URL=redis://127.0.0.1:1/0",
		"AUTH_ARGON2_MEMORY="+strconv.Itoa(hashMiB*1024), "AUTH_ARGON2_ITERATIONS=1")

	base := resetPeakRSS(t)
	code, out, rss := measure(t, s.bins["cron"], env, nil, "list")
	if code != 0 || !strings.Contains(out, "auth.prune_expired") {
		t.Fatalf("cron list: exit %d\n%s", code, out)
	}
	if rss >= max(hashMiB/2, base+hashMiB/2) {
		t.Errorf("cron list peaked at %d MiB (this test process: %d MiB): it computed a %d MiB password hash", rss, base, hashMiB)
	}

	addr := proctest.FreeAddr(t)
	_, apiOut, apiRSS := measure(t, s.bins["api"], append(env, "HTTP_ADDR="+addr), func() {
		proctest.WaitHTTP(t, "http://"+addr+"/livez", http.StatusOK, startTimeout)
	})
	if apiRSS < hashMiB {
		t.Errorf("control: the api peaked at %d MiB, below the %d MiB of the hash it computes at start\n%s", apiRSS, hashMiB, apiOut)
	}
	t.Logf("peak RSS: cron list %d MiB, api %d MiB (Argon2 memory %d MiB)", rss, apiRSS, hashMiB)
}

// resetPeakRSS resets this process's peak resident size to its current one and returns it
// in MiB. A child started with os/exec shares this process's memory until it executes
// its binary, and Linux counts this process's peak into the child's (ru_maxrss survives
// execve): other tests running alongside must not pass for the child's own memory.
func resetPeakRSS(t *testing.T) int64 {
	t.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("cannot reset the peak RSS (%v); measuring from the process's peak", err)
	}
	return int64(idProcStatus(t, os.Getpid(), "VmHWM")) / 1024
}
