package vault

import (
	"bytes"
	"testing"
	"time"
)

// testOpts is a cheap iterated S2K for tests (the smallest count OpenPGP
// can encode).
var testOpts = SealOptions{S2KCount: 65536}

const testPass = "correct horse battery staple"

func sampleFiles() []File {
	return []File{
		{Path: ".env.prod", Mode: 0o600, Data: []byte("DB_PASSWORD=CANARY-db-3f9a\nDEBUG=0\n")},
		{Path: "gcp-sa.json", Mode: 0o644, Data: []byte(`{"private_key":"CANARY-key-77"}`)},
		{Path: "tls/server.crt", Mode: 0o600, Data: bytes.Repeat([]byte("CERT"), 300)},
		{Path: "tls/a b/ü.txt", Mode: 0o755, Data: nil},
	}
}

func sampleBundle() *Bundle {
	files := sampleFiles()
	m := NewManifest(Manifest{
		Env:        "prod",
		Generation: 3,
		Parent:     2,
		Created:    time.Date(2026, 3, 1, 12, 30, 0, 123, time.UTC),
		Author:     "ada@example.com",
		Note:       "rotate <db> & friends",
	}, files)
	return &Bundle{Manifest: m, Files: files}
}

// sameFiles compares files without printing any content.
func sameFiles(t *testing.T, got, want []File) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d files, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Path != want[i].Path || got[i].Mode != want[i].Mode {
			t.Errorf("file %d: got %q %v, want %q %v", i, got[i].Path, got[i].Mode, want[i].Path, want[i].Mode)
		}
		if !bytes.Equal(got[i].Data, want[i].Data) {
			t.Errorf("file %q: value mismatch", got[i].Path)
		}
	}
}
