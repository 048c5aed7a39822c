package testsupport

import (
	"testing"
	"time"

	"vsync/vault"
)

// SealedBundle is a real bundle of env at generation gen (its parent
// gen-1), encrypted under pass, as a push would store it: what a test
// stores or caches is never plaintext.
func SealedBundle(t testing.TB, env string, gen uint64, pass string, files ...vault.File) []byte {
	t.Helper()
	m := vault.NewManifest(vault.Manifest{Env: env, Generation: gen, Parent: gen - 1, Created: time.Unix(1700000000, 0).UTC(), Author: "t", Note: "n"}, files)
	raw, _, err := vault.Seal(&vault.Bundle{Manifest: m, Files: files}, []byte(pass), vault.SealOptions{S2KCount: 1024})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
