package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// ensureGitignore appends the patterns missing from dir/.gitignore.
func ensureGitignore(dir string, patterns ...string) error {
	path := filepath.Join(dir, ".gitignore")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	have := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		have[strings.TrimPrefix(l, "/")] = true
	}
	var add []string
	for _, p := range patterns {
		if !have[p] && !have[strings.TrimSuffix(p, "/")] {
			add = append(add, p)
		}
	}
	if len(add) == 0 {
		return nil
	}
	out := string(data)
	if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	if !have["# vsync: secrets stay out of git"] {
		out += "# vsync: secrets stay out of git\n"
	}
	out += strings.Join(add, "\n") + "\n"
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	return WriteFileAtomic(path, []byte(out), mode)
}
