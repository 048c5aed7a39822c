package history

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// TestReadAhead: the bytes come out in order and whole, over many chunks
// and in pieces of any size, and the source's error comes after its last
// byte, not before.
func TestReadAhead(t *testing.T) {
	data := make([]byte, readAheadChunks*readAheadChunk*2+12345)
	rand.Read(data)
	for name, src := range map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(data) },
		"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data[:100000])) },
		"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
	} {
		want := data
		if name == "one byte" {
			want = data[:100000]
		}
		ra := newReadAhead(src())
		got, err := io.ReadAll(iotest.HalfReader(ra))
		ra.stop()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: %d of %d bytes, %v", name, len(got), len(want), err)
		}
	}
	boom := errors.New("connection reset")
	ra := newReadAhead(io.MultiReader(bytes.NewReader(data[:readAheadChunk+7]), iotest.ErrReader(boom)))
	defer ra.stop()
	got, err := io.ReadAll(ra)
	if !errors.Is(err, boom) || !bytes.Equal(got, data[:readAheadChunk+7]) {
		t.Fatalf("error case: %d bytes, %v; want %d bytes, then the error", len(got), err, readAheadChunk+7)
	}
}
