package vault

import (
	"bufio"
	"bytes"
	"fmt"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Rewrap returns ciphertext, a bundle-format message (see Decrypt),
// readable with newPass instead of oldPass, without re-encrypting the data:
// the passphrase packet (SKESK) is replaced by a new one that wraps the same
// session key under newPass, with the S2K opts calls for (as Encrypt
// chooses it), and every byte after it, the SEIPD packet, is kept
// unchanged. The result again holds exactly one passphrase packet, as gpg
// 2.2 tries only the first.
//
// Before anything is produced the whole message is decrypted and its MDC
// checked with the session key oldPass unlocks, so a session key that a
// wrong passphrase decrypted by chance to something AES-256-shaped can
// never be rewrapped into an object no one can read.
//
// Errors wrap ErrWrongPassphrase (oldPass does not open ciphertext),
// ErrTooLarge (ciphertext is over opts.MaxSize) or ErrIntegrity (ciphertext is not a sound bundle-format message); on error
// no ciphertext is returned. ciphertext is not modified.
func Rewrap(ciphertext, oldPass, newPass []byte, opts SealOptions) ([]byte, error) {
	r := bytes.NewReader(ciphertext)
	key, err := unlockSKESK(r, oldPass, opts.Keys)
	if err != nil {
		return nil, err
	}
	data := ciphertext[len(ciphertext)-r.Len():]
	o := ReadOptions{Size: int64(len(data)), MaxSize: opts.MaxSize}
	if o.Size > o.limit() {
		return nil, &SizeError{What: "the bundle", Size: int64(len(ciphertext)), Limit: o.limit()}
	}
	if _, err := decryptData(bufio.NewReader(bytes.NewReader(data)), key, o, nil); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(data) + 64)
	if opts.Salt != nil && !opts.HighEntropy {
		err = writeSKESK(&buf, key, newPass, opts)
	} else {
		err = packet.SerializeSymmetricKeyEncryptedAEADReuseKey(&buf, key, newPass, false, pgpConfig(opts))
	}
	if err != nil {
		return nil, fmt.Errorf("wrapping the session key: %w", err)
	}
	buf.Write(data)
	return buf.Bytes(), nil
}
