package history

import (
	"context"
	"errors"
	"fmt"

	"vsync/s3bundle"
	"vsync/vault"
)

// RotationNote is the note of the generation that records a rotation.
const RotationNote = "rotate passphrase"

// maxRotateRounds bounds how often the rotation starts over because other
// pushes keep adding generations.
const maxRotateRounds = 8

// Record is the generation that records a rotation.
type Record struct {
	Gen       uint64
	Parent    uint64
	Sum       string // its payload's SHA-256; empty when an earlier run pushed it
	Published bool   // current.pgp holds it
}

// Resume is what an earlier, interrupted run of the same rotation left:
// the newest generation when it started.
type Resume struct {
	Base uint64
}

// Run rewraps the whole history and current.pgp, then commits the
// generation that records the rotation (same files, RotationNote, by
// author); when another push took that generation number meanwhile (with
// the old passphrase), it rewraps the new generations and tries again. A
// resumed rotation (resume not nil) whose record an earlier run already
// pushed (the newest generation is a rotation record newer than the
// rotation's base, and no generation needed rewrapping) pushes no second
// one. A rotation that finds every object rewrapped already, not resuming,
// is ErrAlreadyRotated; one that keeps losing to pushes ErrRotationRaced.
// A run that stops after rewriting objects is an
// *UnfinishedRotationError, one that stops before a *NothingChangedError
// unless its error says so already (stopped).
func (r *Rotation) Run(ctx context.Context, author string, resume *Resume) (Record, error) {
	rec, err := r.run(ctx, author, resume)
	if err != nil {
		return Record{}, r.stopped(err)
	}
	return rec, nil
}

// run is Run before its error is explained.
func (r *Rotation) run(ctx context.Context, author string, resume *Resume) (Record, error) {
	env := r.Store.Env
	done := map[uint64]bool{}
	for range maxRotateRounds {
		if err := r.rewrapHistory(ctx, done); err != nil {
			return Record{}, err
		}
		tip, cur, err := r.Store.Tip(ctx)
		if err != nil {
			return Record{}, fmt.Errorf("reading the history of %s: %w", r.Location, err)
		}
		if !done[tip] {
			continue // generations were pushed meanwhile
		}
		b, sum, err := Fetch(ctx, r.Store, r.NewPass, r.NewOpts.Keys, tip)
		if err != nil {
			return Record{}, err
		}
		switch {
		case r.Rewrapped == 0 && resume == nil:
			return Record{}, &EnvError{Env: env, Err: quietWrap(fmt.Sprintf(
				"every object of env %q already opens with the new passphrase, so the current one opens none; nothing was changed", env),
				ErrAlreadyRotated, vault.ErrWrongPassphrase)}
		case resume != nil && r.Rewrapped == 0 && tip > resume.Base && b.Manifest.Note == RotationNote:
			return Record{Gen: tip, Parent: tip - 1, Published: true}, nil
		}
		rec, taken, err := r.record(ctx, tip, sum, cur, author, b.Files)
		if taken {
			continue // a push with the old passphrase took the number: rewrap it too
		}
		return rec, err
	}
	return Record{}, &EnvError{Env: env, Err: quietWrap(fmt.Sprintf(
		"env %q kept getting new generations during the rotation (%d rounds)", env, maxRotateRounds), ErrRotationRaced)}
}

// record commits generation tip+1 holding files under the new passphrase,
// with cur the current.pgp the commit replaces. taken reports a number
// taken meanwhile (nothing was written).
func (r *Rotation) record(ctx context.Context, tip uint64, sum string, cur s3bundle.ObjectInfo, author string, files []vault.File) (rec Record, taken bool, err error) {
	env := r.Store.Env
	ct, newSum, err := vault.Seal(NewGeneration(env, tip, sum, author, RotationNote, files), r.NewPass, r.NewOpts)
	if err != nil {
		return Record{}, false, fmt.Errorf("encrypting env %q: %w", env, err)
	}
	rec = Record{Gen: tip + 1, Parent: tip, Sum: newSum, Published: true}
	err = r.Store.Commit(ctx, rec.Gen, ct, cur)
	if err == nil || errors.Is(err, s3bundle.ErrNotPublished) {
		r.wrote()
	}
	switch {
	case errors.Is(err, s3bundle.ErrNotPublished):
		rec.Published = false
	case errors.Is(err, s3bundle.ErrConflict):
		return Record{}, true, nil
	case err != nil:
		return Record{}, false, fmt.Errorf("recording the rotation as generation %d of env %q: %w", rec.Gen, env, err)
	}
	if !rec.Published {
		// current.pgp may still hold an older generation a concurrent
		// push put there with the old passphrase.
		if err := r.rewrapObject(ctx, r.Store.CurrentKey(), "current.pgp"); err != nil && !errors.Is(err, s3bundle.ErrNotExist) {
			return Record{}, false, err
		}
	}
	return rec, false, nil
}
