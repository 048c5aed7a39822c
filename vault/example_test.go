package vault_test

import (
	"bytes"
	"fmt"
	"time"

	"vsync/vault"
)

// The bundle round trip: describe the files in a manifest, seal them under
// a generated passphrase, and open the ciphertext again.
func ExampleSeal() {
	files := []vault.File{
		{Path: ".env.prod", Mode: 0o600, Data: []byte("DATABASE_URL=postgres://db/app\n")},
		{Path: "gcp-sa.json", Mode: 0o600, Data: []byte(`{"type":"service_account"}`)},
	}
	m := vault.NewManifest(vault.Manifest{
		Env:        "prod",
		Generation: 1,
		Created:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Author:     "ada@example.com",
		Note:       "first push",
	}, files)

	pass, err := vault.GeneratePassphrase()
	if err != nil {
		panic(err)
	}
	opts := vault.SealOptions{HighEntropy: vault.IsGenerated(pass)}
	ciphertext, sum, err := vault.Seal(&vault.Bundle{Manifest: m, Files: files}, []byte(pass), opts)
	if err != nil {
		panic(err)
	}

	b, sum2, err := vault.Open(bytes.NewReader(ciphertext), []byte(pass), vault.ReadOptions{Size: int64(len(ciphertext))})
	if err != nil {
		panic(err)
	}
	fmt.Println(b.Manifest.Env, b.Manifest.Generation, b.Manifest.Note, sum == sum2)
	for _, f := range b.Files {
		fmt.Printf("%s %v %d bytes\n", f.Path, f.Mode, len(f.Data))
	}
	// Output:
	// prod 1 first push true
	// .env.prod -rw------- 31 bytes
	// gcp-sa.json -rw------- 26 bytes
}
