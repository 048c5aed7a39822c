package history

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"vsync/vault"
)

// NewRotation is the rotation of e from its passphrase to newPass (a
// resumed one when resume is not nil). The new objects seal as a push
// would (SealOptions, s2kCount), under one salt for every object when
// newPass is chosen, so that the rotation and every later read of the
// history derive the new key once (see docs/format.md); both
// passphrases' keys are cached in e.Keys. Its Base is resume's, else the
// env's newest generation. A newPass equal to the current one is an
// ErrSamePassphrase; an env with nothing pushed a *NothingPushedError.
func (e *Env) NewRotation(ctx context.Context, newPass []byte, s2kCount int, resume *Resume) (*Rotation, error) {
	env := e.Store.Env
	if bytes.Equal(newPass, e.Passphrase) {
		return nil, quietWrap(fmt.Sprintf("the new passphrase of env %q is the current one", env), ErrSamePassphrase)
	}
	gens, err := e.Generations(ctx)
	if err != nil {
		return nil, err
	}
	opts := SealOptions(newPass, s2kCount, e.Store.MaxSize)
	opts.Keys = &e.Keys
	if !opts.HighEntropy {
		if opts.Salt, err = vault.NewSalt(); err != nil {
			return nil, err
		}
	}
	r := &Rotation{Store: e.Store, Location: e.Location, OldPass: e.Passphrase, NewPass: newPass, NewOpts: opts, Base: gens[len(gens)-1]}
	if resume != nil {
		r.Base = resume.Base
	}
	return r, nil
}

// stopped is the error of a rotation that stopped on err: an
// *UnfinishedRotationError once objects were rewritten, else a
// *NothingChangedError, unless err says already that nothing changed
// (ErrAlreadyRotated), that a rerun finishes (ErrRotationRaced), or that
// a stored object did not open (an *EnvError: nothing was written).
func (r *Rotation) stopped(err error) error {
	if r.Rewrapped > 0 {
		return &UnfinishedRotationError{Env: r.Store.Env, Rewrapped: r.Rewrapped, KeptIn: r.KeptIn, Err: err}
	}
	var ee *EnvError
	switch {
	case errors.Is(err, ErrAlreadyRotated), errors.Is(err, ErrRotationRaced):
		return err
	case errors.As(err, &ee) && (errors.Is(err, vault.ErrWrongPassphrase) || IsTooLarge(err) || isDamaged(err)):
		return err
	}
	return &NothingChangedError{Env: r.Store.Env, Err: err}
}

// isDamaged matches a stored object that is damaged or was tampered with.
func isDamaged(err error) bool {
	return errors.Is(err, vault.ErrIntegrity) || errors.Is(err, vault.ErrUnsafePath) || errors.Is(err, vault.ErrManifest)
}
