//go:build amd64 && !purego

package vault

import "crypto/aes"

// cfbDecryptBlocksAsm decrypts the n whole blocks at p in place in CFB
// mode under the AES-256 round keys xk, iv being the ciphertext block
// before them; it leaves in iv the last one. Eight blocks at a time go
// through the AES rounds interleaved (CFB decryption needs only the
// ciphertext), where crypto/aes encrypts one block per call.
//
//go:noescape
func cfbDecryptBlocksAsm(xk *[aesRoundKeysLen]byte, iv *[aes.BlockSize]byte, p *byte, n int)

// hasAESNI reports whether the CPU has the AES-NI instructions.
func hasAESNI() bool

// newBlockCFB returns the round keys of the AES-256 key for
// cfbDecryptBlocks, or nil where the CPU cannot run it.
func newBlockCFB(key []byte) *[aesRoundKeysLen]byte {
	if len(key) != 32 || !hasAESNI() {
		return nil
	}
	xk := expandKey256(key)
	return &xk
}

// cfbDecryptBlocks decrypts the whole blocks of p (see
// cfbDecryptBlocksAsm) and returns how many bytes that was.
func cfbDecryptBlocks(xk *[aesRoundKeysLen]byte, iv *[aes.BlockSize]byte, p []byte) int {
	n := len(p) / aes.BlockSize
	if n > 0 {
		cfbDecryptBlocksAsm(xk, iv, &p[0], n)
	}
	return n * aes.BlockSize
}
