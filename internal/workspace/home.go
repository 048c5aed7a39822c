package workspace

import (
	"os"
	"path/filepath"
)

// Home is the operator's side of the workspace: the configuration
// directory ($XDG_CONFIG_HOME/vsync, default ~/.config/vsync) holding
// profiles.toml and the passphrase store, and the passphrase variables
// (VSYNC_PASSPHRASE, VSYNC_PASSPHRASE_FILE). Getenv is how it reads the
// environment (os.Getenv, or a test's).
type Home struct {
	Getenv func(string) string
}

// ConfigDir is $XDG_CONFIG_HOME/vsync, default ~/.config/vsync.
func (h Home) ConfigDir() (string, error) {
	base := h.Getenv("XDG_CONFIG_HOME")
	if base == "" || !filepath.IsAbs(base) {
		home := h.Getenv("HOME")
		if home == "" {
			d, err := os.UserHomeDir()
			if err != nil {
				return "", configErrorf("cannot find the config directory: set XDG_CONFIG_HOME or HOME")
			}
			home = d
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "vsync"), nil
}

// ensureConfigDir creates the config directory, or sub in it, 0700.
func (h Home) ensureConfigDir(sub ...string) (string, error) {
	d, err := h.ConfigDir()
	if err != nil {
		return "", err
	}
	d = filepath.Join(append([]string{d}, sub...)...)
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", err
	}
	return d, nil
}
