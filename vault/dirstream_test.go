package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// noNamedContent fails when a regular file with content has a name
// anywhere under dir.
func noNamedContent(t *testing.T, dir, what string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.Size() > 0 {
			t.Errorf("%s: %s has a name and %d bytes before the bundle was checked", what, p, fi.Size())
		}
		return nil
	})
}

// TestDirStream: files Open streamed into anonymous files have no name
// until Finish, which links them and gives them WriteDir's modes, and
// writes the others; without anonymous files (NoAnon) none is streamed
// and Finish writes them all, the same; a file made but not listed as
// written (its content unchecked) makes Finish start the directory
// afresh.
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
		if fi, err := os.Stat(filepath.Join(dir, "big")); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("big/: %v, want mode 0700", err)
		}
	}

	for _, noAnon := range []bool{false, true} {
		what := fmt.Sprintf("noAnon %v", noAnon)
		dir := filepath.Join(t.TempDir(), "new")
		ds, err := NewDirStream(dir)
		if err != nil {
			t.Fatal(err)
		}
		ds.NoAnon = noAnon
		looked := 0
		ds.Stream.AfterWrites = func() { looked++; noNamedContent(t, dir, what) }
		got, _, err := Open(bytes.NewReader(ct), []byte(testPass), ReadOptions{Size: int64(len(ct)), Stream: &ds.Stream})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{false: len(got.Files), true: 0}[noAnon]; len(ds.Stream.Written) != want || looked != 1 {
			t.Errorf("%s: %d files streamed, want %d; AfterWrites called %d times", what, len(ds.Stream.Written), want, looked)
		}
		noNamedContent(t, dir, what+": before Finish")
		if err := ds.Finish(got.Files); err != nil {
			t.Fatal(err)
		}
		check(dir, got.Files)
		ds.Close()
	}

	dir := filepath.Join(t.TempDir(), "new")
	ds, err := NewDirStream(dir)
	if err != nil {
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

// TestDirStreamRefused: a bundle Open refuses (a flipped bit, cut short)
// never had a file with a name in the directory, with anonymous files or
// without; and a checked file whose name was taken meanwhile is an error
// in Finish (linkat never replaces).
func TestDirStreamRefused(t *testing.T) {
	b := bigBundle()
	payload, err := MarshalPayload(b)
	if err != nil {
		t.Fatal(err)
	}
	ct := sealForTest(t, payload)
	flipped := bytes.Clone(ct)
	flipped[len(ct)/2] ^= 1
	for _, c := range []struct {
		name string
		raw  []byte
	}{{"a flipped bit", flipped}, {"cut short", ct[:len(ct)-30]}} {
		for _, noAnon := range []bool{false, true} {
			what := fmt.Sprintf("%s, noAnon %v", c.name, noAnon)
			dir := filepath.Join(t.TempDir(), "new")
			ds, err := NewDirStream(dir)
			if err != nil {
				t.Fatal(err)
			}
			ds.NoAnon = noAnon
			looked := 0
			ds.Stream.AfterWrites = func() { looked++; noNamedContent(t, dir, what) }
			if _, _, err := Open(bytes.NewReader(c.raw), []byte(testPass), ReadOptions{Size: int64(len(ct)), Stream: &ds.Stream}); !errors.Is(err, ErrIntegrity) || looked != 1 {
				t.Errorf("%s: %v (AfterWrites called %d times), want ErrIntegrity", what, err, looked)
			}
			noNamedContent(t, dir, what+": after Open")
			ds.Close()
		}
	}

	dir := filepath.Join(t.TempDir(), "new")
	ds, err := NewDirStream(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	got, _, err := Open(bytes.NewReader(ct), []byte(testPass), ReadOptions{Size: int64(len(ct)), Stream: &ds.Stream})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.pending) == 0 {
		t.Skip("no anonymous files on this filesystem")
	}
	if err := os.WriteFile(filepath.Join(dir, "big", "blob.bin"), []byte("other"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ds.Finish(got.Files); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Finish over a name taken = %v, want EEXIST", err)
	}
}
