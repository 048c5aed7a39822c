package export

import (
	"fmt"
	"os"
	"path/filepath"

	"vsync/internal/workspace"
)

// Write writes files into dir (created when missing) and returns the
// paths written, in order, also when it fails part-way. Each file is a
// new temporary file renamed into place: a symlink planted at its name is
// replaced, never followed.
func Write(dir string, files []File) (written []string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export directory %q: %w", dir, err)
	}
	for _, f := range files {
		p := filepath.Join(dir, f.Name)
		if err := workspace.WriteFileAtomic(p, f.Data, 0o644); err != nil {
			return written, fmt.Errorf("export: %w", err)
		}
		written = append(written, p)
	}
	return written, nil
}
