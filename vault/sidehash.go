package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// sideChunk and sideChunks size the buffers a SideHash copies what it is
// given into: at most sideChunks × sideChunk bytes wait for the hashing
// goroutine.
const (
	sideChunk  = 256 << 10
	sideChunks = 8
)

// SideHash is an io.Writer that hashes what is written to it on another
// goroutine (the other core, while the writer goes on encrypting): each
// write is copied into one of a few buffers, handed over, and the buffer
// comes back once hashed. Data under parallelHashMin is hashed in Write
// instead. Sum and Digest wait for the hashing to finish; Stop ends the
// goroutine when neither is called.
type SideHash struct {
	h          hash.Hash
	full, free chan []byte // nil: hashed in Write
	done       chan struct{}
	buffers    int // allocated so far, up to sideChunks
	stopped    bool
}

// NewSideSHA256 is NewSideHash of SHA-256.
func NewSideSHA256(size int64) *SideHash {
	return NewSideHash(sha256.New(), size)
}

// NewSideHash returns a SideHash that feeds h, for about size bytes (0:
// unknown): from parallelHashMin on it starts the hashing goroutine, which
// Sum, Digest or Stop ends. h must not be used until then.
func NewSideHash(h hash.Hash, size int64) *SideHash {
	s := &SideHash{h: h}
	if size < parallelHashMin {
		return s
	}
	s.full = make(chan []byte, sideChunks)
	s.free = make(chan []byte, sideChunks)
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		for b := range s.full {
			s.h.Write(b)
			s.free <- b[:cap(b)]
		}
	}()
	return s
}

func (s *SideHash) Write(p []byte) (int, error) {
	if s.full == nil {
		return s.h.Write(p)
	}
	n := len(p)
	for len(p) > 0 {
		b := s.buffer()
		k := copy(b, p)
		s.full <- b[:k]
		p = p[k:]
	}
	return n, nil
}

// buffer is a free buffer, a new one while fewer than sideChunks exist.
func (s *SideHash) buffer() []byte {
	select {
	case b := <-s.free:
		return b
	default:
	}
	if s.buffers < sideChunks {
		s.buffers++
		return make([]byte, sideChunk)
	}
	return <-s.free
}

// Stop ends the hashing goroutine, once everything written is hashed.
func (s *SideHash) Stop() {
	if s.full == nil {
		return
	}
	if !s.stopped {
		s.stopped = true
		close(s.full)
	}
	<-s.done
}

// Digest is the digest of all that was written; nothing may be written
// after it.
func (s *SideHash) Digest() []byte {
	s.Stop()
	return s.h.Sum(nil)
}

// Sum is the hex digest of all that was written; nothing may be written
// after it.
func (s *SideHash) Sum() string {
	return hex.EncodeToString(s.Digest())
}
