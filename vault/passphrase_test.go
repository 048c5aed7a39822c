package vault

import (
	"strings"
	"testing"
)

func TestGeneratePassphrase(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		p, err := GeneratePassphrase()
		if err != nil {
			t.Fatal(err)
		}
		if !IsGenerated(p) {
			t.Fatal("generated passphrase not recognised")
		}
		if len(p) != 48 || !strings.HasPrefix(p, "vsp1-") {
			t.Fatalf("generated passphrase has length %d", len(p))
		}
		if seen[p] {
			t.Fatal("duplicate passphrase")
		}
		seen[p] = true
	}
}

func TestIsGenerated(t *testing.T) {
	good := "vsp1-" + strings.Repeat("A", 42) + "E" // last char: low 2 bits zero
	if !IsGenerated(good) {
		t.Fatal("canonical form rejected")
	}
	for _, bad := range []string{
		"",
		"vsp1-",
		"correct horse battery staple",
		"vsp2-" + strings.Repeat("A", 43),
		"VSP1-" + strings.Repeat("A", 43),
		"vsp1-" + strings.Repeat("A", 42),
		"vsp1-" + strings.Repeat("A", 44),
		"vsp1-" + strings.Repeat("A", 42) + "B", // non-canonical trailing bits
		"vsp1-" + strings.Repeat("A", 42) + "=",
		"vsp1-" + strings.Repeat("+", 43),
		"vsp1-" + strings.Repeat("/", 43),
		"vsp1-" + strings.Repeat("A", 41) + " E",
		" vsp1-" + strings.Repeat("A", 42) + "E",
	} {
		if IsGenerated(bad) {
			t.Errorf("IsGenerated accepted a malformed passphrase of length %d", len(bad))
		}
	}
}
