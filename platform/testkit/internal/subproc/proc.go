package subproc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Proc is a started child process. Its own goroutine reaps it; Done is closed on exit.
type Proc struct {
	cmd  *exec.Cmd
	out  *Buffer
	done chan struct{}
	err  error // from cmd.Wait, valid once done is closed
}

// Start starts cmd in its own process group with stdout and stderr captured in one
// buffer. deathSig is delivered to the child if the test binary dies first. Any
// SysProcAttr already set on cmd (such as a Credential) is kept.
func Start(cmd *exec.Cmd, deathSig syscall.Signal) (*Proc, error) {
	out := &Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = deathSig
	// A grandchild that keeps the output pipe open must not block Wait forever.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	p := &Proc{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Output is the buffer holding the combined stdout and stderr.
func (p *Proc) Output() *Buffer { return p.out }

// PID is the child's process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited and been reaped.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitCode is the exit status once Done is closed: -1 if a signal ended the process.
func (p *Proc) ExitCode() int {
	<-p.done
	if p.cmd.ProcessState == nil {
		return -1
	}
	return p.cmd.ProcessState.ExitCode()
}

// Signal sends sig to the process itself (not its group).
func (p *Proc) Signal(sig os.Signal) error {
	if p.Exited() {
		return os.ErrProcessDone
	}
	return p.cmd.Process.Signal(sig)
}

// Wait waits up to timeout for the process to exit and returns its exit code. If it does
// not exit in time, its whole process group is killed and an error is returned.
func (p *Proc) Wait(timeout time.Duration) (int, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.done:
		return p.ExitCode(), nil
	case <-timer.C:
		p.Kill()
		return -1, fmt.Errorf("%s (pid %d) did not exit within %s; killed", p.cmd.Path, p.PID(), timeout)
	}
}

// Stop sends sig and waits up to timeout, killing the process group after that.
func (p *Proc) Stop(sig os.Signal, timeout time.Duration) (int, error) {
	if err := p.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.Kill()
		return -1, fmt.Errorf("signal %s: %w", sig, err)
	}
	return p.Wait(timeout)
}

// Kill sends SIGKILL to the whole process group and waits until the process is reaped.
func (p *Proc) Kill() {
	_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
	<-p.done
}

// FreePort asks the kernel for a free TCP port on 127.0.0.1. Another process may take it
// before the caller binds it; callers that start servers retry on "address in use".
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
