package history

import (
	"time"

	"vsync/vault"
)

// NewGeneration is the bundle of generation tip+1 of env holding files.
// Its manifest names tip as the parent with parentSum, the SHA-256 of
// tip's payload (dropped when tip is 0), and records author, note and the
// time now.
func NewGeneration(env string, tip uint64, parentSum, author, note string, files []vault.File) *vault.Bundle {
	m := vault.Manifest{
		Env:          env,
		Generation:   tip + 1,
		Parent:       tip,
		ParentSHA256: parentSum,
		Created:      time.Now().UTC().Truncate(time.Second),
		Author:       author,
		Note:         note,
	}
	if tip == 0 {
		m.ParentSHA256 = ""
	}
	return &vault.Bundle{Manifest: vault.NewManifest(m, files), Files: files}
}

// SealOptions is the S2K a passphrase calls for: salted for one vsync
// generated, iterated for one a person chose (s2kCount iterations when not
// 0, else vault's default), and bundles up to maxSize bytes.
func SealOptions(pass []byte, s2kCount int, maxSize int64) vault.SealOptions {
	return vault.SealOptions{HighEntropy: vault.IsGenerated(string(pass)), S2KCount: s2kCount, MaxSize: maxSize}
}
