package history

import (
	"bufio"
	"fmt"
	"io"
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
// nothing but ciphertext, and is gone when SealSpooled returns. It returns
// the ciphertext, the payload's SHA-256 and the ciphertext's (ctSum, hex),
// taken on another goroutine as the ciphertext is written, for the upload
// to sign without reading the bundle once more.
func SealSpooled(dir string, b *vault.Bundle, pass []byte, opts vault.SealOptions, filesSize int64) (ct []byte, sum, ctSum string, err error) {
	f, err := os.CreateTemp(dir, ".vsync-push-*.pgp")
	if err != nil {
		return nil, "", "", fmt.Errorf("spooling the bundle: %w", err)
	}
	os.Remove(f.Name())
	defer f.Close()
	ch := vault.NewSideSHA256(filesSize)
	defer ch.Stop()
	w := bufio.NewWriterSize(io.MultiWriter(f, ch), 256<<10)
	sum, n, err := vault.SealTo(w, b, pass, opts)
	if err != nil {
		return nil, "", "", err
	}
	if err := w.Flush(); err != nil {
		return nil, "", "", fmt.Errorf("spooling the bundle: %w", err)
	}
	ctSum = ch.Sum()
	memlimit.GiveBack(filesSize)
	ct = make([]byte, n)
	if _, err := f.ReadAt(ct, 0); err != nil {
		return nil, "", "", fmt.Errorf("spooling the bundle: %w", err)
	}
	return ct, sum, ctSum, nil
}
