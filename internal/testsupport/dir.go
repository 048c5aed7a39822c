package testsupport

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Names lists the entries of dir, hidden ones included.
func Names(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// NoNamedContent fails t when a regular file with content has a name
// anywhere under dir: what a streamed read of a bundle must not leave
// before the bundle was checked (its files are anonymous until then).
func NoNamedContent(t testing.TB, dir, what string) {
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
