//go:build amd64 && !purego

package vault

import (
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
