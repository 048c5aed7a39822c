//go:build amd64 && !purego

package vault

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// TestHasAESNI: hasAESNI agrees with the kernel's CPU flags, so that
// TestBlockCFB does not skip the assembly on a CPU that has AES-NI, and
// GODEBUG=cpu.aes=off turns it off.
func TestHasAESNI(t *testing.T) {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip("no /proc/cpuinfo")
	}
	var flags string
	for _, line := range strings.Split(string(info), "\n") {
		if strings.HasPrefix(line, "flags") {
			flags = line + " "
			break
		}
	}
	want := strings.Contains(flags, " aes ") && !strings.Contains(os.Getenv("GODEBUG"), "cpu.aes=off")
	if hasAESNI != want {
		t.Errorf("hasAESNI = %v, the CPU flags (and GODEBUG) say %v", hasAESNI, want)
	}
}

// TestExpandKey256Asm: the assembly's key expansion gives the round keys
// of FIPS 197's AES-256 example (appendix A.3) and, for random keys, what
// the Go expansion (expandKey256) gives.
func TestExpandKey256Asm(t *testing.T) {
	if !hasAESNI {
		t.Skip("no AES-NI")
	}
	key, _ := hex.DecodeString("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
	var xk [aesRoundKeysLen]byte
	expandKey256Asm(&key[0], &xk)
	// w[8..11] and w[56..59] of FIPS 197 A.3: the third and last round keys.
	if got := hex.EncodeToString(xk[32:48]); got != "9ba354118e6925afa51a8b5f2067fcde" {
		t.Errorf("round key 2 = %s", got)
	}
	if got := hex.EncodeToString(xk[224:]); got != "fe4890d1e6188d0b046df344706c631e" {
		t.Errorf("round key 14 = %s", got)
	}
	for range 1000 {
		rand.Read(key)
		expandKey256Asm(&key[0], &xk)
		if want := expandKey256(key); xk != want {
			t.Fatalf("key %x: the assembly's expansion differs from the Go one", key)
		}
	}
}
