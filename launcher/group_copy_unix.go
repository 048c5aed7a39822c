//go:build unix

package launcher

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// copyOut copies m's output pipe to its Mux writer until the pipe reaches
// end of file, then prints the last line without a newline and closes
// m.copied.
//
// Once the process has exited, flushOut makes it print, without waiting
// for end of file, what the pipe holds: then everything the process itself
// wrote is out, and m.flushed is closed. A descendant that still holds the
// pipe (a shell's "sleep 100 &") keeps writing under the same name.
func (m *member) copyOut() {
	defer close(m.copied)
	buf := make([]byte, copyBufferSize)
	for {
		n, err := m.r.Read(buf)
		if n > 0 {
			_, _ = m.out.Write(buf[:n])
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			m.flushNow(buf)
			continue
		}
		if err != nil {
			break // end of file, or closed by drain
		}
	}
	_ = m.out.Close()
}

// flushOut asks copyOut to print what m's pipe holds now; it reports false
// when it cannot (the pipe is not pollable or already closed), and then
// only m.copied will come.
func (m *member) flushOut() bool {
	// A deadline in the past wakes the Read copyOut is blocked in.
	return m.r.SetReadDeadline(time.Now()) == nil
}

// flushNow, on copyOut's goroutine, reads what m's pipe holds without
// waiting for more, prints it and the pending partial line, and closes
// m.flushed.
func (m *member) flushNow(buf []byte) {
	defer close(m.flushed)
	if m.r.SetReadDeadline(time.Time{}) != nil {
		return
	}
	rc, err := m.r.SyscallConn()
	if err != nil {
		return
	}
	for {
		var n int
		var rerr error
		// The pipe is non-blocking: returning true makes this one read.
		if rc.Read(func(fd uintptr) bool {
			n, rerr = unix.Read(int(fd), buf)
			return true
		}) != nil {
			break
		}
		if n > 0 {
			_, _ = m.out.Write(buf[:n])
			continue
		}
		if rerr != unix.EINTR {
			break // empty (EAGAIN), or end of file
		}
	}
	m.out.flush()
}
