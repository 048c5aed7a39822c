package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"sync"

	"github.com/ProtonMail/go-crypto/openpgp/s2k"
)

// SaltLen is the length of an S2K salt (RFC 4880 3.7.1.2).
const SaltLen = 8

// NewSalt returns a random S2K salt, for SealOptions.Salt.
func NewSalt() ([]byte, error) {
	salt := make([]byte, SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("generating an S2K salt: %w", err)
	}
	return salt, nil
}

// KeyCache remembers the keys that the S2K of passphrase packets derived
// (the key-encryption key, which wraps each object's own random session
// key), under the S2K specifier (mode, hash, salt, count) and the SHA-256
// of the passphrase: a process that opens or seals many objects whose
// passphrase packets share one salt and count (SealOptions.Salt) runs the
// iterated S2K, 65 million bytes of SHA-256 by default, once, not once per
// object. It derives exactly the key gpg derives from the same packet, so
// nothing about the objects changes. Each derivation is run once even when
// asked for concurrently. The zero value is ready to use and safe for
// concurrent use; a nil *KeyCache derives every time.
type KeyCache struct {
	mu   sync.Mutex
	keys map[keyCacheKey]*derivedKey
}

type keyCacheKey struct {
	spec string   // the S2K specifier's bytes
	pass [32]byte // SHA-256 of the passphrase
}

type derivedKey struct {
	once sync.Once
	key  []byte
}

// derive returns the AES-256 key-encryption key the S2K specifier spec
// (RFC 4880 3.7.1: salted or iterated, SHA-256) derives from passphrase.
func (c *KeyCache) derive(spec, passphrase []byte) ([]byte, error) {
	f, err := s2k.Parse(bytes.NewReader(spec))
	if err != nil {
		return nil, integrityError("malformed passphrase packet")
	}
	run := func() []byte {
		key := make([]byte, 32)
		f(key, passphrase)
		return key
	}
	if c == nil {
		return run(), nil
	}
	k := keyCacheKey{spec: string(spec), pass: sha256.Sum256(passphrase)}
	c.mu.Lock()
	if c.keys == nil {
		c.keys = map[keyCacheKey]*derivedKey{}
	}
	d, ok := c.keys[k]
	if !ok {
		d = &derivedKey{}
		c.keys[k] = d
	}
	c.mu.Unlock()
	d.once.Do(func() { d.key = run() })
	return d.key, nil
}

// s2kSpecLen is the length of the S2K specifier that starts at c[2] of a
// bundle-format passphrase packet's contents c: mode, hash, 8 bytes of
// salt, and for iterated S2K the count byte.
func s2kSpecLen(mode byte) int {
	if mode == s2kIterated {
		return 2 + SaltLen + 1
	}
	return 2 + SaltLen
}

// unwrapSessionKey returns the session key that the contents c of a
// bundle-format passphrase packet (SKESK v4 for AES-256, salted or
// iterated SHA-256 S2K, checked by the caller) hold under passphrase, as
// go-crypto's SymmetricKeyEncrypted.Decrypt would, with the S2K run
// through keys. It fails (the caller reports a wrong passphrase) when the
// key does not decrypt to an AES-256 key.
func unwrapSessionKey(c, passphrase []byte, keys *KeyCache) ([]byte, error) {
	end := 2 + s2kSpecLen(c[2])
	if len(c) < end {
		return nil, integrityError("malformed passphrase packet")
	}
	kek, err := keys.derive(c[2:end], passphrase)
	if err != nil {
		return nil, err
	}
	wrapped := c[end:]
	if len(wrapped) == 0 { // the S2K's key is the session key
		return kek, nil
	}
	if len(wrapped) != 1+32 {
		return nil, ErrWrongPassphrase
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(wrapped))
	cipher.NewCFBDecrypter(block, make([]byte, aes.BlockSize)).XORKeyStream(out, wrapped)
	if out[0] != cipherAES256 {
		return nil, ErrWrongPassphrase
	}
	return out[1:], nil
}

// writeSKESK writes a bundle-format passphrase packet (SKESK v4, AES-256,
// iterated SHA-256 S2K with opts' count and opts.Salt) wrapping
// sessionKey under passphrase, the S2K run through opts.Keys. It is the
// packet go-crypto's SerializeSymmetricKeyEncryptedReuseKey writes, with
// the salt given rather than drawn.
func writeSKESK(w io.Writer, sessionKey, passphrase []byte, opts SealOptions) error {
	if len(opts.Salt) != SaltLen {
		return fmt.Errorf("an S2K salt is %d bytes, not %d", SaltLen, len(opts.Salt))
	}
	spec := append([]byte{s2kIterated, hashSHA256}, opts.Salt...)
	spec = append(spec, pgpConfig(opts).S2KConfig.EncodedCount())
	kek, err := opts.Keys.derive(spec, passphrase)
	if err != nil {
		return err
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return err
	}
	wrapped := append([]byte{cipherAES256}, sessionKey...)
	cipher.NewCFBEncrypter(block, make([]byte, aes.BlockSize)).XORKeyStream(wrapped, wrapped)
	body := append([]byte{skeskVersion, cipherAES256}, spec...)
	body = append(body, wrapped...)
	// A new-format header (tag 3) with a one-octet length: the body is 46 bytes.
	if _, err := w.Write(append([]byte{0xC0 | tagSKESK, byte(len(body))}, body...)); err != nil {
		return err
	}
	return nil
}
