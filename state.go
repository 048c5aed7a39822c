package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"vsync/vault"
)

// Local state, one file per env: infra/vault/.vsync/ENV.json (0600, in a
// 0700 directory; infra/vault/ is gitignored and ".vsync" can never be an
// env name). It records the generation the env's folder is based on — the
// last one pushed from or pulled into it — that generation's payload
// SHA-256 (the next push's ParentSHA256), and the hash of every file as it
// was on disk right after that push or pull. push uses it to refuse a stale
// base and to notice that nothing changed; pull uses it to refuse to
// overwrite local edits that were never pushed.

// localState is the content of infra/vault/.vsync/ENV.json.
type localState struct {
	Env           string      `json:"env"`
	Vault         string      `json:"vault"` // the vault's location, for people reading the file
	Generation    uint64      `json:"generation"`
	PayloadSHA256 string      `json:"payload_sha256,omitempty"`
	Files         []stateFile `json:"files"`
	// S2KSalt is the S2K salt (hex) this clone seals with under a chosen
	// passphrase, drawn at its first push and kept by pulls, so that a
	// history costs one key derivation per clone that pushed, not one per
	// generation (see docs/format.md). Not a secret.
	S2KSalt string `json:"s2k_salt,omitempty"`
}

// salt returns the clone's S2K salt, or a new one when the state holds
// none (or not one of vault.SaltLen bytes), which it records in s.
func (s *localState) salt() ([]byte, error) {
	if b, err := hex.DecodeString(s.S2KSalt); err == nil && len(b) == vault.SaltLen {
		return b, nil
	}
	b, err := vault.NewSalt()
	if err != nil {
		return nil, err
	}
	s.S2KSalt = hex.EncodeToString(b)
	return b, nil
}

// stateFile is a file's recorded hash and mode.
type stateFile struct {
	Path   string      `json:"path"`
	Mode   fs.FileMode `json:"mode"`
	SHA256 string      `json:"sha256"`
}

func statePath(p *project, env string) string {
	return filepath.Join(p.vaultDir(), ".vsync", env+".json")
}

// loadState returns the env's local state; one that was never written is
// the zero state (generation 0, no files).
func loadState(p *project, env string) (*localState, error) {
	path := statePath(p, env)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &localState{Env: env}, nil
	}
	if err != nil {
		return nil, err
	}
	var s localState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, withCode(fmt.Errorf("local state %q is malformed", path), exitConfig,
			"remove it; the next pull records it again")
	}
	if s.Env != env {
		return nil, withCode(fmt.Errorf("local state %q belongs to env %q", path, s.Env), exitConfig,
			"remove it; the next pull records it again")
	}
	return &s, nil
}

// saveState writes the env's local state atomically.
func saveState(p *project, s *localState) error {
	dir := filepath.Join(p.vaultDir(), ".vsync")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(statePath(p, s.Env), append(data, '\n'), 0o600)
}

// hashFiles returns the state records of files.
func hashFiles(files []vault.File) []stateFile {
	out := make([]stateFile, 0, len(files))
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		out = append(out, stateFile{Path: f.Path, Mode: f.Mode.Perm(), SHA256: hex.EncodeToString(sum[:])})
	}
	return out
}

// manifestFiles returns the state records of the files a manifest lists,
// from its digests (checked against the files when the bundle was opened
// or made), without hashing anything.
func manifestFiles(m *vault.Manifest) []stateFile {
	out := make([]stateFile, len(m.Files))
	for i, e := range m.Files {
		out[i] = stateFile{Path: e.Path, Mode: e.Mode, SHA256: e.SHA256}
	}
	return out
}

// sameFiles reports whether the files on disk are exactly the recorded
// ones: same paths, modes and content.
func sameFiles(recorded []stateFile, files []vault.File) bool {
	return sameRecords(recorded, hashFiles(files))
}

// sameRecords reports whether two sets of state records are the same, in
// any order.
func sameRecords(recorded, now []stateFile) bool {
	if len(now) != len(recorded) {
		return false
	}
	want := map[string]stateFile{}
	for _, f := range recorded {
		want[f.Path] = f
	}
	for _, f := range now {
		if want[f.Path] != f {
			return false
		}
	}
	return true
}
