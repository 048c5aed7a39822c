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
	return h.xdgDir("XDG_CONFIG_HOME", ".config", "config")
}

// CacheDir is $XDG_CACHE_HOME/vsync, default ~/.cache/vsync: what vsync
// keeps only to be quicker (`vsync log`'s entries), which may be deleted
// at any time.
func (h Home) CacheDir() (string, error) {
	return h.xdgDir("XDG_CACHE_HOME", ".cache", "cache")
}

// xdgDir is $variable/vsync when variable is an absolute path, else
// ~/home/vsync; what names the directory in the error when there is no
// home.
func (h Home) xdgDir(variable, home, what string) (string, error) {
	base := h.Getenv(variable)
	if base == "" || !filepath.IsAbs(base) {
		dir := h.Getenv("HOME")
		if dir == "" {
			d, err := os.UserHomeDir()
			if err != nil {
				return "", configErrorf("cannot find the %s directory: set %s or HOME", what, variable)
			}
			dir = d
		}
		base = filepath.Join(dir, home)
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
