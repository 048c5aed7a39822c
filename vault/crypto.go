package vault

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ProtonMail/go-crypto/openpgp/s2k"
)

// SealOptions says how to encrypt a payload.
type SealOptions struct {
	// HighEntropy is true for a passphrase vsync generated (IsGenerated):
	// salted S2K is used, since stretching cannot strengthen 128+ random bits.
	// Otherwise iterated+salted S2K with S2KCount is used.
	HighEntropy bool
	// S2KCount for iterated S2K; 0 means DefaultS2KCount. OpenPGP can
	// only encode some counts between 65,536 and 65,011,712: others are
	// rounded up to the next one it can.
	S2KCount int
	// MaxSize is the maximum bundle size Seal writes (and Rewrap reads);
	// 0 means DefaultMaxBundleSize.
	MaxSize int64
	// ReleaseFiles makes Seal set the Data of each of the bundle's Files
	// to nil once it is encrypted, so that a caller holding nothing else
	// of them needs memory for about one bundle, not two: the ciphertext
	// grows as the files are let go. The files' content is gone after
	// Seal, whether it succeeded or not.
	ReleaseFiles bool
	// ManifestFresh says the caller made the bundle's manifest with
	// NewManifest from its files and has not changed them since: Seal
	// then checks the manifest and the files' paths, modes and sizes
	// against it, but does not hash the files a second time.
	ManifestFresh bool
	// Salt, when not nil, is the S2K salt (SaltLen bytes) of the
	// passphrase packet of a chosen passphrase (not HighEntropy), instead
	// of a random one: one salt for every object a clone seals, so that
	// reading the history derives the key once (KeyCache; see
	// docs/format.md). Each object still gets its own random session key.
	Salt []byte
	// Keys, when not nil, caches the S2K's result for Seal and Rewrap.
	Keys *KeyCache
	// Sized, when not nil, is told the exact length of the ciphertext
	// SealTo is about to write, before its first byte (a streaming upload
	// can announce it).
	Sized func(ciphertext int64)
}

// OpenPGP constants of the bundle format (RFC 4880).
const (
	tagSKESK         = 3    // Symmetric-Key Encrypted Session Key packet
	skeskVersion     = 4    // SKESK v4
	cipherAES256     = 9    // symmetric algorithm AES-256
	s2kSalted        = 1    // S2K specifier: salted
	s2kIterated      = 3    // S2K specifier: iterated and salted
	hashSHA256       = 8    // hash algorithm SHA-256
	tagSEIPD         = 18   // Sym. Encrypted Integrity Protected Data packet
	seipdVersion     = 1    // SEIPDv1 (MDC)
	seipdPrefixLen   = 18   // SEIPDv1 random prefix: block size + 2
	literalNewTag    = 0xCB // new-format header byte of a literal data packet
	literalOldTagMin = 0xAC // old-format literal data header bytes: 0xAC..0xAF
)

func pgpConfig(opts SealOptions) *packet.Config {
	sc := &s2k.Config{
		S2KMode:  s2k.IteratedSaltedS2K,
		Hash:     crypto.SHA256,
		S2KCount: opts.S2KCount,
	}
	if sc.S2KCount == 0 {
		sc.S2KCount = DefaultS2KCount
	}
	if opts.HighEntropy {
		sc.S2KMode = s2k.SaltedS2K
		sc.PassphraseIsHighEntropy = true
	}
	return &packet.Config{
		DefaultCipher:          packet.CipherAES256,
		DefaultHash:            crypto.SHA256,
		DefaultCompressionAlgo: packet.CompressionNone,
		S2KConfig:              sc,
		// AEADConfig nil: SEIPDv1 with MDC, which gpg 2.2 reads.
	}
}

// Encrypt writes payload as an OpenPGP message to w under passphrase.
//
// The message is one SKESK v4 packet (AES-256, SHA-256 S2K: salted when
// opts.HighEntropy, else iterated) and one SEIPDv1 packet (MDC) holding a
// binary literal data packet with no file name and time 0, uncompressed,
// both with definite lengths.
func Encrypt(w io.Writer, payload []byte, passphrase []byte, opts SealOptions) error {
	return encryptWith(w, rand.Reader, passphrase, opts, int64(len(payload)), nil, func(pw io.Writer) error {
		_, err := pw.Write(payload)
		return err
	})
}

// encryptWith is Encrypt of the n-byte payload that write writes to its
// writer, the session key, the S2K salt (unless opts.Salt) and the SEIPD
// prefix drawn from rnd, in that order, as go-crypto's SymmetricallyEncrypt
// draws them from its Config.Rand. sized, when not nil, is told the
// message's length before anything is written, and may refuse it.
func encryptWith(w io.Writer, rnd io.Reader, passphrase []byte, opts SealOptions, n int64, sized func(int64) error, write func(io.Writer) error) error {
	skesk, key, err := passphrasePacket(rnd, passphrase, opts)
	if err != nil {
		return fmt.Errorf("encrypting the bundle: %w", err)
	}
	size, ok := seipdSize(n)
	if sized != nil && ok {
		if err := sized(int64(len(skesk)) + size); err != nil {
			return err
		}
	}
	if _, err := w.Write(skesk); err != nil {
		return fmt.Errorf("encrypting the bundle: %w", err)
	}
	sw, err := newSEIPDWriter(w, key, n, rnd)
	if err != nil {
		return fmt.Errorf("encrypting the bundle: %w", err)
	}
	if err := write(sw); err != nil {
		sw.Stop()
		return fmt.Errorf("encrypting the bundle: %w", err)
	}
	if err := sw.Close(); err != nil {
		return fmt.Errorf("encrypting the bundle: %w", err)
	}
	return nil
}

// passphrasePacket returns a bundle-format passphrase packet (see
// Encrypt) under passphrase and the new session key it wraps, drawn from
// rnd, as is the S2K salt unless opts.Salt gives it.
func passphrasePacket(rnd io.Reader, passphrase []byte, opts SealOptions) (skesk, key []byte, err error) {
	var buf bytes.Buffer
	if opts.Salt != nil && !opts.HighEntropy {
		key = make([]byte, 32)
		if _, err := io.ReadFull(rnd, key); err != nil {
			return nil, nil, err
		}
		err = writeSKESK(&buf, key, passphrase, opts)
	} else {
		cfg := pgpConfig(opts)
		cfg.Rand = rnd
		key, err = packet.SerializeSymmetricKeyEncrypted(&buf, passphrase, cfg)
	}
	if err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), key, nil
}

// integrityError wraps ErrIntegrity with a reason that holds no content.
func integrityError(reason string) error {
	return fmt.Errorf("%w: %s", ErrIntegrity, reason)
}

// Decrypt reads the whole OpenPGP message from r and returns the payload,
// only after the MDC was checked at EOF. Errors wrap ErrWrongPassphrase,
// ErrIntegrity or ErrTooLarge (a *SizeError).
//
// Memory is bounded by the bytes actually read, never by what a length
// field claims: no more than o's maximum bundle size is read from r, a
// known o.Size over it is refused before reading, every length field of the
// passphrase and literal data packets is checked against it (and against
// o.Size) before the bytes it covers are read, and the payload is read into
// one buffer allocated from o.Size (or the literal packet's checked
// length).
//
// Only the bundle format is accepted: one SKESK v4 packet for AES-256 with
// a salted or iterated SHA-256 S2K, then one SEIPDv1 packet holding one
// uncompressed literal data packet, then nothing. A wrong passphrase is
// recognised when the session key does not decrypt to an AES-256 key (255
// times in 256), or, when that check passes by chance, by the RFC 4880
// quick-check bytes of the SEIPD prefix; those bytes are looked at only
// after the MDC already failed, so they never make a message acceptable.
// A damaged passphrase packet (salt, count, encrypted session key) cannot be
// told from a wrong passphrase and is reported as one.
func Decrypt(r io.Reader, passphrase []byte, o ReadOptions) ([]byte, error) {
	return decrypt(r, passphrase, o, nil)
}

// decrypt is Decrypt publishing the payload to feed (may be nil) as it
// is read into its buffer. It does not close feed.
func decrypt(r io.Reader, passphrase []byte, o ReadOptions, feed *payloadFeed) ([]byte, error) {
	limit := o.limit()
	if o.Size > limit {
		return nil, &SizeError{What: "the bundle", Size: o.Size, Limit: limit}
	}
	cr := &cappedReader{r: r, left: limit}
	br := bufio.NewReaderSize(cr, int(min(max(o.Size, 4<<10), 64<<10)))
	key, err := unlockSKESK(br, passphrase, o.Keys)
	var payload []byte
	if err == nil {
		payload, err = decryptData(br, key, o, feed)
	}
	if err != nil && cr.over {
		return nil, &SizeError{What: "the bundle", Size: -1, Limit: limit}
	}
	return payload, err
}

// maxSKESK bounds the passphrase packet: a bundle's is under 100 bytes, and
// go-crypto reads the whole packet its length field claims into memory.
const maxSKESK = 512

// unlockSKESK reads the message's first packet from r, which must be the
// bundle format's passphrase packet (SKESK v4, AES-256, salted or iterated
// SHA-256 S2K), and returns the AES-256 session key it holds under
// passphrase. It reads nothing past that packet. Errors wrap ErrIntegrity,
// or ErrWrongPassphrase when the key does not decrypt to an AES-256 key.
func unlockSKESK(r io.Reader, passphrase []byte, keys *KeyCache) ([]byte, error) {
	op, err := packet.NewOpaqueReader(io.LimitReader(r, maxSKESK)).Next()
	if err != nil {
		return nil, integrityError("cannot read the passphrase packet")
	}
	c := op.Contents
	if op.Tag != tagSKESK || len(c) < 4 || c[0] != skeskVersion || c[1] != cipherAES256 ||
		(c[2] != s2kSalted && c[2] != s2kIterated) || c[3] != hashSHA256 {
		return nil, integrityError("first packet is not an AES-256, SHA-256 passphrase packet (SKESK v4)")
	}
	p, err := op.Parse()
	if err != nil {
		return nil, integrityError("malformed passphrase packet")
	}
	if _, ok := p.(*packet.SymmetricKeyEncrypted); !ok {
		return nil, integrityError("malformed passphrase packet")
	}
	key, err := unwrapSessionKey(c, passphrase, keys)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("decrypting the bundle: %w", ErrWrongPassphrase)
	}
	return key, nil
}

// decryptData reads the rest of the message from br, which must be one
// SEIPDv1 packet and nothing after it, decrypts it with the session key
// and returns the payload once the MDC matched. A key that fails the MDC
// and the quick check is reported as ErrWrongPassphrase.
func decryptData(br *bufio.Reader, key []byte, o ReadOptions, feed *payloadFeed) ([]byte, error) {
	p, err := packet.Read(br)
	if err != nil {
		return nil, integrityError("cannot read the encrypted data packet")
	}
	se, ok := p.(*packet.SymmetricallyEncrypted)
	if !ok || !se.IntegrityProtected || se.Version != 1 {
		return nil, integrityError("second packet is not integrity-protected data (SEIPDv1)")
	}
	rc, prefix, err := newSEIPDReader(wholeReader{se.Contents}, key, o.Size)
	if err != nil {
		return nil, integrityError("truncated encrypted data")
	}
	payload, err := decryptSEIPD(rc, o, feed)
	rc.stop()
	if err != nil {
		if !quickCheck(key, prefix) {
			return nil, fmt.Errorf("decrypting the bundle: %w", ErrWrongPassphrase)
		}
		return nil, err
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, integrityError("data after the encrypted data packet")
	}
	return payload, nil
}

// errShortPacket is a packet that ended before its length said.
var errShortPacket = errors.New("packet shorter than its length")

// wholeReader reads the contents of a packet from r, go-crypto's reader of
// them, and reports a packet that ends before its definite length as
// errShortPacket rather than r's io.ErrUnexpectedEOF, which a reader of a
// stream (io.ReadAtLeast) also returns at its normal end: an overstated
// length is refused, not taken for the end of the data.
type wholeReader struct{ r io.Reader }

func (w wholeReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if err == io.ErrUnexpectedEOF {
		err = errShortPacket
	}
	return n, err
}

// decryptSEIPD reads the one literal data packet of the decrypted SEIPD
// contents rc to EOF, which checks the MDC. Nothing is returned unless the
// MDC matched. The payload is published to feed (may be nil) as it is read.
func decryptSEIPD(rc *seipdReader, o ReadOptions, feed *payloadFeed) ([]byte, error) {
	// A refused length is returned at once: reading on to check the MDC
	// would read the very bytes it claims.
	var tag [1]byte
	if _, err := io.ReadFull(rc, tag[:]); err != nil {
		return nil, integrityError("truncated encrypted data")
	}
	body, size, err := literalBody(rc, tag[0], o)
	if err != nil {
		return nil, err
	}
	if size < 0 {
		size = o.Size // the payload is a little shorter than the bundle
	}
	payload, err := readAllHint(body, size, feed)
	if err != nil {
		if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrIntegrity) {
			return nil, err
		}
		return nil, integrityError("truncated or malformed literal data")
	}
	// Nothing may follow the literal data packet but the MDC, which the
	// end of rc checks.
	var more [1]byte
	n, err := rc.Read(more[:])
	switch {
	case n != 0:
		return nil, integrityError("data after the literal data packet")
	case err == errMDC:
		return nil, integrityError("modification detection code (MDC) mismatch")
	case err != io.EOF:
		return nil, integrityError("truncated encrypted data")
	}
	return payload, nil
}

// readAllHint reads r to EOF into one buffer of capacity sizeHint, growing
// it only if the hint was too small, and publishes to feed (may be nil)
// what it read. sizeHint must already be bounded (by the maximum bundle
// size): it is not checked here.
func readAllHint(r io.Reader, sizeHint int64, feed *payloadFeed) ([]byte, error) {
	buf := make([]byte, 0, max(sizeHint, 512))
	for {
		if len(buf) == cap(buf) {
			// Probe for EOF before growing: an exact hint needs no copy.
			var probe [512]byte
			n, err := r.Read(probe[:])
			buf = append(buf, probe[:n]...)
			feed.publish(buf, len(buf)) // a buffer that moved ends the feed
			if err == io.EOF {
				return buf, nil
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if n > 0 {
			feed.publish(buf, len(buf))
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// quickCheck reports whether the SEIPDv1 prefix decrypts, under key, to a
// block whose last two bytes repeat (RFC 4880 section 5.7): the sign that
// key is the session key the message was made with.
func quickCheck(key, prefix []byte) bool {
	block, err := aes.NewCipher(key)
	if err != nil || len(prefix) != seipdPrefixLen {
		return false
	}
	var fr [aes.BlockSize]byte
	block.Encrypt(fr[:], fr[:]) // CFB with a zero IV
	b14, b15 := prefix[14]^fr[14], prefix[15]^fr[15]
	block.Encrypt(fr[:], prefix[:aes.BlockSize])
	return prefix[16]^fr[0] == b14 && prefix[17]^fr[1] == b15
}

// Seal = NewManifest is NOT applied; it is MarshalPayload + Encrypt. It
// returns the ciphertext and the hex SHA-256 of the payload (the value a
// child generation records as ParentSHA256). It is SealTo into memory.
func Seal(b *Bundle, passphrase []byte, opts SealOptions) (ciphertext []byte, payloadSHA256 string, err error) {
	var buf bytes.Buffer
	grow := func(size int64) { buf.Grow(int(size)) }
	sum, _, err := sealTo(&buf, grow, b, passphrase, opts)
	if err != nil {
		return nil, "", err
	}
	return buf.Bytes(), sum, nil
}

// SealTo is Seal writing the ciphertext to w, and returning how many bytes
// it wrote. The payload tar is streamed into the encryption, never held
// whole: the memory SealTo needs is the files' (let go of as they are
// encrypted with opts.ReleaseFiles), not the ciphertext's. A payload or
// ciphertext over opts.MaxSize (0: DefaultMaxBundleSize) is refused with a
// *SizeError before anything is written (the ciphertext's length is known
// from the payload's: opts.Sized is told it); what was written to w before
// an error is not a bundle.
func SealTo(w io.Writer, b *Bundle, passphrase []byte, opts SealOptions) (payloadSHA256 string, n int64, err error) {
	return sealTo(w, nil, b, passphrase, opts)
}

// sealTo is SealTo; grow, when not nil, is told the ciphertext's size
// before anything is written.
func sealTo(w io.Writer, grow func(size int64), b *Bundle, passphrase []byte, opts SealOptions) (string, int64, error) {
	files := make([]File, len(b.Files))
	copy(files, b.Files)
	sortFiles(files)
	if err := checkDescribesHashing(&b.Manifest, files, !opts.ManifestFresh); err != nil {
		return "", 0, err
	}
	limit := ReadOptions{MaxSize: opts.MaxSize}.limit()
	var count countWriter
	if err := writePayload(&count, &b.Manifest, files, nil); err != nil {
		return "", 0, err
	}
	if count.n > limit {
		return "", 0, &SizeError{What: "the payload", Size: count.n, Limit: limit}
	}
	sized := func(size int64) error {
		if size > limit {
			return &SizeError{What: "the bundle", Size: size, Limit: limit}
		}
		if grow != nil {
			grow(size)
		}
		if opts.Sized != nil {
			opts.Sized(size)
		}
		return nil
	}
	var release func(i int)
	if opts.ReleaseFiles {
		index := make(map[string]int, len(b.Files))
		for i, f := range b.Files {
			index[f.Path] = i
		}
		defer func() {
			for i := range b.Files {
				b.Files[i].Data = nil
			}
		}()
		release = func(i int) {
			files[i].Data = nil
			b.Files[index[files[i].Path]].Data = nil
		}
	}
	// The payload is hashed on another goroutine (the other core) as it
	// is encrypted.
	h := NewSideSHA256(count.n)
	defer h.Stop()
	out := &countingWriter{w: w}
	err := encryptWith(out, rand.Reader, passphrase, opts, count.n, sized, func(pw io.Writer) error {
		return writePayload(hashWriter{pw, h}, &b.Manifest, files, release)
	})
	if err != nil {
		return "", out.n, err
	}
	return h.Sum(), out.n, nil
}

// countingWriter writes to w and counts what w accepted.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// countWriter counts the bytes written to it and keeps none.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// hashWriter writes to w and hashes what w accepted.
type hashWriter struct {
	w io.Writer
	h io.Writer // a hash: its Write never fails
}

func (hw hashWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	return n, err
}

// Open = Decrypt + ParsePayload. It returns the bundle and the hex SHA-256
// of the payload ("" with o.NoSum).
//
// From parallelHashMin on, the payload is hashed as it is decrypted, on
// other goroutines (the other core): its SHA-256 and the digest of each
// file's data, which ParsePayload then compares with the manifest's
// instead of hashing the files after the decryption. Nothing of it is
// used unless the MDC matched, and every check is the same.
func Open(r io.Reader, passphrase []byte, o ReadOptions) (*Bundle, string, error) {
	var (
		feed   *payloadFeed
		files  func() fileDigests
		whole  func() ([sha256.Size]byte, int)
		writes func() map[string]dataSpan
	)
	if o.Stream != nil {
		o.Stream.Written = map[string]bool{}
	}
	if o.Size >= parallelHashMin {
		feed = newPayloadFeed()
		files = followFiles(feed)
		if !o.NoSum {
			whole = followSum(feed)
		}
		if o.Stream != nil {
			writes = followWrites(feed, o.Stream.Create)
		}
	}
	payload, err := decrypt(r, passphrase, o, feed)
	feed.close()
	var (
		digests fileDigests
		sum     [sha256.Size]byte
		summed  bool
		written map[string]dataSpan
	)
	if files != nil { // the followers end with the feed: wait for them
		digests = files()
	}
	if writes != nil {
		written = writes()
	}
	if o.Stream != nil && o.Stream.AfterWrites != nil {
		o.Stream.AfterWrites()
	}
	if whole != nil {
		var n int
		sum, n = whole()
		summed = n == len(payload)
	}
	if err != nil {
		return nil, "", err
	}
	if !feed.holds(payload) {
		digests, summed, written = nil, false, nil
	}
	// Else the payload's digest and the per-file digests of ParsePayload
	// are computed side by side: on two cores a big bundle opens in the
	// time of one pass.
	var done chan struct{}
	switch {
	case o.NoSum || summed:
	case len(payload) >= parallelHashMin:
		done = make(chan struct{})
		go func() {
			sum = sha256.Sum256(payload)
			close(done)
		}()
	default:
		sum = sha256.Sum256(payload)
	}
	var spans map[string]dataSpan
	if written != nil {
		spans = map[string]dataSpan{}
	}
	b, err := parsePayload(payload, digests, spans)
	if done != nil {
		<-done
	}
	if err != nil {
		return nil, "", err
	}
	for path, span := range written {
		if at, ok := spans[path]; ok && at == span {
			o.Stream.Written[path] = true
		}
	}
	if o.NoSum {
		return b, "", nil
	}
	return b, hex.EncodeToString(sum[:]), nil
}

// parallelHashMin is the payload size from which Open hashes the payload
// beside parsing it.
const parallelHashMin = 1 << 20
