package vault

import (
	"archive/tar"
	"crypto/sha256"
	"hash"
)

// dataSpan is where an entry's data lies in the payload.
type dataSpan struct{ off, size int64 }

// fileDigests are the SHA-256 digests of entries' data, by where the data
// lies in the payload, as followFiles computed them. They stand for the
// bytes at that place of the buffer followFiles followed and nothing else:
// ParsePayload uses one only for the data at exactly that span of that
// buffer, and hashes whatever else it checks.
type fileDigests map[dataSpan][sha256.Size]byte

// followFiles starts a goroutine that reads the tar in f's payload as it
// is published and SHA-256s each entry's data (on the other core, while
// the rest is decrypted). The function it returns waits for the goroutine,
// which ends with the feed (or at the first thing in the tar it does not
// expect: ParsePayload checks the payload either way), and returns the
// digests it got.
func followFiles(f *payloadFeed) func() fileDigests {
	done := make(chan fileDigests, 1)
	go func() { done <- fileSums(f) }()
	return func() fileDigests { return <-done }
}

func fileSums(f *payloadFeed) fileDigests {
	r := &feedReader{f: f}
	tr := tar.NewReader(r)
	sums := fileDigests{}
	for {
		hdr, err := tr.Next()
		if err != nil || hdr.Typeflag != tar.TypeReg || hdr.Size < 0 || hdr.Size > maxFeedSeek-int64(r.pos) {
			return sums
		}
		// After Next, r is at the entry's data; tar seeks past it.
		span := dataSpan{int64(r.pos), hdr.Size}
		sum, ok := followSpan(f, r.pos, r.pos+int(hdr.Size), sha256.New())
		if !ok {
			return sums
		}
		sums[span] = sum
	}
}

// followSum starts a goroutine that SHA-256s f's payload as it is
// published. The function it returns waits for it and returns the digest
// and how many bytes of the buffer it covers.
func followSum(f *payloadFeed) func() ([sha256.Size]byte, int) {
	type result struct {
		sum [sha256.Size]byte
		n   int
	}
	done := make(chan result, 1)
	go func() {
		h := sha256.New()
		pos := 0
		for {
			buf, n, end := f.wait(pos)
			if end {
				var r result
				h.Sum(r.sum[:0])
				r.n = pos
				done <- r
				return
			}
			h.Write(buf[pos:n])
			pos = n
		}
	}()
	return func() ([sha256.Size]byte, int) {
		r := <-done
		return r.sum, r.n
	}
}

// followSpan writes buf[from:to] of f's buffer to h as it is published
// and returns h's sum; false when the feed ended before to.
func followSpan(f *payloadFeed, from, to int, h hash.Hash) ([sha256.Size]byte, bool) {
	var sum [sha256.Size]byte
	for pos := from; pos < to; {
		buf, n, end := f.wait(pos)
		if end {
			return sum, false
		}
		k := min(n, to)
		h.Write(buf[pos:k])
		pos = k
	}
	h.Sum(sum[:0])
	return sum, true
}
