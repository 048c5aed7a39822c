package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"io"
	"math"
)

// seipdOutChunk is the most ciphertext seipdWriter hands its writer at once.
const seipdOutChunk = 128 << 10

// literalHeaderLen is the length of the body of a literal data packet
// before its data: format 'b', an empty file name, time 0.
const literalHeaderLen = 6

// errPayloadSize is a seipdWriter written more or fewer bytes than it was
// made for.
var errPayloadSize = errors.New("the payload's length differs from the one declared")

// seipdWriter writes a SEIPDv1 packet (RFC 4880 section 5.13) holding one
// binary literal data packet (section 5.9) with no file name and time 0,
// whose data is what is written to it: exactly the n bytes it was made
// for. Both packets have definite lengths, known before the first byte
// (seipdSize). The packet's contents, the random prefix (16 random bytes
// and the last two again), the literal data packet and the MDC packet
// (0xD3 0x14 and the SHA-1 of the prefix, the literal packet and those two
// bytes) are encrypted with AES-256 in plain CFB mode with an all-zero IV,
// with no resynchronisation: the stream go-crypto's
// SerializeSymmetricallyEncrypted and SerializeLiteral write (which frame
// the packets with partial lengths), encrypted a block at a time rather
// than a byte at a time, the MDC's SHA-1 taken on another goroutine for a
// large payload.
type seipdWriter struct {
	w     io.Writer
	block cipher.Block
	cfb   cfbEncrypter
	mdc   *SideHash
	out   []byte // ciphertext not yet written to w
	left  int64  // literal data still to come
	err   error
}

// seipdSize is the length of the SEIPD packet, header included, that a
// seipdWriter writes for n bytes of literal data, and false when n is too
// large for a definite length (over about 4 GiB).
func seipdSize(n int64) (int64, bool) {
	body, ok := seipdBodyLen(n)
	return 1 + lengthLen(body) + body, ok
}

// seipdBodyLen is the length of the body of that SEIPD packet.
func seipdBodyLen(n int64) (int64, bool) {
	literal := literalHeaderLen + n
	body := 1 + seipdPrefixLen + 1 + lengthLen(literal) + literal + mdcTrailerLen
	if n < 0 || body > math.MaxUint32 {
		return 0, false
	}
	return body, true
}

// lengthLen is the length of the new-format packet length (RFC 4880
// section 4.2.2) of a packet of n bytes, at most 2^32 - 1.
func lengthLen(n int64) int64 {
	switch {
	case n < 192:
		return 1
	case n < 8384:
		return 2
	default:
		return 5
	}
}

// appendLength appends the new-format packet length of n to b, n being at
// most 2^32 - 1.
func appendLength(b []byte, n int64) []byte {
	switch {
	case n < 192:
		return append(b, byte(n))
	case n < 8384:
		n -= 192
		return append(b, byte(n>>8)+192, byte(n))
	default:
		return binary.BigEndian.AppendUint32(append(b, 255), uint32(n))
	}
}

// newSEIPDWriter writes to w the SEIPD packet's header and version and
// returns a seipdWriter of n bytes of literal data under key, an AES-256
// session key, drawing the random prefix from rnd. Close writes the MDC;
// Stop must be called when Close is not.
func newSEIPDWriter(w io.Writer, key []byte, n int64, rnd io.Reader) (*seipdWriter, error) {
	body, ok := seipdBodyLen(n)
	if !ok {
		return nil, &SizeError{What: "the payload", Size: n, Limit: math.MaxUint32 - 64}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	var prefix [seipdPrefixLen]byte
	if _, err := io.ReadFull(rnd, prefix[:aes.BlockSize]); err != nil {
		return nil, err
	}
	prefix[aes.BlockSize], prefix[aes.BlockSize+1] = prefix[aes.BlockSize-2], prefix[aes.BlockSize-1]
	s := &seipdWriter{w: w, block: block, cfb: cfbEncrypter{b: block}, left: n,
		out: make([]byte, 0, min(body+6, seipdOutChunk)), mdc: NewSideHash(sha1.New(), n)}
	literal := literalHeaderLen + n
	hdr := appendLength([]byte{0xC0 | tagSEIPD}, body)
	s.out = append(append(s.out, hdr...), seipdVersion)
	s.encrypt(prefix[:])
	lit := appendLength([]byte{literalNewTag}, literal)
	s.encrypt(append(lit, 'b', 0, 0, 0, 0, 0))
	return s, nil
}

// encrypt hashes p into the MDC and encrypts it.
func (s *seipdWriter) encrypt(p []byte) {
	s.mdc.Write(p)
	s.put(p)
}

// put appends the encryption of p to s.out, writing s.out to w whenever
// it is full.
func (s *seipdWriter) put(p []byte) {
	for len(p) > 0 && s.err == nil {
		if len(s.out) == cap(s.out) {
			s.flush()
			continue
		}
		k := min(len(p), cap(s.out)-len(s.out))
		end := len(s.out) + k
		s.cfb.xor(s.out[len(s.out):end], p[:k])
		s.out, p = s.out[:end], p[k:]
	}
}

// flush writes s.out to w.
func (s *seipdWriter) flush() {
	if s.err == nil && len(s.out) > 0 {
		_, s.err = s.w.Write(s.out)
	}
	s.out = s.out[:0]
}

// Write encrypts p as literal data.
func (s *seipdWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if int64(len(p)) > s.left {
		s.err = errPayloadSize
		return 0, s.err
	}
	s.left -= int64(len(p))
	s.encrypt(p)
	if s.err != nil {
		return 0, s.err
	}
	return len(p), nil
}

// Close writes the MDC packet, once all n bytes of literal data were
// written, and what is left of the ciphertext. It must be called once.
func (s *seipdWriter) Close() error {
	if s.err == nil && s.left != 0 {
		s.err = errPayloadSize
	}
	if s.err != nil {
		s.Stop()
		return s.err
	}
	trailer := [mdcTrailerLen]byte{0xD3, sha1.Size}
	s.mdc.Write(trailer[:2])
	copy(trailer[2:], s.mdc.Digest())
	s.put(trailer[:])
	s.flush()
	return s.err
}

// Stop ends the MDC's hashing goroutine; the packet is then unfinished.
func (s *seipdWriter) Stop() { s.mdc.Stop() }

// cfbEncrypter encrypts in CFB mode with no resynchronisation (plain CFB
// over a stream of any length, cut anywhere), starting from an all-zero IV.
type cfbEncrypter struct {
	b cipher.Block
	// iv is the last ciphertext block; while pos > 0 its first pos bytes
	// are already those of the block in progress, whose key stream is ks.
	iv  [aes.BlockSize]byte
	ks  [aes.BlockSize]byte
	pos int
}

// xor sets dst to the encryption of src, of the same length; they must
// not overlap.
func (c *cfbEncrypter) xor(dst, src []byte) {
	if c.pos > 0 {
		k := min(len(src), aes.BlockSize-c.pos)
		for i := range k {
			dst[i] = src[i] ^ c.ks[c.pos+i]
		}
		copy(c.iv[c.pos:], dst[:k])
		c.pos = (c.pos + k) % aes.BlockSize
		dst, src = dst[k:], src[k:]
		if len(src) == 0 {
			return
		}
	}
	// Whole blocks: each one's key stream is encrypted straight into its
	// place in dst, from the ciphertext block before it.
	prev := c.iv[:]
	for len(src) >= aes.BlockSize {
		d, s := dst[:aes.BlockSize:aes.BlockSize], src[:aes.BlockSize:aes.BlockSize]
		c.b.Encrypt(d, prev)
		binary.LittleEndian.PutUint64(d[:8], binary.LittleEndian.Uint64(d[:8])^binary.LittleEndian.Uint64(s[:8]))
		binary.LittleEndian.PutUint64(d[8:], binary.LittleEndian.Uint64(d[8:])^binary.LittleEndian.Uint64(s[8:]))
		prev = d
		dst, src = dst[aes.BlockSize:], src[aes.BlockSize:]
	}
	copy(c.iv[:], prev)
	if len(src) > 0 {
		c.b.Encrypt(c.ks[:], c.iv[:])
		for i := range src {
			dst[i] = src[i] ^ c.ks[i]
		}
		copy(c.iv[:], dst)
		c.pos = len(src)
	}
}
