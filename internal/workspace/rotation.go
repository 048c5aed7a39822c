package workspace

import (
	"bytes"
	"fmt"
)

// The local side of a passphrase rotation (vsync rotate-passphrase): the
// pending entry (pending.go) while it runs, the store and the local state
// once it is complete.

// FinishRotation drops the pending entry of env's rotation to pass, the
// current passphrase: the last run stored pass but died before dropping
// the entry, so the rotation is complete. Only the store tells: when it
// does not hold pass, VSYNC_PASSPHRASE(_FILE) gave the new passphrase
// while objects may still need the old one, an ErrPendingFromEnv.
func (h Home) FinishRotation(location, env string, pass []byte) error {
	if !h.isStored(location, env, pass) {
		return kindErrorf(ErrPendingFromEnv, "VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE give the new passphrase of the unfinished rotation of env %q", env)
	}
	return h.RemovePendingRotation(location, env)
}

// isStored reports whether the local store holds pass for the vault.
func (h Home) isStored(location, env string, pass []byte) bool {
	path, err := h.PassphrasePath(location, env)
	if err != nil {
		return false
	}
	stored, err := ReadPassphraseFile(path)
	return err == nil && bytes.Equal(stored, pass)
}

// CompleteRotation stores newPass, the passphrase every object of the
// vault opens with now, and drops the pending entry.
func (h Home) CompleteRotation(location, env string, newPass []byte) error {
	if err := h.StorePassphrase(location, env, newPass); err != nil {
		return fmt.Errorf("the rotation is complete, but storing the new passphrase failed (it is still in the pending entry): %w", err)
	}
	return h.RemovePendingRotation(location, env)
}

// AdvanceState moves env's local state from generation from, rotated, to
// generation to (payload SHA-256 sum), which records the rotation and
// holds the same files, so that the next push from this folder is not
// refused as based on an old generation. A state based on another
// generation is left alone.
func (p *Project) AdvanceState(env string, from, to uint64, sum string) error {
	st, err := p.LoadState(env)
	if err != nil {
		return err
	}
	if st.Generation != from {
		return nil
	}
	st.Generation, st.PayloadSHA256 = to, sum
	if err := p.SaveState(st); err != nil {
		return fmt.Errorf("the rotation is complete, but recording generation %d locally failed: %w", to, err)
	}
	return nil
}
