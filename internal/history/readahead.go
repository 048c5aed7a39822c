package history

import "io"

// readAheadMin is the object size from which a fetch reads ahead.
const readAheadMin = 1 << 20

// readAheadChunk and readAheadChunks bound what a readAhead holds: 4 MiB.
const (
	readAheadChunk  = 256 << 10
	readAheadChunks = 16
)

// readAhead reads r in a goroutine of its own, up to readAheadChunks
// chunks ahead of its reader, so that a bundle keeps arriving while the
// one before is decrypted and hashed (the network and the CPU overlap
// instead of taking turns). It returns r's bytes and r's errors in order.
// stop must be called when the reader is done, after the body it reads is
// closed (which ends a read that is still waiting).
type readAhead struct {
	chunks chan aheadChunk
	free   chan []byte
	done   chan struct{}
	cur    aheadChunk
	off    int
}

type aheadChunk struct {
	buf []byte
	err error
}

// newReadAhead starts reading r ahead.
func newReadAhead(r io.Reader) *readAhead {
	ra := &readAhead{
		chunks: make(chan aheadChunk, readAheadChunks),
		free:   make(chan []byte, readAheadChunks+1),
		done:   make(chan struct{}),
	}
	go ra.fill(r)
	return ra
}

func (ra *readAhead) fill(r io.Reader) {
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		default:
			buf = make([]byte, readAheadChunk)
		}
		n, err := io.ReadAtLeast(r, buf[:cap(buf)], 1)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		select {
		case ra.chunks <- aheadChunk{buf: buf[:n], err: err}:
		case <-ra.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for ra.off == len(ra.cur.buf) {
		if ra.cur.err != nil {
			return 0, ra.cur.err
		}
		if ra.cur.buf != nil {
			select {
			case ra.free <- ra.cur.buf[:cap(ra.cur.buf)]:
			default:
			}
		}
		ra.cur, ra.off = <-ra.chunks, 0
	}
	n := copy(p, ra.cur.buf[ra.off:])
	ra.off += n
	return n, nil
}

// stop lets the goroutine go once it has nothing more to hand over.
func (ra *readAhead) stop() { close(ra.done) }

// ReadAhead is r read ahead when size, the size of the object r reads, is
// at least readAheadMin, else r itself; stop must be called when the
// reader is done, after r's body is closed.
func ReadAhead(r io.Reader, size int64) (ahead io.Reader, stop func()) {
	if size < readAheadMin {
		return r, func() {}
	}
	ra := newReadAhead(r)
	return ra, ra.stop
}
