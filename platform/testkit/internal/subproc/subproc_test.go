package subproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestBufferWakesWaiters(t *testing.T) {
	t.Parallel()
	var b Buffer
	out, changed := b.Snapshot()
	if out != "" {
		t.Fatalf("fresh buffer holds %q", out)
	}
	go func() { _, _ = b.Write([]byte("hello")) }()
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("no wake-up after Write")
	}
	if !b.Contains("hell") || b.Tail(3) != "...\nllo" {
		t.Fatalf("String %q, Tail %q", b.String(), b.Tail(3))
	}
}

func TestKillTakesTheWholeGroup(t *testing.T) {
	t.Parallel()
	p, err := Start(exec.Command("sh", "-c", "sleep 60 & echo child=$!; wait"), syscall.SIGKILL)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !p.Output().Contains("\n") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	child, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(p.Output().String(), "child=")))
	if err != nil {
		t.Fatalf("no child pid in %q", p.Output().String())
	}
	code, err := p.Wait(50 * time.Millisecond)
	if err == nil || code != -1 {
		t.Fatalf("Wait = %d, %v; want a timeout", code, err)
	}
	// The grandchild was killed with the group: gone, or a zombie until init reaps it.
	for time.Now().Before(deadline) {
		if !alive(child) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("grandchild %d survived Kill", child)
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

func TestStopReportsExitCode(t *testing.T) {
	t.Parallel()
	p, err := Start(exec.Command("sh", "-c", "trap 'exit 5' TERM; echo up; while :; do sleep 0.01; done"), syscall.SIGKILL)
	if err != nil {
		t.Fatal(err)
	}
	for _, changed := p.Output().Snapshot(); !p.Output().Contains("up"); _, changed = p.Output().Snapshot() {
		<-changed
	}
	if code, err := p.Stop(syscall.SIGTERM, 5*time.Second); err != nil || code != 5 {
		t.Fatalf("Stop = %d, %v; want 5, nil", code, err)
	}
	if err := p.Signal(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("Signal after exit = %v", err)
	}
}

func TestTempDirRemovesOrphans(t *testing.T) {
	t.Parallel()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("keel-subproctest%d", os.Getpid())
	orphan := filepath.Join(os.TempDir(), fmt.Sprintf("%s-%d-x", prefix, dead.Process.Pid))
	if err := os.Mkdir(orphan, 0o700); err != nil {
		t.Fatal(err)
	}
	dir, err := TempDir(prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if _, err := os.Stat(orphan); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("orphan %s not removed: %v", orphan, err)
	}
	if !strings.HasPrefix(filepath.Base(dir), fmt.Sprintf("%s-%d-", prefix, os.Getpid())) {
		t.Fatalf("bad name %s", dir)
	}
	again, err := TempDir(prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(again)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("TempDir removed the live process's own directory: %v", err)
	}
}
