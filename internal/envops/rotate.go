package envops

import (
	"bytes"
	"context"
	"fmt"

	"vsync/internal/history"
	"vsync/internal/workspace"
)

// RotateOptions are the choices and callbacks of a passphrase rotation.
type RotateOptions struct {
	// Given: the operator gave the new passphrase (not the pending one).
	Given bool
	// Choose returns the new passphrase, given the pending entry of an
	// unfinished rotation (nil when none): the one given, else the
	// pending one, else one typed or generated.
	Choose   func(pending *workspace.PendingRotation) ([]byte, error)
	Author   string // who records the rotation (workspace.Home.Author)
	S2KCount int    // the iterated-S2K count for a chosen passphrase; 0: the default
	// Rewrote, when not nil, is told each object rewrapped.
	Rewrote func(what string)
	// Saved, when not nil, is called once the new passphrase is kept in
	// the pending entry, before the first object is rewritten.
	Saved func()
	// AfterWrite, when not nil, is told the number of writes to the
	// vault so far after each (history.Rotation.AfterWrite).
	AfterWrite func(writes int)
}

// Rotated is what a rotation did.
type Rotated struct {
	// AlreadyComplete: the pending rotation had finished but for dropping
	// its entry; nothing else was done.
	AlreadyComplete bool
	Rewrapped       int // objects rewrapped by this run
	Already         int // objects an earlier run had rewrapped
	Gen             uint64
	Published       bool // current.pgp holds the generation recording it
	// EnvGivesOld: VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE is set and
	// takes precedence over the stored (new) passphrase.
	EnvGivesOld bool
}

// Rotate rewraps every object of the env under a new passphrase
// (history.Rotation), resuming the pending rotation when the new
// passphrase is the pending one. The local store keeps the new
// passphrase as a pending entry before the first write and as the stored
// one once the rotation is complete; the local state moves to the
// generation recording the rotation.
func Rotate(ctx context.Context, e *Env, opts RotateOptions) (*Rotated, error) {
	h, loc := e.Home, e.Location
	pending, err := h.LoadPendingRotation(loc, e.Name)
	if err != nil {
		return nil, err
	}
	newPass, err := opts.Choose(pending)
	if err != nil {
		return nil, err
	}
	var resume *history.Resume
	switch {
	case !opts.Given && pending != nil && bytes.Equal(newPass, e.Passphrase):
		if err := h.FinishRotation(loc, e.Name, newPass); err != nil {
			return nil, err
		}
		return &Rotated{AlreadyComplete: true}, nil
	case pending != nil && bytes.Equal(pending.Pass, newPass):
		resume = &history.Resume{Base: pending.Base}
	}
	r, err := e.NewRotation(ctx, newPass, opts.S2KCount, resume)
	if err != nil {
		return nil, err
	}
	r.KeptIn, _ = h.PendingPath(loc, e.Name)
	r.Rewrote = opts.Rewrote
	r.AfterWrite = opts.AfterWrite
	r.BeforeFirstWrite = func() error {
		if err := h.StorePendingRotation(loc, e.Name, workspace.PendingRotation{Pass: newPass, Base: r.Base}); err != nil {
			return fmt.Errorf("saving the new passphrase before rotating: %w", err)
		}
		if opts.Saved != nil {
			opts.Saved()
		}
		return nil
	}
	rec, err := r.Run(ctx, opts.Author, resume)
	if err != nil {
		return nil, err
	}
	return complete(e, newPass, r, rec)
}

// complete keeps newPass as the stored passphrase and moves the local
// state to rec, the generation recording the rotation r.
func complete(e *Env, newPass []byte, r *history.Rotation, rec history.Record) (*Rotated, error) {
	if err := e.Home.CompleteRotation(e.Location, e.Name, newPass); err != nil {
		return nil, err
	}
	if rec.Sum != "" {
		if err := e.Project.AdvanceState(e.Name, rec.Parent, rec.Gen, rec.Sum); err != nil {
			return nil, err
		}
	}
	fromEnv, _ := e.Home.PassphraseFromEnv()
	return &Rotated{Rewrapped: r.Rewrapped, Already: r.Already, Gen: rec.Gen, Published: rec.Published, EnvGivesOld: fromEnv != nil}, nil
}
