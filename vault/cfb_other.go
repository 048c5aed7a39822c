//go:build !amd64 || purego

package vault

import "crypto/aes"

// newBlockCFB returns nil: only amd64 has the assembly.
func newBlockCFB(key []byte) *[aesRoundKeysLen]byte { return nil }

// cfbDecryptBlocks is never called without round keys.
func cfbDecryptBlocks(xk *[aesRoundKeysLen]byte, iv *[aes.BlockSize]byte, p []byte) int {
	panic("vault: cfbDecryptBlocks without assembly")
}
