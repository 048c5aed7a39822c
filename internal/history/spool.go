package history

import (
	"bufio"
	"fmt"
	"os"

	"vsync/internal/memlimit"
	"vsync/vault"
)

// SealSpooled is vault.Seal for a push, in about one bundle of memory
// instead of two: the ciphertext is written to an unnamed temporary file in
// dir while Seal lets go of each file once it is encrypted (opts should
// set ReleaseFiles), the files' memory (filesSize bytes) is given back,
// and only then is the ciphertext read back for the upload. The file is
// removed as soon as it is created (only its descriptor names it), holds
// nothing but ciphertext, and is gone when SealSpooled returns.
func SealSpooled(dir string, b *vault.Bundle, pass []byte, opts vault.SealOptions, filesSize int64) ([]byte, string, error) {
	f, err := os.CreateTemp(dir, ".vsync-push-*.pgp")
	if err != nil {
		return nil, "", fmt.Errorf("spooling the bundle: %w", err)
	}
	os.Remove(f.Name())
	defer f.Close()
	w := bufio.NewWriterSize(f, 256<<10)
	sum, n, err := vault.SealTo(w, b, pass, opts)
	if err != nil {
		return nil, "", err
	}
	if err := w.Flush(); err != nil {
		return nil, "", fmt.Errorf("spooling the bundle: %w", err)
	}
	memlimit.GiveBack(filesSize)
	ct := make([]byte, n)
	if _, err := f.ReadAt(ct, 0); err != nil {
		return nil, "", fmt.Errorf("spooling the bundle: %w", err)
	}
	return ct, sum, nil
}
