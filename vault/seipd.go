package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"hash"
	"io"
	"sync"
)

// mdcTrailerLen is the length of the MDC packet that ends the plaintext of
// a SEIPDv1 packet: its header (0xD3 0x14) and a SHA-1 digest.
const mdcTrailerLen = 2 + sha1.Size

// aesRoundKeysLen is the size of AES-256's 15 round keys.
const aesRoundKeysLen = 15 * 16

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
// The MDC's SHA-1 covers every decrypted byte but the last 20 (the digest
// itself). From parallelHashMin on it is taken on another goroutine as the
// ciphertext is decrypted: seipdReader then fills two buffers in turn, and
// a buffer is filled again only once the hashing of what it held is done.
//
// Read returns the plaintext after the prefix and before the MDC packet,
// withholding the last mdcTrailerLen decrypted bytes until the ciphertext
// ends; io.EOF comes only once the MDC matched, errMDC otherwise. Like any
// CFB stream the bytes Read returns are not yet authenticated: callers
// must not act on them before Read returned io.EOF. stop must be called
// when the reader is let go of before that.
type seipdReader struct {
	r     io.Reader
	block cipher.Block
	xk    *[aesRoundKeysLen]byte // the round keys for cfbDecryptBlocks; nil: none
	iv    [aes.BlockSize]byte    // the last ciphertext block decrypted
	mdc   hash.Hash              // hashed inline when side is nil
	side  *sideMDC
	// buf (one of bufs) holds buf[start:dend] decrypted and not yet
	// returned, and buf[dend:end] ciphertext short of a whole block,
	// kept until more arrives. buf[hashed:dend] is decrypted and not yet
	// given to the MDC's hash.
	bufs   [2][]byte
	cur    int
	buf    []byte
	start  int
	dend   int
	end    int
	hashed int
	eof    bool // r is exhausted
	err    error
}

// newSEIPDReader returns a seipdReader of the ciphertext r under key (an
// AES-256 key), having read the prefix, which it returns (encrypted).
// sizeHint, when above 0, is the message's size: a smaller one gets a
// smaller buffer, and from parallelHashMin the MDC is hashed on another
// goroutine.
func newSEIPDReader(r io.Reader, key []byte, sizeHint int64) (*seipdReader, []byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, err
	}
	chunk := int64(seipdChunk)
	if sizeHint > 0 {
		chunk = min(chunk, sizeHint+aes.BlockSize)
	}
	size := max(chunk, seipdPrefixLen) + mdcTrailerLen + aes.BlockSize
	s := &seipdReader{r: r, block: block, xk: newBlockCFB(key), mdc: sha1.New()}
	s.bufs[0] = make([]byte, size)
	s.bufs[1] = s.bufs[0] // one buffer, compacted in place
	if sizeHint >= parallelHashMin {
		s.bufs[1] = make([]byte, size)
		s.side = newSideMDC(s.mdc)
	}
	s.buf = s.bufs[0]
	if _, err := io.ReadFull(r, s.buf[:seipdPrefixLen]); err != nil {
		s.stop()
		return nil, nil, err
	}
	prefix := make([]byte, seipdPrefixLen)
	copy(prefix, s.buf)
	s.end = seipdPrefixLen
	s.decrypt()
	s.start = seipdPrefixLen // the prefix is hashed, not returned
	return s, prefix, nil
}

func (s *seipdReader) Read(p []byte) (int, error) {
	for {
		if s.err != nil {
			return 0, s.err
		}
		if avail := s.dend - s.start - mdcTrailerLen; avail > 0 {
			n := copy(p, s.buf[s.start:s.start+avail])
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

// fill moves what is left (and not yet hashed) to the front of the other
// buffer, once its hashing is done, reads more ciphertext after it and
// decrypts the whole blocks (all of it at the end).
func (s *seipdReader) fill() {
	next := 1 - s.cur
	s.side.wait(next)
	keep := min(s.start, s.hashed)
	copy(s.bufs[next], s.buf[keep:s.end])
	s.cur, s.buf = next, s.bufs[next]
	s.start -= keep
	s.hashed -= keep
	s.dend -= keep
	s.end -= keep
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
// is exhausted (CFB's last block may be short), and gives the MDC's hash
// what is decrypted but the last sha1.Size bytes, which may be the digest.
func (s *seipdReader) decrypt() {
	p := s.buf[s.dend:s.end]
	if !s.eof {
		p = p[:len(p)&^(aes.BlockSize-1)]
	}
	s.dend += len(p)
	if len(p) < parallelCFBMin {
		cfbDecrypt(s.block, s.xk, &s.iv, p)
	} else {
		mid := len(p) / 2 &^ (aes.BlockSize - 1)
		var iv2 [aes.BlockSize]byte
		copy(iv2[:], p[mid-aes.BlockSize:mid])
		var wg sync.WaitGroup
		wg.Go(func() { cfbDecrypt(s.block, s.xk, &iv2, p[mid:]) })
		cfbDecrypt(s.block, s.xk, &s.iv, p[:mid])
		wg.Wait()
		s.iv = iv2
	}
	if upto := s.dend - sha1.Size; upto > s.hashed {
		if s.side != nil {
			s.side.hash(s.cur, s.buf[s.hashed:upto])
		} else {
			s.mdc.Write(s.buf[s.hashed:upto])
		}
		s.hashed = upto
	}
}

// cfbDecrypt decrypts p in place in CFB mode under b, iv being the
// ciphertext block before p (the IV at the start); iv is left as p's last
// whole ciphertext block. Only p's last block may be short. With xk (b's
// round keys) the whole blocks go through cfbDecryptBlocks.
func cfbDecrypt(b cipher.Block, xk *[aesRoundKeysLen]byte, iv *[aes.BlockSize]byte, p []byte) {
	if xk != nil {
		p = p[cfbDecryptBlocks(xk, iv, p):]
	}
	var ks [aes.BlockSize]byte
	le := binary.LittleEndian
	for len(p) >= aes.BlockSize {
		b.Encrypt(ks[:], iv[:])
		c := (*[aes.BlockSize]byte)(p)
		*iv = *c
		// Two words rather than subtle.XORBytes: a call per block costs
		// as much as the XOR.
		le.PutUint64(c[:8], le.Uint64(c[:8])^le.Uint64(ks[:8]))
		le.PutUint64(c[8:], le.Uint64(c[8:])^le.Uint64(ks[8:]))
		p = p[aes.BlockSize:]
	}
	if len(p) > 0 {
		b.Encrypt(ks[:], iv[:])
		subtle.XORBytes(p, p, ks[:len(p)])
	}
}

// finish checks the withheld MDC packet against the digest of the prefix
// and plaintext (everything decrypted before the digest).
func (s *seipdReader) finish() error {
	s.stop()
	trailer := s.buf[s.start:s.end]
	// Read returned all but the last mdcTrailerLen bytes after the
	// prefix: fewer are left when the message was too short for them.
	if len(trailer) != mdcTrailerLen || trailer[0] != 0xD3 || trailer[1] != 0x14 || s.hashed != s.end-sha1.Size {
		return errMDC
	}
	if subtle.ConstantTimeCompare(s.mdc.Sum(nil), trailer[2:]) != 1 {
		return errMDC
	}
	return io.EOF
}

// stop ends the MDC's hashing goroutine, once it hashed what it was given.
func (s *seipdReader) stop() { s.side.stop() }

// sideMDC writes to a hash, on a goroutine of its own, the parts of
// seipdReader's two buffers it is given, and tells when a buffer is free
// again. Its methods do nothing on a nil *sideMDC (hashing inline).
type sideMDC struct {
	jobs    chan mdcJob
	freed   chan int // the buffer of each part hashed
	pending [2]int   // parts given and not yet hashed, by buffer
	done    chan struct{}
	stopped bool
}

type mdcJob struct {
	buf  int
	part []byte
}

func newSideMDC(h hash.Hash) *sideMDC {
	m := &sideMDC{jobs: make(chan mdcJob, 4), freed: make(chan int, 8), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		for j := range m.jobs {
			h.Write(j.part)
			m.freed <- j.buf
		}
	}()
	return m
}

// hash hands part, which lies in buffer buf, to the goroutine.
func (m *sideMDC) hash(buf int, part []byte) {
	m.pending[buf]++
	m.jobs <- mdcJob{buf, part}
}

// wait returns once every part of buffer buf is hashed.
func (m *sideMDC) wait(buf int) {
	if m == nil {
		return
	}
	for m.pending[buf] > 0 {
		m.pending[<-m.freed]--
	}
}

// stop waits for everything given to be hashed and ends the goroutine.
func (m *sideMDC) stop() {
	if m == nil || m.stopped {
		return
	}
	m.stopped = true
	close(m.jobs)
	<-m.done
}
