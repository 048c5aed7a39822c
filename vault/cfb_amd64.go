//go:build amd64 && !purego

package vault

import (
	"crypto/aes"

	"golang.org/x/sys/cpu"
)

// cfbDecryptBlocksAsm decrypts the n whole blocks at p in place in CFB
// mode under the AES-256 round keys xk, iv being the ciphertext block
// before them; it leaves in iv the last one. Eight blocks at a time go
// through the AES rounds interleaved (CFB decryption needs only the
// ciphertext), where crypto/aes encrypts one block per call.
//
//go:noescape
func cfbDecryptBlocksAsm(xk *[aesRoundKeysLen]byte, iv *[aes.BlockSize]byte, p *byte, n int)

// expandKey256Asm writes to xk the AES-256 key expansion of the 32 bytes
// at key (FIPS 197 section 5.2): the 15 round keys, each in the byte
// order AESENC takes them, made with AESKEYGENASSIST.
//
//go:noescape
func expandKey256Asm(key *byte, xk *[aesRoundKeysLen]byte)

// hasAESNI is whether the CPU has the AES-NI instructions
// cfbDecryptBlocksAsm needs (with SSE2, which every amd64 has), decided
// once per process when x/sys/cpu initialises (a CPUID there, not one per
// bundle: under a hypervisor CPUID traps). x/sys/cpu honours
// GODEBUG=cpu.aes=off, as crypto/aes does: then the crypto/aes loop is
// used. Set at init and never after: a constant of the process.
var hasAESNI = cpu.X86.HasAES

// newBlockCFB returns the round keys of the AES-256 key for
// cfbDecryptBlocks, or nil where the CPU cannot run it.
func newBlockCFB(key []byte) *[aesRoundKeysLen]byte {
	if len(key) != 32 || !hasAESNI {
		return nil
	}
	xk := new([aesRoundKeysLen]byte)
	expandKey256Asm(&key[0], xk)
	return xk
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
