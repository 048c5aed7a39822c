package vault

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDirStream: files Open streamed get WriteDir's modes from Finish,
// the others are written; a file made but not listed as written (its
// content unchecked) makes Finish start the directory afresh.
func TestDirStream(t *testing.T) {
	b := bigBundle()
	payload, err := MarshalPayload(b)
	if err != nil {
		t.Fatal(err)
	}
	ct := sealForTest(t, payload)
	check := func(dir string, files []File) {
		t.Helper()
		for _, f := range files {
			p := filepath.Join(dir, filepath.FromSlash(f.Path))
			data, err := os.ReadFile(p)
			fi, serr := os.Stat(p)
			if err != nil || serr != nil || !bytes.Equal(data, f.Data) || fi.Mode().Perm() != f.Mode.Perm()&0o700 {
				t.Errorf("%q: not what WriteDir writes (%v, %v)", f.Path, err, serr)
			}
		}
	}

	dir := filepath.Join(t.TempDir(), "new")
	ds, err := NewDirStream(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := Open(bytes.NewReader(ct), []byte(testPass), ReadOptions{Size: int64(len(ct)), Stream: &ds.Stream})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Stream.Written) != len(got.Files) {
		t.Errorf("%d files streamed, want %d", len(ds.Stream.Written), len(got.Files))
	}
	if err := ds.Finish(got.Files); err != nil {
		t.Fatal(err)
	}
	check(dir, got.Files)

	dir = filepath.Join(t.TempDir(), "new")
	if ds, err = NewDirStream(dir); err != nil {
		t.Fatal(err)
	}
	w, err := ds.Stream.Create(b.Files[0].Path, 3)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("not"))
	w.Close()
	if err := ds.Finish(b.Files); err != nil {
		t.Fatal(err)
	}
	check(dir, b.Files)
}
