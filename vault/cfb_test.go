package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/rand"
	"testing"
)

// TestBlockCFB: the assembly's CFB decryption (8 blocks interleaved, the
// key expanded by expandKey256Asm) gives byte for byte what crypto/aes a
// block at a time gives, for every run length around its 8-block step,
// in place, with the same IV left behind; a short last block is left to
// the generic code. (TestDecryptsGPGMessages checks both against gpg.)
func TestBlockCFB(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	xk := newBlockCFB(key)
	if xk == nil {
		t.Skip("no assembly for this CPU")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 15, 16, 17, 7 * 16, 8 * 16, 9*16 + 3, 16 * 16, 17*16 + 15, 1000*16 + 5} {
		for range 3 {
			ct := make([]byte, n)
			rand.Read(ct)
			var iv [aes.BlockSize]byte
			rand.Read(iv[:])
			want, wantIV := bytes.Clone(ct), iv
			cfbDecrypt(block, nil, &wantIV, want)
			got, gotIV := bytes.Clone(ct), iv
			cfbDecrypt(block, xk, &gotIV, got)
			if !bytes.Equal(got, want) || gotIV != wantIV {
				t.Fatalf("%d bytes: the assembly's CFB differs from crypto/aes's", n)
			}
		}
	}
	if newBlockCFB(key[:16]) != nil {
		t.Error("round keys for an AES-128 key")
	}
}

// TestSbox: the computed S-box is a permutation with FIPS 197's values
// at a few known places.
func TestSbox(t *testing.T) {
	seen := map[byte]bool{}
	for x := range 256 {
		seen[sbox(byte(x))] = true
	}
	if len(seen) != 256 {
		t.Fatalf("the S-box takes %d values", len(seen))
	}
	for x, want := range map[byte]byte{0x00: 0x63, 0x01: 0x7c, 0x53: 0xed, 0xff: 0x16, 0x10: 0xca} {
		if got := sbox(x); got != want {
			t.Errorf("S(%#02x) = %#02x, want %#02x", x, got, want)
		}
	}
}
