package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"vsync/internal/testpgp"
)

// seipdBody returns where the SEIPD packet of a bundle starts and its
// body (the version byte and the encrypted stream), de-chunked from its
// partial lengths.
func seipdBody(t *testing.T, ct []byte) (start int, body []byte) {
	t.Helper()
	start, body, err := splitSEIPD(ct)
	if err != nil {
		t.Fatal(err)
	}
	return start, body
}

// splitSEIPD is seipdBody without a test: the SEIPD packet's offset in ct
// and its de-chunked body.
func splitSEIPD(ct []byte) (start int, body []byte, err error) {
	r := bytes.NewReader(ct)
	if _, err := unlockSKESK(r, []byte(testPass), nil); err != nil {
		return 0, nil, err
	}
	start = len(ct) - r.Len()
	if ct[start] != 0xD2 {
		return 0, nil, fmt.Errorf("SEIPD tag %#x", ct[start])
	}
	body, _ = testpgp.Dechunk(ct[start+1:])
	return start, body, nil
}

// hostile is what a bucket writer without the passphrase can make of ct,
// a bundle of a payload of at least 8,378 bytes: the first length octet of
// the literal data packet (plaintext 0xCB 0xFF, a five-octet definite
// length, known to anyone who knows the format) XORed in the CFB stream to
// octet, and filler bytes appended to the SEIPD packet, re-framed with one
// definite length. The MDC no longer matches, but only at the end.
func hostile(t *testing.T, ct []byte, octet byte, filler int) []byte {
	t.Helper()
	return hostileAt(t, ct, 19, []byte{0xFF}, []byte{octet}, filler)
}

// hostileAt is hostile with the plaintext want at offset at of the SEIPD
// stream (the prefix's first byte is 0) XORed to to.
func hostileAt(t *testing.T, ct []byte, at int, want, to []byte, filler int) []byte {
	t.Helper()
	start, body := seipdBody(t, ct)
	// body[0] is the version; the stream's byte 18 is the literal tag,
	// byte 19 its first length octet.
	for i := range want {
		if got := decryptedAt(t, ct, body, at+i); got != want[i] {
			t.Fatalf("plaintext %#x at %d, want %#x", got, at+i, want[i])
		}
	}
	body = append(body, make([]byte, filler)...)
	for i := range want {
		body[1+at+i] ^= want[i] ^ to[i]
	}
	out := append([]byte{}, ct[:start]...)
	out = append(out, 0xD2, 0xFF)
	out = binary.BigEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

// decryptedAt decrypts byte i of the SEIPD stream, to check the test's
// assumption about the plaintext (the attack itself needs no key).
func decryptedAt(t *testing.T, ct, body []byte, i int) byte {
	t.Helper()
	key, err := unlockSKESK(bytes.NewReader(ct), []byte(testPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	pt := make([]byte, i+1)
	cipher.NewCFBDecrypter(block, make([]byte, aes.BlockSize)).XORKeyStream(pt, body[1:i+2])
	return pt[i]
}

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func bigCiphertext(t *testing.T, n int) []byte {
	t.Helper()
	var ct bytes.Buffer
	if err := Encrypt(&ct, bytes.Repeat([]byte("CANARY-big-5c1e "), n/16), []byte(testPass), testOpts); err != nil {
		t.Fatal(err)
	}
	return ct.Bytes()
}

// TestDecryptLyingLiteralLength: a literal length a bucket writer flipped
// to claim 1 GiB, its first octet to a partial length or its definite
// length's four octets, with 8 MiB of filler behind it, is refused before
// the filler is read: as too large under the default limit, as tampering
// (more than the bundle holds) under a limit above the claim.
func TestDecryptLyingLiteralLength(t *testing.T) {
	ct := bigCiphertext(t, 100<<10)
	literal := binary.BigEndian.AppendUint32(nil, literalHeaderLen+100<<10)
	for _, evil := range []struct {
		name string
		data []byte
	}{
		{"partial", hostile(t, ct, 0xFE, 8<<20)}, // partial length 2^30
		{"definite", hostileAt(t, ct, 20, literal, binary.BigEndian.AppendUint32(nil, 1<<30), 8<<20)},
	} {
		for _, tc := range []struct {
			name string
			max  int64
			want error
		}{
			{"default limit", 0, ErrTooLarge},
			{"limit above the claim", 2 << 30, ErrIntegrity},
		} {
			t.Run(evil.name+"/"+tc.name, func(t *testing.T) {
				cr := &countingReader{r: bytes.NewReader(evil.data)}
				_, err := Decrypt(cr, []byte(testPass), ReadOptions{Size: int64(len(evil.data)), MaxSize: tc.max})
				if !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				if cr.n > 256<<10 {
					t.Errorf("read %d bytes of a %d-byte bundle before refusing it", cr.n, len(evil.data))
				}
				if strings.Contains(err.Error(), "CANARY") {
					t.Error("error quotes content")
				}
			})
		}
		var se *SizeError
		_, err := Decrypt(bytes.NewReader(evil.data), []byte(testPass), ReadOptions{Size: int64(len(evil.data))})
		if !errors.As(err, &se) || se.Size != 1<<30 || se.Limit != DefaultMaxBundleSize ||
			!strings.Contains(err.Error(), "1073741824") || !strings.Contains(err.Error(), "268435456") {
			t.Errorf("%s: error %q does not name the claim and the limit", evil.name, err)
		}
	}
}

// TestDecryptLyingLengthWithinBundle: a claim the filler covers is read
// (it is bounded by the bundle) and then fails the checks, never taking
// more memory than the bundle's size.
func TestDecryptLyingLengthWithinBundle(t *testing.T) {
	evil := hostile(t, bigCiphertext(t, 100<<10), 0xF6, 8<<20) // partial length 4 MiB
	_, err := Decrypt(bytes.NewReader(evil), []byte(testPass), ReadOptions{Size: int64(len(evil))})
	// Past the 4 MiB the next length octet is garbage: whichever check
	// it trips, the bundle is refused.
	if !errors.Is(err, ErrIntegrity) && !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrIntegrity or ErrTooLarge", err)
	}
}

// TestDecryptReadsNoMoreThanTheLimit: with no size known, a stream longer
// than the limit is cut off after the limit, as too large.
func TestDecryptReadsNoMoreThanTheLimit(t *testing.T) {
	ct := bigCiphertext(t, 1<<20)
	const limit = 256 << 10
	cr := &countingReader{r: bytes.NewReader(ct)}
	_, err := Decrypt(cr, []byte(testPass), ReadOptions{MaxSize: limit})
	var se *SizeError
	if !errors.As(err, &se) || se.Limit != limit {
		t.Fatalf("got %v, want a *SizeError with limit %d", err, limit)
	}
	if cr.n > limit+16 {
		t.Errorf("read %d bytes, limit %d", cr.n, limit)
	}
	// An exact limit is not "over".
	if _, err := Decrypt(bytes.NewReader(ct), []byte(testPass), ReadOptions{MaxSize: int64(len(ct))}); err != nil {
		t.Errorf("bundle of exactly the limit: %v", err)
	}
}

// TestDecryptHugePassphrasePacket: a passphrase packet whose length claims
// 100 MB is refused after at most maxSKESK bytes.
func TestDecryptHugePassphrasePacket(t *testing.T) {
	ct := bigCiphertext(t, 1024)
	r := bytes.NewReader(ct)
	if _, err := unlockSKESK(r, []byte(testPass), nil); err != nil {
		t.Fatal(err)
	}
	skesk := ct[2 : len(ct)-r.Len()]
	evil := binary.BigEndian.AppendUint32([]byte{0xC3, 0xFF}, 100e6)
	evil = append(append(evil, skesk...), make([]byte, 1<<20)...)
	cr := &countingReader{r: bytes.NewReader(evil)}
	if _, err := Decrypt(cr, []byte(testPass), ReadOptions{}); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("got %v, want ErrIntegrity", err)
	}
	if cr.n > 64<<10 {
		t.Errorf("read %d bytes for a passphrase packet", cr.n)
	}
}

// TestSealRefusesOverLimit: Seal refuses a payload or bundle over its
// limit with a *SizeError naming both sizes, and accepts one at it.
func TestSealRefusesOverLimit(t *testing.T) {
	b := sampleBundle()
	payload, err := MarshalPayload(b)
	if err != nil {
		t.Fatal(err)
	}
	var se *SizeError
	opts := testOpts
	opts.MaxSize = int64(len(payload)) - 1
	if _, _, err := Seal(b, []byte(testPass), opts); !errors.As(err, &se) || se.Size != int64(len(payload)) || se.What != "the payload" {
		t.Fatalf("payload %d over %d: %v", len(payload), opts.MaxSize, err)
	}
	opts.MaxSize = int64(len(payload)) // the bundle is a little larger
	if _, _, err := Seal(b, []byte(testPass), opts); !errors.As(err, &se) || se.What != "the bundle" {
		t.Fatalf("bundle over %d: %v", opts.MaxSize, err)
	}
	opts.MaxSize = 0
	ct, sum, err := Seal(b, []byte(testPass), opts)
	if err != nil {
		t.Fatal(err)
	}
	got, sum2, err := Open(bytes.NewReader(ct), []byte(testPass), ReadOptions{Size: int64(len(ct)), MaxSize: int64(len(ct))})
	if err != nil || sum != sum2 {
		t.Fatalf("open at the exact limit: %v (sums equal: %v)", err, sum == sum2)
	}
	sameFiles(t, got.Files, b.Files)
}

// TestParsePayloadManifestSizes: a manifest claiming more bytes of files
// than the payload holds is refused before the entries are read.
func TestParsePayloadManifestSizes(t *testing.T) {
	b := sampleBundle()
	b.Manifest.Files[0].Size = 1 << 40
	var tarBuf bytes.Buffer
	if err := writePayload(&tarBuf, &b.Manifest, b.Files, nil); err != nil {
		t.Fatal(err)
	}
	_, err := ParsePayload(tarBuf.Bytes())
	if !errors.Is(err, ErrManifest) || !strings.Contains(err.Error(), "add up to more than") {
		t.Fatalf("got %v, want the manifest's sizes refused", err)
	}
}

// TestSealReleaseFiles: with ReleaseFiles, Seal lets go of every file's
// content, and the bundle still opens to the same files.
func TestSealReleaseFiles(t *testing.T) {
	b := sampleBundle()
	want := sampleFiles()
	sortFiles(want)
	opts := testOpts
	opts.ReleaseFiles = true
	ct, _, err := Seal(b, []byte(testPass), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range b.Files {
		if f.Data != nil {
			t.Errorf("%q still holds its content", f.Path)
		}
	}
	got, _, err := Open(bytes.NewReader(ct), []byte(testPass), ReadOptions{Size: int64(len(ct))})
	if err != nil {
		t.Fatal(err)
	}
	sameFiles(t, got.Files, want)
}
