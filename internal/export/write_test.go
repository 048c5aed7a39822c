package export

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestWrite writes the files into a new directory, replacing a symlink
// planted at a file's name instead of following it, and names what it
// wrote.
func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "units")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(target, []byte("kept\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "a.service")); err != nil {
		t.Fatal(err)
	}
	written, err := Write(dir, []File{{Name: "a.service", Data: []byte("A\n")}, {Name: "b.service", Data: []byte("B\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, "a.service"), filepath.Join(dir, "b.service")}; !slices.Equal(written, want) {
		t.Errorf("Write wrote %q, want %q", written, want)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "kept\n" {
		t.Errorf("the symlink's target was written through: %q, %v", b, err)
	}
	fi, err := os.Lstat(written[0])
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
		t.Errorf("a.service: %v, %v; want a regular file 0644", fi, err)
	}
}
