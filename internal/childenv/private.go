package childenv

import (
	"errors"
	"fmt"
	"path/filepath"

	"vsync/launcher"
	"vsync/vault"
)

// WriteFiles writes files into d as private files.
func WriteFiles(d *launcher.PrivateDir, files []vault.File) error {
	for _, f := range files {
		if _, err := d.WriteFile(f.Path, f.Data); err != nil {
			return fmt.Errorf("private file %q: %w", f.Path, err)
		}
	}
	return nil
}

// FreshLayout writes files into a new private directory beside cur: what
// a restart of --watch switches to when the files of a generation cannot,
// or need not, replace the current ones in place. On failure it leaves
// nothing behind.
func FreshLayout(cur *launcher.PrivateDir, files []vault.File) (*launcher.PrivateDir, error) {
	if cur == nil {
		return nil, errors.New("no private directory")
	}
	d, err := launcher.NewPrivateDir(filepath.Dir(cur.Path()))
	if err != nil {
		return nil, fmt.Errorf("private files: %w", err)
	}
	if err := WriteFiles(d, files); err != nil {
		_ = d.Remove()
		return nil, err
	}
	return d, nil
}
