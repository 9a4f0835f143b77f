package main

import (
	"bytes"
	"io"
	"sync"
)

// maxLine is the longest partial line held back waiting for its newline; a longer one is
// written out in pieces, each with the prefix.
const maxLine = 64 << 10

// prefixWriter writes every line it is given to w with prefix before it. Lines from
// writers sharing mu never interleave. Errors writing to w are dropped: a child must not
// fail because dev's own output went away.
type prefixWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix []byte
	buf    []byte // the partial last line
}

// Write implements io.Writer; it always reports the whole of p written.
func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	start := 0
	for {
		i := bytes.IndexByte(p.buf[start:], '\n')
		if i < 0 {
			break
		}
		p.emit(p.buf[start : start+i+1])
		start += i + 1
	}
	p.buf = append(p.buf[:0], p.buf[start:]...)
	if len(p.buf) >= maxLine {
		p.Flush()
	}
	return len(b), nil
}

// Flush writes out a partial last line, ending it with a newline.
func (p *prefixWriter) Flush() {
	if len(p.buf) > 0 {
		p.emit(append(p.buf, '\n'))
		p.buf = p.buf[:0]
	}
}

func (p *prefixWriter) emit(line []byte) {
	out := make([]byte, 0, len(p.prefix)+len(line))
	out = append(append(out, p.prefix...), line...)
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = p.w.Write(out)
}
