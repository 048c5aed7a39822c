package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

// TestSideSHA256: the sum is SHA-256 of what was written, whatever the
// sizes of the writes, on the side goroutine and inline.
func TestSideSHA256(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1000, parallelHashMin, 3*sideChunks*sideChunk + 17} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		want := sha256.Sum256(data)
		s := NewSideSHA256(int64(size))
		for p := data; len(p) > 0; {
			k := min(len(p), 1+rng.IntN(2*sideChunk))
			if n, err := s.Write(p[:k]); n != k || err != nil {
				t.Fatalf("size %d: Write = %d, %v", size, n, err)
			}
			p = p[k:]
		}
		if got := s.Sum(); got != hex.EncodeToString(want[:]) {
			t.Errorf("size %d: sum %s, want %x", size, got, want)
		}
		s.Stop() // after Sum: nothing left to end
	}
	// Stop without Sum ends the goroutine.
	s := NewSideSHA256(parallelHashMin)
	s.Write(make([]byte, 5*sideChunk))
	s.Stop()
}
