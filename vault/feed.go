package vault

import (
	"errors"
	"io"
	"math"
	"sync"
	"unsafe"
)

// payloadFeed publishes a payload buffer as Decrypt fills it, so that
// other goroutines (followers, see follow.go) hash it meanwhile instead
// of after: the bytes it publishes are final, never written again. It
// says nothing of their authenticity: the MDC is checked only at the end,
// and what followers compute is used only once Decrypt returned the
// payload (after the MDC matched), and only for the very bytes it covers.
type payloadFeed struct {
	mu   sync.Mutex
	more sync.Cond
	buf  []byte // the buffer being filled; buf[:n] is final
	n    int
	end  bool // nothing more will be published
}

func newPayloadFeed() *payloadFeed {
	f := &payloadFeed{}
	f.more.L = &f.mu
	return f
}

// publish says that buf[:n] is final. buf must be the buffer published
// before, if any: a buffer that moves (grows) ends the feed instead.
func (f *payloadFeed) publish(buf []byte, n int) {
	if f == nil {
		return
	}
	f.mu.Lock()
	switch {
	case f.end:
	case f.buf != nil && unsafe.SliceData(buf) != unsafe.SliceData(f.buf):
		f.end = true
	default:
		f.buf, f.n = buf, n
	}
	f.mu.Unlock()
	f.more.Broadcast()
}

// close says nothing more will be published.
func (f *payloadFeed) close() {
	if f == nil {
		return
	}
	f.mu.Lock()
	f.end = true
	f.mu.Unlock()
	f.more.Broadcast()
}

// holds reports whether p is the buffer f published (f may be nil: no).
func (f *payloadFeed) holds(p []byte) bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf != nil && unsafe.SliceData(f.buf) == unsafe.SliceData(p) && f.n >= len(p)
}

// wait blocks until more than from bytes are published, or the feed
// ended, and returns the buffer and how much of it is final.
func (f *payloadFeed) wait(from int) (buf []byte, n int, end bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.n <= from && !f.end {
		f.more.Wait()
	}
	return f.buf, f.n, f.end && f.n <= from
}

// maxFeedSeek bounds a feedReader's position, far past any payload (a
// tar header's size is not to be trusted).
const maxFeedSeek = math.MaxInt32

// errFeedEnded is what a feedReader returns once the feed ended before
// the bytes it was asked for.
var errFeedEnded = errors.New("payload feed ended")

// feedReader reads a payloadFeed from its start, waiting for bytes not
// yet published. It seeks forward without waiting (archive/tar skips
// file data so), which lets a follower hash the data straight from the
// buffer.
type feedReader struct {
	f   *payloadFeed
	pos int
}

func (r *feedReader) Read(p []byte) (int, error) {
	buf, n, end := r.f.wait(r.pos)
	if end {
		return 0, errFeedEnded
	}
	k := copy(p, buf[r.pos:n])
	r.pos += k
	return k, nil
}

// Seek moves forward from the current position (io.SeekCurrent) only.
func (r *feedReader) Seek(offset int64, whence int) (int64, error) {
	if whence != io.SeekCurrent || offset < 0 || int64(r.pos)+offset > maxFeedSeek {
		return int64(r.pos), errors.New("feedReader: unsupported seek")
	}
	r.pos += int(offset)
	return int64(r.pos), nil
}
