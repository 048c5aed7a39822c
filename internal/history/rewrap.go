package history

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"vsync/s3bundle"
	"vsync/vault"
)

// maxRewrapAttempts bounds how often one object is re-read and rewrapped
// when its conditional PUT keeps losing to other writers.
const maxRewrapAttempts = 8

// Rotation re-wraps the objects of one env's vault, one at a time, from the
// old passphrase to the new one (vault.Rewrap: the data packets are kept).
// Every object it leaves behind opens with one of the two passphrases: an
// object is replaced only by a conditional PUT (If-Match the ETag it read)
// of what vault.Rewrap made of it once the old passphrase opened it whole
// (MDC checked), so a concurrent writer's object is re-read and rewrapped,
// never overwritten.
//
// Rewrapping changes each object's bytes but not its payload, and the
// history's hash chain (a manifest's ParentSHA256) covers payloads, not
// ciphertext, so verify's chain check holds across a rotation unchanged.
type Rotation struct {
	Store    *s3bundle.Store
	Location string // names the vault in messages
	OldPass  []byte
	NewPass  []byte
	NewOpts  vault.SealOptions // the S2K for NewPass, as a push would choose it
	// Base is the newest generation when the rotation (its first run)
	// started, which its pending entry records.
	Base uint64
	// KeptIn, when not empty, names where the new passphrase is kept
	// until the rotation is complete, for UnfinishedRotationError.
	KeptIn string
	// Rewrote, when not nil, runs after each object replaced, with its
	// name ("generation 3", "current.pgp").
	Rewrote func(what string)

	// BeforeFirstWrite runs once, before the first object is replaced: it
	// makes the new passphrase durable (pending entry, printed).
	BeforeFirstWrite func() error
	// AfterWrite, when not nil, runs after each write to the vault (each
	// object replaced, then the record) with the count so far (tests stop
	// the process there).
	AfterWrite func(n int)
	writes     int

	Rewrapped int // objects replaced by this run
	Already   int // objects found to open with the new passphrase already
}

// rewrapObject makes the object at key (named what in messages) open with
// NewPass. One that already does is left alone; a missing one is
// s3bundle.ErrNotExist. When the old passphrase does not open it either,
// the error wraps vault.ErrWrongPassphrase.
func (r *Rotation) rewrapObject(ctx context.Context, key, what string) error {
	for range maxRewrapAttempts {
		data, info, err := ReadObject(ctx, r.Store.Backend, key, r.Store.MaxSize)
		if err != nil {
			return err
		}
		// The old passphrase first: in a rotation that was not interrupted
		// every object needs it, and trying the new one costs another S2K.
		out, err := vault.Rewrap(data, r.OldPass, r.NewPass, r.NewOpts)
		if errors.Is(err, vault.ErrWrongPassphrase) {
			_, err = vault.Decrypt(bytes.NewReader(data), r.NewPass, vault.ReadOptions{Size: int64(len(data))})
			if err == nil {
				r.Already++
				return nil
			}
			if errors.Is(err, vault.ErrWrongPassphrase) {
				return quietWrap(fmt.Sprintf("%s of env %q opens with neither the current passphrase nor the new one", what, r.Store.Env), err)
			}
		}
		if err != nil {
			return fmt.Errorf("%s of env %q: %w", what, r.Store.Env, err)
		}
		if r.Rewrapped == 0 && r.BeforeFirstWrite != nil {
			if err := r.BeforeFirstWrite(); err != nil {
				return err
			}
		}
		_, err = r.Store.Backend.Put(ctx, key, out, s3bundle.PutOptions{IfMatch: info.ETag, Generation: info.Generation})
		if errors.Is(err, s3bundle.ErrConflict) {
			continue // someone wrote it meanwhile: look again
		}
		if err != nil {
			return fmt.Errorf("rewriting %s of env %q: %w", what, r.Store.Env, err)
		}
		r.Rewrapped++
		if r.Rewrote != nil {
			r.Rewrote(what)
		}
		r.wrote()
		return nil
	}
	return fmt.Errorf("%s of env %q kept changing (%d attempts): %w", what, r.Store.Env, maxRewrapAttempts, s3bundle.ErrConflict)
}

// wrote counts a write to the vault and runs AfterWrite.
func (r *Rotation) wrote() {
	r.writes++
	if r.AfterWrite != nil {
		r.AfterWrite(r.writes)
	}
}

// rewrapHistory rewraps, oldest first, every generation not in done, marks
// them done, then rewraps current.pgp (absent only after an interrupted
// first push, which the next Tip repairs from the rewrapped history).
func (r *Rotation) rewrapHistory(ctx context.Context, done map[uint64]bool) error {
	gens, err := r.Store.Generations(ctx)
	if err != nil {
		return fmt.Errorf("listing the generations of env %q: %w", r.Store.Env, err)
	}
	for _, g := range gens {
		if done[g] {
			continue
		}
		if err := r.rewrapObject(ctx, r.Store.GenerationKey(g), fmt.Sprintf("generation %d", g)); err != nil {
			return err
		}
		done[g] = true
	}
	err = r.rewrapObject(ctx, r.Store.CurrentKey(), "current.pgp")
	if errors.Is(err, s3bundle.ErrNotExist) {
		return nil
	}
	return err
}

// ReadObject GETs a whole object, into one buffer of its announced size;
// one over limit (0: none) is refused as s3bundle.LimitObject refuses it.
func ReadObject(ctx context.Context, be s3bundle.Backend, key string, limit int64) ([]byte, s3bundle.ObjectInfo, error) {
	rc, info, err := be.Get(ctx, key)
	if err != nil {
		return nil, s3bundle.ObjectInfo{}, err
	}
	if rc, err = s3bundle.LimitObject(rc, info, limit); err != nil {
		return nil, s3bundle.ObjectInfo{}, err
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, max(info.Size, 0)+bytes.MinRead))
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, s3bundle.ObjectInfo{}, fmt.Errorf("reading %s: %w", key, err)
	}
	return buf.Bytes(), info, nil
}
