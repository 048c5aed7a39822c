package envops

import (
	"context"
	"fmt"

	"vsync/internal/childenv"
	"vsync/internal/workspace"
	"vsync/vault"
)

// PullOptions are the choices of a pull.
type PullOptions struct {
	Generation uint64 // 0: the newest
	Force      bool   // overwrite local edits that were never pushed
	MaxBundle  int64  // --max-bundle-size; 0: the profile's or the default
}

// Pulled is what a pull did.
type Pulled struct {
	Gen   uint64
	Files int
}

// Pull fetches and checks a generation in full (vsync run must be able
// to start from it), then replaces the env's folder with its files
// (workspace.Project.ReplaceEnvFolder: local edits never pushed are kept
// unless Force) and records it in the local state.
func Pull(ctx context.Context, e *Env, opts PullOptions) (*Pulled, error) {
	e.limitBundle(opts.MaxBundle)
	st, err := e.Project.LoadState(e.Name)
	if err != nil {
		return nil, err
	}
	var (
		b   *vault.Bundle
		sum string
	)
	if opts.Generation != 0 {
		b, sum, err = e.Fetch(ctx, opts.Generation)
	} else {
		b, sum, err = e.FetchNewest(ctx)
	}
	if err != nil {
		return nil, err
	}
	if err := childenv.CheckStartable(e.Name, b.Files); err != nil {
		return nil, fmt.Errorf("generation %d: %w", b.Manifest.Generation, err)
	}
	written, err := e.Project.ReplaceEnvFolder(e.Name, b, st.Files, opts.Force)
	if err != nil {
		return nil, err
	}
	if err := e.Project.SaveState(&workspace.LocalState{
		Env: e.Name, Vault: e.Location, Generation: b.Manifest.Generation, PayloadSHA256: sum, Files: written,
		S2KSalt: st.S2KSalt,
	}); err != nil {
		return nil, err
	}
	return &Pulled{Gen: b.Manifest.Generation, Files: len(b.Files)}, nil
}
