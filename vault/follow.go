package vault

import (
	"archive/tar"
	"crypto/sha256"
	"io"
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
	sums := fileDigests{}
	followEntries(f, func(hdr *tar.Header, span dataSpan, data func(io.Writer) bool) bool {
		h := sha256.New()
		if !data(h) {
			return false
		}
		var sum [sha256.Size]byte
		h.Sum(sum[:0])
		sums[span] = sum
		return true
	})
	return sums
}

// followEntries reads the tar in f's payload as it is published and calls
// entry for each regular entry whose data lies within reach of the feed,
// with where the data lies and data, which copies it to a writer as it is
// published and reports whether all of it was. It ends with the feed, at
// the first other entry (ParsePayload checks the payload either way), or
// when entry returns false.
func followEntries(f *payloadFeed, entry func(hdr *tar.Header, span dataSpan, data func(io.Writer) bool) bool) {
	r := &feedReader{f: f}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err != nil || hdr.Typeflag != tar.TypeReg || hdr.Size < 0 || hdr.Size > maxFeedSeek-int64(r.pos) {
			return
		}
		// After Next, r is at the entry's data; tar seeks past it.
		start := r.pos
		data := func(w io.Writer) bool {
			_, ok := followSpan(f, start, start+int(hdr.Size), w)
			return ok
		}
		if !entry(hdr, dataSpan{int64(start), hdr.Size}, data) {
			return
		}
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

// followSpan writes buf[from:to] of f's buffer to w as it is published;
// false when the feed ended before to, or w failed.
func followSpan(f *payloadFeed, from, to int, w io.Writer) (int, bool) {
	for pos := from; pos < to; {
		buf, n, end := f.wait(pos)
		if end {
			return pos - from, false
		}
		k := min(n, to)
		if _, err := w.Write(buf[pos:k]); err != nil {
			return pos - from, false
		}
		pos = k
	}
	return to - from, true
}

// StreamFiles has Open write a big bundle's files out as it decrypts
// them, on another goroutine, rather than the caller after Open: the
// writes overlap the download and the decryption. What is written is not
// authenticated until Open returns the bundle, so it must not have a name
// before (SPEC: nothing is written before the integrity check): Create
// gives writers that hold the data unnamed (DirStream: anonymous files),
// and the caller names only the files listed in Written once Open
// returned the bundle; on any error it drops everything Create made, and
// uses nothing of it.
type StreamFiles struct {
	// Create returns where to write the data of the file at path (a
	// path CheckPath accepts), of size bytes, or nil to leave it out. It
	// is called from another goroutine, in the payload's order, before
	// Open returns; an error stops the writing. Close is called on what
	// it returns once the data was written, in full or not.
	Create func(path string, size int64) (io.WriteCloser, error)
	// Written is set by Open: once it returned the bundle, the paths of
	// the files whose data went in full to Create's writers, at the very
	// place, path and size of the checked bundle's file (its content is
	// the File's). Any other file is the caller's to write.
	Written map[string]bool
	// AfterWrites, when not nil, is called by Open once the message was
	// read to its end (or the first error) and the writing ended, before
	// the payload is trusted, whatever the outcome (tests: nothing may
	// have a name then).
	AfterWrites func()
}

// followWrites starts a goroutine that reads the tar in f's payload as it
// is published and writes each file's data to the writer create gives
// for it. The function it returns waits for the goroutine, which ends
// with the feed or at the first thing it cannot do, and returns where
// the data of each file written in full lay.
func followWrites(f *payloadFeed, create func(path string, size int64) (io.WriteCloser, error)) func() map[string]dataSpan {
	done := make(chan map[string]dataSpan, 1)
	go func() { done <- writeFiles(f, create) }()
	return func() map[string]dataSpan { return <-done }
}

func writeFiles(f *payloadFeed, create func(path string, size int64) (io.WriteCloser, error)) map[string]dataSpan {
	written := map[string]dataSpan{}
	followEntries(f, func(hdr *tar.Header, span dataSpan, data func(io.Writer) bool) bool {
		if hdr.Name == ManifestPath {
			return true
		}
		if _, dup := written[hdr.Name]; dup || CheckPath(hdr.Name) != nil {
			return false
		}
		w, err := create(hdr.Name, hdr.Size)
		if err != nil {
			return false
		}
		if w == nil {
			return true
		}
		ok := data(w)
		if err := w.Close(); err != nil || !ok {
			return false
		}
		written[hdr.Name] = span
		return true
	})
	return written
}
