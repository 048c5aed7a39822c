package vault

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"
)

// bigBundle is sampleBundle with files around the follower's interest: an
// empty one, one over parallelHashMin, one across many decryption chunks.
func bigBundle() *Bundle {
	b := sampleBundle()
	files := append([]File(nil), b.Files...)
	blob := make([]byte, 3<<20+7)
	rand.Read(blob)
	files = append(files, File{Path: "big/blob.bin", Mode: 0o600, Data: blob},
		File{Path: "big/empty", Mode: 0o600}, File{Path: "big/small", Mode: 0o600, Data: []byte("x")},
		File{Path: "mid.bin", Mode: 0o600, Data: blob[:seipdChunk+5]})
	return &Bundle{Manifest: NewManifest(b.Manifest, files), Files: files}
}

func sealForTest(t *testing.T, payload []byte) []byte {
	t.Helper()
	var ct bytes.Buffer
	if err := Encrypt(&ct, payload, []byte(testPass), testOpts); err != nil {
		t.Fatal(err)
	}
	return ct.Bytes()
}

// noGoroutinesLeft fails when more goroutines run than before (the
// followers and the MDC's hashing end with Open, whatever it returns).
func noGoroutinesLeft(t *testing.T, before int) {
	t.Helper()
	for range 100 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond) // goroutines that were told to end, exiting
	}
	t.Errorf("%d goroutines left running, %d before", runtime.NumGoroutine(), before)
}

// TestOpenFollowed: with a known size of parallelHashMin or more, Open
// hashes the payload and the files as they are decrypted (followers, the
// MDC on another goroutine): the bundle and the payload digest are the
// ones Open gives without a size, with and without NoSum, and no
// goroutine is left.
func TestOpenFollowed(t *testing.T) {
	before := runtime.NumGoroutine()
	b := bigBundle()
	payload, err := MarshalPayload(b)
	if err != nil {
		t.Fatal(err)
	}
	ct := sealForTest(t, payload)
	want := sha256.Sum256(payload)
	for _, o := range []ReadOptions{{}, {Size: int64(len(ct))}, {Size: int64(len(ct)), NoSum: true}, {Size: int64(len(ct)) + 1000}} {
		got, sum, err := Open(bytes.NewReader(ct), []byte(testPass), o)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		sameFiles(t, got.Files, b.Files)
		if o.NoSum && sum != "" || !o.NoSum && sum != hex.EncodeToString(want[:]) {
			t.Errorf("%+v: wrong payload digest", o)
		}
	}
	noGoroutinesLeft(t, before)
}

// TestOpenFollowedRefuses: what the followers hash decides nothing: a
// file whose content differs from its manifest digest (in a message with
// a good MDC), a flipped bit (the MDC fails), a truncated message and a
// wrong passphrase are refused with Open's errors when the size is known,
// and nothing is left running.
func TestOpenFollowedRefuses(t *testing.T) {
	before := runtime.NumGoroutine()
	b := bigBundle()
	payload, err := MarshalPayload(b)
	if err != nil {
		t.Fatal(err)
	}
	blob := b.Files[len(b.Files)-4].Data // big/blob.bin
	bad := bytes.Clone(payload)
	bad[bytes.Index(payload, blob)+len(blob)/2] ^= 1
	tampered := sealForTest(t, bad)
	if _, _, err := Open(bytes.NewReader(tampered), []byte(testPass), ReadOptions{Size: int64(len(tampered))}); !errors.Is(err, ErrManifest) {
		t.Errorf("a file changed under its manifest: %v, want ErrManifest", err)
	}

	ct := sealForTest(t, payload)
	for _, at := range []int{len(ct) / 2, len(ct) - 5, len(ct) - 30} {
		flipped := bytes.Clone(ct)
		flipped[at] ^= 1
		if _, _, err := Open(bytes.NewReader(flipped), []byte(testPass), ReadOptions{Size: int64(len(ct))}); !errors.Is(err, ErrIntegrity) {
			t.Errorf("bit flipped at %d of %d: %v, want ErrIntegrity", at, len(ct), err)
		}
	}
	for _, n := range []int{len(ct) - 1, len(ct) - 21, len(ct) / 2} {
		if _, _, err := Open(bytes.NewReader(ct[:n]), []byte(testPass), ReadOptions{Size: int64(len(ct))}); !errors.Is(err, ErrIntegrity) {
			t.Errorf("truncated to %d of %d: %v, want ErrIntegrity", n, len(ct), err)
		}
	}
	if _, _, err := Open(bytes.NewReader(ct), []byte("not the passphrase"), ReadOptions{Size: int64(len(ct))}); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	noGoroutinesLeft(t, before)
}

// TestFeedMovedBuffer: a payload read into a buffer that had to grow (the
// size hint was short) ends the feed: the followers cover only what was
// published before, and Open's check that the feed holds the payload
// fails, so that it hashes the payload itself.
func TestFeedMovedBuffer(t *testing.T) {
	payload, err := MarshalPayload(bigBundle())
	if err != nil {
		t.Fatal(err)
	}
	feed := newPayloadFeed()
	files, whole := followFiles(feed), followSum(feed)
	got, err := readAllHint(bytes.NewReader(payload), 1<<20, feed)
	feed.close()
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("readAllHint: %v", err)
	}
	if _, n := whole(); n >= len(payload) {
		t.Errorf("the payload's follower covered %d bytes of %d past a moved buffer", n, len(payload))
	}
	files()
	if feed.holds(got) {
		t.Error("the feed holds a buffer that moved")
	}

	// With an exact hint it holds the payload, and the followers' digests
	// are the payload's and the files'.
	feed = newPayloadFeed()
	files, whole = followFiles(feed), followSum(feed)
	got, err = readAllHint(bytes.NewReader(payload), int64(len(payload)), feed)
	feed.close()
	if err != nil || !feed.holds(got) {
		t.Fatalf("exact hint: %v, holds %v", err, feed.holds(got))
	}
	if sum, n := whole(); n != len(payload) || sum != sha256.Sum256(payload) {
		t.Errorf("the payload's follower: %d bytes of %d, or a wrong digest", n, len(payload))
	}
	sums := files()
	if len(sums) != len(bigBundle().Files)+1 { // and the manifest
		t.Errorf("%d file digests, want %d", len(sums), len(bigBundle().Files)+1)
	}
	for span, sum := range sums {
		if sum != sha256.Sum256(payload[span.off:span.off+span.size]) {
			t.Errorf("digest of %d bytes at %d differs", span.size, span.off)
		}
	}
}

// memSink collects what Open streams, by path.
type memSink struct {
	mu    sync.Mutex
	files map[string]*bytes.Buffer
	fail  string // Create of this path fails
	skip  string // Create of this path gives no writer
}

func (m *memSink) create(path string, size int64) (io.WriteCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch path {
	case m.fail:
		return nil, errors.New("create failed")
	case m.skip:
		return nil, nil
	}
	b := &bytes.Buffer{}
	m.files[path] = b
	return nopCloser{b}, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// TestOpenStream: with Stream, Open writes a big bundle's files as it
// decrypts them and lists in Written those it wrote in full, with their
// content; a path the sink leaves out is not listed, a failed Create
// stops the writing; a bundle Open refuses lists nothing. AfterWrites is
// called once, after the last byte was written, whatever the outcome.
func TestOpenStream(t *testing.T) {
	b := bigBundle()
	payload, err := MarshalPayload(b)
	if err != nil {
		t.Fatal(err)
	}
	ct := sealForTest(t, payload)
	sink := &memSink{files: map[string]*bytes.Buffer{}, skip: "gcp-sa.json"}
	looked := 0
	st := &StreamFiles{Create: sink.create, AfterWrites: func() {
		// Every byte is written by then.
		looked++
		sink.mu.Lock()
		defer sink.mu.Unlock()
		for _, f := range b.Files {
			if w := sink.files[f.Path]; w != nil && w.Len() != len(f.Data) {
				t.Errorf("%q: %d of %d bytes written when AfterWrites is called", f.Path, w.Len(), len(f.Data))
			}
		}
	}}
	got, _, err := Open(bytes.NewReader(ct), []byte(testPass), ReadOptions{Size: int64(len(ct)), Stream: st})
	if err != nil {
		t.Fatal(err)
	}
	if looked != 1 {
		t.Errorf("AfterWrites called %d times, want 1", looked)
	}
	if len(st.Written) != len(b.Files)-1 || st.Written["gcp-sa.json"] {
		t.Errorf("Written lists %d files, want all %d but the one left out", len(st.Written), len(b.Files)-1)
	}
	for _, f := range got.Files {
		if st.Written[f.Path] && !bytes.Equal(sink.files[f.Path].Bytes(), f.Data) {
			t.Errorf("%q: what was streamed is not the file", f.Path)
		}
	}

	sink = &memSink{files: map[string]*bytes.Buffer{}, fail: "big/empty"}
	st = &StreamFiles{Create: sink.create}
	if _, _, err := Open(bytes.NewReader(ct), []byte(testPass), ReadOptions{Size: int64(len(ct)), Stream: st}); err != nil {
		t.Fatal(err)
	}
	if !st.Written["big/blob.bin"] || st.Written["big/empty"] || st.Written["mid.bin"] {
		t.Errorf("after a failed Create: %v", st.Written)
	}

	flipped := bytes.Clone(ct)
	flipped[len(ct)/2] ^= 1
	looked = 0
	st = &StreamFiles{Create: (&memSink{files: map[string]*bytes.Buffer{}}).create, AfterWrites: func() { looked++ }}
	if _, _, err := Open(bytes.NewReader(flipped), []byte(testPass), ReadOptions{Size: int64(len(ct)), Stream: st}); !errors.Is(err, ErrIntegrity) || len(st.Written) != 0 || looked != 1 {
		t.Errorf("a flipped bit: %v, %d files listed as written, AfterWrites called %d times", err, len(st.Written), looked)
	}
}
