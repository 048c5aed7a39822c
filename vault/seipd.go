package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"errors"
	"hash"
	"io"
	"sync"
)

// mdcTrailerLen is the length of the MDC packet that ends the plaintext of
// a SEIPDv1 packet: its header (0xD3 0x14) and a SHA-1 digest.
const mdcTrailerLen = 2 + sha1.Size

// seipdChunk is how much ciphertext seipdReader decrypts at a time.
const seipdChunk = 128 << 10

// parallelCFBMin is the run of whole blocks from which seipdReader
// decrypts two halves side by side.
const parallelCFBMin = 32 << 10

// errMDC is what seipdReader returns at the end of a message whose MDC
// does not match.
var errMDC = errors.New("modification detection code (MDC) mismatch")

// seipdReader decrypts the contents of a SEIPDv1 packet (RFC 4880 section
// 5.13): AES-256 in plain CFB mode with an all-zero IV over the random
// prefix, the plaintext and the MDC packet, with no resynchronisation. It
// is what go-crypto's SymmetricallyEncrypted.Decrypt does, a block at a
// time (go-crypto's OCFB XORs a byte at a time), and, since CFB decryption
// of a block needs only the ciphertext block before it, two halves of a
// long run of blocks side by side.
//
// Read returns the plaintext after the prefix and before the MDC packet,
// withholding the last mdcTrailerLen decrypted bytes until the ciphertext
// ends; io.EOF comes only once the MDC matched, errMDC otherwise. Like any
// CFB stream the bytes Read returns are not yet authenticated: callers
// must not act on them before Read returned io.EOF.
type seipdReader struct {
	r     io.Reader
	block cipher.Block
	iv    [aes.BlockSize]byte // the last ciphertext block decrypted
	mdc   hash.Hash
	// buf[start:dend] is decrypted and not yet returned; buf[dend:end] is
	// ciphertext short of a whole block, kept until more arrives.
	buf        []byte
	start      int
	dend       int
	end        int
	prefixLeft int  // bytes of the random prefix still to hash and drop
	eof        bool // r is exhausted
	err        error
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
	chunk := int64(seipdChunk)
	if sizeHint > 0 {
		chunk = min(chunk, sizeHint+aes.BlockSize)
	}
	s := &seipdReader{r: r, block: block, mdc: sha1.New(), prefixLeft: seipdPrefixLen,
		buf: make([]byte, max(chunk, seipdPrefixLen)+mdcTrailerLen+aes.BlockSize)}
	if _, err := io.ReadFull(r, s.buf[:seipdPrefixLen]); err != nil {
		return nil, nil, err
	}
	prefix := make([]byte, seipdPrefixLen)
	copy(prefix, s.buf)
	s.end = seipdPrefixLen
	s.decrypt()
	return s, prefix, nil
}

func (s *seipdReader) Read(p []byte) (int, error) {
	for {
		if s.err != nil {
			return 0, s.err
		}
		if s.prefixLeft > 0 && s.dend-s.start >= s.prefixLeft {
			s.mdc.Write(s.buf[s.start : s.start+s.prefixLeft])
			s.start += s.prefixLeft
			s.prefixLeft = 0
		}
		if avail := s.dend - s.start - mdcTrailerLen; s.prefixLeft == 0 && avail > 0 {
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

// fill moves what is left to the front of buf, reads more ciphertext
// after it and decrypts the whole blocks (all of it at the end).
func (s *seipdReader) fill() {
	copy(s.buf, s.buf[s.start:s.end])
	s.dend -= s.start
	s.end -= s.start
	s.start = 0
	// Reading a good run of blocks at once lets decrypt split it.
	free := s.buf[s.end:]
	n, err := io.ReadAtLeast(s.r, free, min(len(free), seipdChunk/2))
	s.end += n
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		s.eof = true
	case err != nil:
		s.err = err
	}
	s.decrypt()
}

// decrypt decrypts the whole blocks of buf[dend:end], or all of it once r
// is exhausted (CFB's last block may be short).
func (s *seipdReader) decrypt() {
	p := s.buf[s.dend:s.end]
	if !s.eof {
		p = p[:len(p)&^(aes.BlockSize-1)]
	}
	s.dend += len(p)
	if len(p) < parallelCFBMin {
		cfbDecrypt(s.block, &s.iv, p)
		return
	}
	mid := len(p) / 2 &^ (aes.BlockSize - 1)
	var iv2 [aes.BlockSize]byte
	copy(iv2[:], p[mid-aes.BlockSize:mid])
	var wg sync.WaitGroup
	wg.Go(func() { cfbDecrypt(s.block, &iv2, p[mid:]) })
	cfbDecrypt(s.block, &s.iv, p[:mid])
	wg.Wait()
	s.iv = iv2
}

// cfbDecrypt decrypts p in place in CFB mode under b, iv being the
// ciphertext block before p (the IV at the start); iv is left as p's last
// whole ciphertext block. Only p's last block may be short.
func cfbDecrypt(b cipher.Block, iv *[aes.BlockSize]byte, p []byte) {
	var ks [aes.BlockSize]byte
	for len(p) >= aes.BlockSize {
		b.Encrypt(ks[:], iv[:])
		copy(iv[:], p[:aes.BlockSize])
		subtle.XORBytes(p[:aes.BlockSize], p[:aes.BlockSize], ks[:])
		p = p[aes.BlockSize:]
	}
	if len(p) > 0 {
		b.Encrypt(ks[:], iv[:])
		subtle.XORBytes(p, p, ks[:len(p)])
	}
}

// finish checks the withheld MDC packet against the digest of the prefix
// and plaintext.
func (s *seipdReader) finish() error {
	trailer := s.buf[s.start:s.end]
	if s.prefixLeft > 0 || len(trailer) != mdcTrailerLen || trailer[0] != 0xD3 || trailer[1] != 0x14 {
		return errMDC
	}
	s.mdc.Write(trailer[:2])
	if subtle.ConstantTimeCompare(s.mdc.Sum(nil), trailer[2:]) != 1 {
		return errMDC
	}
	return io.EOF
}
