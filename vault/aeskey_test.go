package vault

import "encoding/binary"

// expandKey256 is the AES-256 key expansion (FIPS 197 section 5.2): the
// 15 round keys, each in the byte order AESENC takes them. It is the
// reference the assembly's expansion (expandKey256Asm) is tested against.
func expandKey256(key []byte) [aesRoundKeysLen]byte {
	const nk = 8
	var w [aesRoundKeysLen / 4]uint32
	for i := range nk {
		w[i] = binary.BigEndian.Uint32(key[4*i:])
	}
	rcon := uint32(1)
	for i := nk; i < len(w); i++ {
		t := w[i-1]
		switch i % nk {
		case 0:
			t = subWord(t<<8|t>>24) ^ rcon<<24
			rcon = uint32(gfMul(byte(rcon), 2))
		case 4:
			t = subWord(t)
		}
		w[i] = w[i-nk] ^ t
	}
	var xk [aesRoundKeysLen]byte
	for i, v := range w {
		binary.BigEndian.PutUint32(xk[4*i:], v)
	}
	return xk
}

// subWord applies the AES S-box to each byte of w.
func subWord(w uint32) uint32 {
	return uint32(sbox(byte(w>>24)))<<24 | uint32(sbox(byte(w>>16)))<<16 | uint32(sbox(byte(w>>8)))<<8 | uint32(sbox(byte(w)))
}

// sbox is the AES S-box, computed (FIPS 197 section 5.1.1): the inverse
// in GF(2^8) (0 for 0), then the affine transformation. The key expansion
// needs 52 values, so there is no table; there is no branch on x either.
func sbox(x byte) byte {
	inv := byte(1) // x^254 = x^-1, and 0 for 0
	for e, b := 254, x; e > 0; e >>= 1 {
		if e&1 == 1 {
			inv = gfMul(inv, b)
		}
		b = gfMul(b, b)
	}
	rotl := func(b byte, n uint) byte { return b<<n | b>>(8-n) }
	return inv ^ rotl(inv, 1) ^ rotl(inv, 2) ^ rotl(inv, 3) ^ rotl(inv, 4) ^ 0x63
}

// gfMul multiplies in AES's GF(2^8) (modulo x^8 + x^4 + x^3 + x + 1),
// without branching on a or b.
func gfMul(a, b byte) byte {
	var p byte
	for range 8 {
		p ^= a & -(b & 1)
		a = a<<1 ^ 0x1b&-(a>>7)
		b >>= 1
	}
	return p
}
