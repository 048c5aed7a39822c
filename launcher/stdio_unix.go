//go:build unix

package launcher

import (
	"io"
	"os"
	"sync"
	"time"
)

// drainLimit bounds how long Run waits for output pipes to reach EOF once
// the child's process tree is gone: a process that escaped the tree (only
// possible without subreaper mode) may still hold a pipe open.
const drainLimit = 2 * time.Second

// stdio is the child's three descriptors and the pipes feeding non-file
// writers.
type stdio struct {
	files      [3]*os.File
	afterStart []*os.File // vsync's copies of the child's ends
	readers    []*os.File // vsync's ends of the output pipes
	copies     sync.WaitGroup
}

// openStdio prepares the child's stdin, stdout and stderr from cfg.
func openStdio(cfg *Config) (*stdio, error) {
	st := &stdio{}
	var null *os.File
	devNull := func() (*os.File, error) {
		if null == nil {
			f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
			if err != nil {
				return nil, err
			}
			null = f
			st.afterStart = append(st.afterStart, f)
		}
		return null, nil
	}
	var err error
	if cfg.Stdin != nil {
		st.files[0] = cfg.Stdin
	} else if st.files[0], err = devNull(); err != nil {
		return nil, err
	}
	for i, w := range []io.Writer{cfg.Stdout, cfg.Stderr} {
		fd := i + 1
		if f, ok := w.(*os.File); ok && f == nil {
			w = nil
		}
		switch f, isFile := w.(*os.File); {
		case w == nil:
			if st.files[fd], err = devNull(); err != nil {
				st.close()
				return nil, err
			}
		case isFile:
			st.files[fd] = f
		case fd == 2 && sameWriter(cfg.Stdout, cfg.Stderr):
			st.files[2] = st.files[1]
		default:
			r, pw, err := os.Pipe()
			if err != nil {
				st.close()
				return nil, err
			}
			st.files[fd] = pw
			st.afterStart = append(st.afterStart, pw)
			st.readers = append(st.readers, r)
			st.copies.Add(1)
			go func() {
				defer st.copies.Done()
				_, _ = io.Copy(w, r)
			}()
		}
	}
	return st, nil
}

// sameWriter reports whether a and b are the same writer, without panicking
// on writers of incomparable types.
func sameWriter(a, b io.Writer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// started closes vsync's copies of the child's descriptors.
func (st *stdio) started() {
	for _, f := range st.afterStart {
		_ = f.Close()
	}
	st.afterStart = nil
}

// close releases everything after a failed start.
func (st *stdio) close() {
	st.started()
	st.drain()
}

// drain waits for the copies to reach EOF, for at most drainLimit, then
// closes the read ends.
func (st *stdio) drain() {
	done := make(chan struct{})
	go func() {
		st.copies.Wait()
		close(done)
	}()
	t := time.NewTimer(drainLimit)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
	for _, r := range st.readers {
		_ = r.Close() // interrupts a copy still blocked in Read
	}
	<-done
}
