// Package subproc runs the child processes of the testkit (private PostgreSQL and Redis
// servers, the project's binaries): output captured in a thread-safe buffer that can be
// waited on, a process group that can be killed as a whole, and a parent-death signal so a
// crashed test binary does not leave servers behind.
package subproc

import (
	"strings"
	"sync"
)

// Buffer is a thread-safe, growing byte buffer. Waiters learn about every write through
// the channel returned by Snapshot, so nobody has to poll.
type Buffer struct {
	mu      sync.Mutex
	b       []byte
	changed chan struct{}
}

// Write appends p and wakes every waiter.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b = append(b.b, p...)
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return len(p), nil
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.b)
}

// Snapshot returns the content so far and a channel closed by the next Write.
func (b *Buffer) Snapshot() (string, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed == nil {
		b.changed = make(chan struct{})
	}
	return string(b.b), b.changed
}

// Contains reports whether substr has been written.
func (b *Buffer) Contains(substr string) bool {
	return strings.Contains(b.String(), substr)
}

// Tail returns at most the last n bytes, for log lines that must stay readable.
func (b *Buffer) Tail(n int) string {
	s := b.String()
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}
