package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"errors"
	"hash"
	"io"
)

// mdcTrailerLen is the length of the MDC packet that ends the plaintext of
// a SEIPDv1 packet: its header (0xD3 0x14) and a SHA-1 digest.
const mdcTrailerLen = 2 + sha1.Size

// seipdChunk is how much ciphertext seipdReader decrypts at a time.
const seipdChunk = 64 << 10

// errMDC is what seipdReader returns at the end of a message whose MDC
// does not match.
var errMDC = errors.New("modification detection code (MDC) mismatch")

// seipdReader decrypts the contents of a SEIPDv1 packet (RFC 4880 section
// 5.13): AES-256 in plain CFB mode with an all-zero IV over the random
// prefix, the plaintext and the MDC packet, with no resynchronisation. It
// is what go-crypto's SymmetricallyEncrypted.Decrypt does, with
// crypto/cipher's CFB (a block at a time) instead of go-crypto's OCFB,
// which XORs a byte at a time.
//
// Read returns the plaintext after the prefix and before the MDC packet,
// withholding the last mdcTrailerLen decrypted bytes until the ciphertext
// ends; io.EOF comes only once the MDC matched, errMDC otherwise. Like any
// CFB stream the bytes Read returns are not yet authenticated: callers
// must not act on them before Read returned io.EOF.
type seipdReader struct {
	r      io.Reader
	stream cipher.Stream
	mdc    hash.Hash
	buf    []byte // buf[start:end] is decrypted and not yet returned
	start  int
	end    int
	eof    bool // r is exhausted
	err    error
}

// newSEIPDReader returns a seipdReader of the ciphertext r under key (an
// AES-256 key), having read the prefix, which it returns (encrypted).
// sizeHint, when above 0, is the message's size: a smaller one gets a
// smaller buffer.
func newSEIPDReader(r io.Reader, key []byte, sizeHint int64) (*seipdReader, []byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, err
	}
	var iv [aes.BlockSize]byte
	//lint:ignore SA1019 OpenPGP's SEIPDv1 is CFB by definition; the MDC authenticates it.
	s := &seipdReader{r: r, stream: cipher.NewCFBDecrypter(block, iv[:]), mdc: sha1.New()}
	prefix := make([]byte, seipdPrefixLen)
	if _, err := io.ReadFull(r, prefix); err != nil {
		return nil, nil, err
	}
	plainPrefix := make([]byte, seipdPrefixLen)
	s.stream.XORKeyStream(plainPrefix, prefix)
	s.mdc.Write(plainPrefix)
	chunk := int64(seipdChunk)
	if sizeHint > 0 {
		chunk = min(chunk, sizeHint+aes.BlockSize)
	}
	s.buf = make([]byte, chunk+mdcTrailerLen)
	return s, prefix, nil
}

func (s *seipdReader) Read(p []byte) (int, error) {
	for {
		if s.err != nil {
			return 0, s.err
		}
		if avail := s.end - s.start - mdcTrailerLen; avail > 0 {
			n := copy(p, s.buf[s.start:s.start+avail])
			s.mdc.Write(p[:n])
			s.start += n
			return n, nil
		}
		if s.eof {
			s.err = s.finish()
			return 0, s.err
		}
		s.fill()
	}
}

// fill moves the withheld bytes to the front of buf and decrypts more
// ciphertext after them.
func (s *seipdReader) fill() {
	s.end = copy(s.buf, s.buf[s.start:s.end])
	s.start = 0
	n, err := io.ReadAtLeast(s.r, s.buf[s.end:], 1)
	s.stream.XORKeyStream(s.buf[s.end:s.end+n], s.buf[s.end:s.end+n])
	s.end += n
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		s.eof = true
	case err != nil:
		s.err = err
	}
}

// finish checks the withheld MDC packet against the digest of the prefix
// and plaintext.
func (s *seipdReader) finish() error {
	trailer := s.buf[s.start:s.end]
	if len(trailer) != mdcTrailerLen || trailer[0] != 0xD3 || trailer[1] != 0x14 {
		return errMDC
	}
	s.mdc.Write(trailer[:2])
	if subtle.ConstantTimeCompare(s.mdc.Sum(nil), trailer[2:]) != 1 {
		return errMDC
	}
	return io.EOF
}
