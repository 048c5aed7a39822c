package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// sideChunk and sideChunks size the buffers a SideSHA256 copies what it
// is given into: at most sideChunks × sideChunk bytes wait for the
// hashing goroutine.
const (
	sideChunk  = 256 << 10
	sideChunks = 8
)

// SideSHA256 is an io.Writer that SHA-256s what is written to it on another
// goroutine (the other core, while the writer goes on encrypting): each
// write is copied into one of a few buffers, handed over, and the buffer
// comes back once hashed. Data under parallelHashMin is hashed in Write
// instead. Sum waits for the hashing to finish; Stop ends the goroutine
// when Sum is not called.
type SideSHA256 struct {
	h          hash.Hash
	full, free chan []byte // nil: hashed in Write
	done       chan struct{}
	buffers    int // allocated so far, up to sideChunks
	stopped    bool
}

// NewSideSHA256 returns a SideSHA256 for about size bytes (0: unknown):
// from parallelHashMin on it starts the hashing goroutine, which Sum or
// Stop ends.
func NewSideSHA256(size int64) *SideSHA256 {
	s := &SideSHA256{h: sha256.New()}
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

func (s *SideSHA256) Write(p []byte) (int, error) {
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
func (s *SideSHA256) buffer() []byte {
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
func (s *SideSHA256) Stop() {
	if s.full == nil {
		return
	}
	if !s.stopped {
		s.stopped = true
		close(s.full)
	}
	<-s.done
}

// Sum is the hex SHA-256 of all that was written.
func (s *SideSHA256) Sum() string {
	s.Stop()
	return hex.EncodeToString(s.h.Sum(nil))
}
