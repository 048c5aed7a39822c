package vault

import (
	"bytes"
	"errors"
	"testing"
)

// TestSealManifestFresh: with ManifestFresh, Seal gives the payload it
// gives without (same digest, and Open accepts it), and still refuses a
// file whose size or mode no longer matches the manifest.
func TestSealManifestFresh(t *testing.T) {
	b := sampleBundle()
	_, want, err := Seal(b, []byte(testPass), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	fresh := testOpts
	fresh.ManifestFresh = true
	ct, got, err := Seal(b, []byte(testPass), fresh)
	if err != nil || got != want {
		t.Fatalf("ManifestFresh: payload digest differs (%v)", err)
	}
	if _, sum, err := Open(bytes.NewReader(ct), []byte(testPass), ReadOptions{}); err != nil || sum != want {
		t.Fatalf("Open of a ManifestFresh seal: %v", err)
	}
	for name, change := range map[string]func(f *File){
		"size": func(f *File) { f.Data = append(bytes.Clone(f.Data), 'x') },
		"mode": func(f *File) { f.Mode = 0o755 },
	} {
		bad := sampleBundle()
		change(&bad.Files[0])
		if _, _, err := Seal(bad, []byte(testPass), fresh); !errors.Is(err, ErrManifest) {
			t.Errorf("%s changed after NewManifest: %v, want ErrManifest", name, err)
		}
	}
}
