package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The local passphrase store: one file per vault, 0600, in
// $XDG_CONFIG_HOME/vsync/passphrases/ (0700). A vault is named by its
// location (profile location + prefix + env), so the prod envs of two
// projects never share an entry, and two profiles that point at the same
// bucket do. The file holds the passphrase and a newline, so it can be
// given to gpg --passphrase-file or VSYNC_PASSPHRASE_FILE as it is.

// vaultKey names a vault for the passphrase store and for messages:
// "s3://bucket/prefix/env at https://endpoint", "dir:/path/prefix/env".
func vaultKey(p profile, prefix, env string) string {
	k := p.location() + "/"
	if prefix != "" {
		k += prefix + "/"
	}
	return k + env + p.endpointNote()
}

// passphraseStorePath is the store file of a vault.
func passphraseStorePath(sys *sysEnv, key, env string) (string, error) {
	d, err := configDir(sys)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(d, "passphrases", env+"-"+hex.EncodeToString(sum[:12])), nil
}

// storePassphrase saves a vault's passphrase in the local store.
func storePassphrase(sys *sysEnv, key, env string, pass []byte) error {
	path, err := passphraseStorePath(sys, key, env)
	if err != nil {
		return err
	}
	return writePassphraseFile(sys, path, pass)
}

// writePassphraseFile atomically writes pass and a newline to path (0600)
// in the store's directory, creating it (0700) if needed.
func writePassphraseFile(sys *sysEnv, path string, pass []byte) error {
	if _, err := ensureConfigDir(sys, "passphrases"); err != nil {
		return err
	}
	return writeFileAtomic(path, append(append([]byte{}, pass...), '\n'), 0o600)
}

// readPassphraseFile returns the first line of a passphrase file, as gpg's
// --passphrase-file does. It never quotes the content in errors.
func readPassphraseFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return nil, configErrorf("passphrase file %q is empty", path)
	}
	return []byte(line), nil
}

// passphraseFromEnv returns VSYNC_PASSPHRASE, or the content of
// VSYNC_PASSPHRASE_FILE, or nil when neither is set.
func passphraseFromEnv(sys *sysEnv) ([]byte, error) {
	if p := sys.Getenv("VSYNC_PASSPHRASE"); p != "" {
		return []byte(p), nil
	}
	if f := sys.Getenv("VSYNC_PASSPHRASE_FILE"); f != "" {
		p, err := readPassphraseFile(f)
		if err != nil {
			return nil, fmt.Errorf("VSYNC_PASSPHRASE_FILE: %w", err)
		}
		return p, nil
	}
	return nil, nil
}

// resolvePassphrase returns the passphrase of a vault: VSYNC_PASSPHRASE,
// else VSYNC_PASSPHRASE_FILE, else the local store.
func resolvePassphrase(sys *sysEnv, key, env string) ([]byte, error) {
	p, err := passphraseFromEnv(sys)
	if err != nil || p != nil {
		return p, err
	}
	path, err := passphraseStorePath(sys, key, env)
	if err != nil {
		return nil, err
	}
	p, err = readPassphraseFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, withCode(configErrorf("no passphrase for env %q (%s)", env, key), exitConfig,
			fmt.Sprintf("set VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE, or store it with \"vsync passphrase set %s\"", env))
	}
	return p, err
}

// A rotation in progress (vsync rotate-passphrase) keeps its new passphrase
// as a pending entry beside the vault's store file, "<file>.pending" (0600):
// the passphrase on the first line (so the file still works as a
// --passphrase-file), then "base N", N being the newest generation when the
// rotation started. It is written before the first object is rewritten and
// removed once the rotation is complete and the new passphrase became the
// stored one. A rerun of the rotation picks it up, so that an interrupted
// rotation to a generated passphrase can be finished without it being typed
// again. resolvePassphrase never reads it.

// pendingRotation is the content of a pending entry.
type pendingRotation struct {
	Pass []byte
	Base uint64 // the newest generation when the rotation started
}

// pendingPassphrasePath is the pending entry of a vault.
func pendingPassphrasePath(sys *sysEnv, key, env string) (string, error) {
	p, err := passphraseStorePath(sys, key, env)
	if err != nil {
		return "", err
	}
	return p + ".pending", nil
}

// storePendingRotation saves the pending entry of a rotation in progress.
func storePendingRotation(sys *sysEnv, key, env string, pr pendingRotation) error {
	path, err := pendingPassphrasePath(sys, key, env)
	if err != nil {
		return err
	}
	return writePassphraseFile(sys, path, fmt.Appendf(append([]byte{}, pr.Pass...), "\nbase %d", pr.Base))
}

// loadPendingRotation returns the pending entry of an unfinished rotation,
// or nil when there is none.
func loadPendingRotation(sys *sysEnv, key, env string) (*pendingRotation, error) {
	path, err := pendingPassphrasePath(sys, key, env)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	pass, rest, _ := strings.Cut(string(data), "\n")
	pr := &pendingRotation{Pass: []byte(strings.TrimSuffix(pass, "\r"))}
	if _, err := fmt.Sscanf(rest, "base %d", &pr.Base); err != nil || len(pr.Pass) == 0 {
		return nil, configErrorf("the pending passphrase entry %q is malformed", path)
	}
	return pr, nil
}

// removePendingRotation removes the pending entry; a missing one is fine.
func removePendingRotation(sys *sysEnv, key, env string) error {
	path, err := pendingPassphrasePath(sys, key, env)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
