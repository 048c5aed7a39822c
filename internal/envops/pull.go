package envops

import (
	"context"
	"fmt"
	"os"

	"vsync/internal/childenv"
	"vsync/internal/workspace"
	"vsync/vault"
)

// PullOptions are the choices of a pull.
type PullOptions struct {
	Generation uint64 // 0: the newest
	Force      bool   // overwrite local edits that were never pushed
	MaxBundle  int64  // --max-bundle-size; 0: the profile's or the default
	// stageTest, when not nil, is given the stage a pull of the newest
	// streams into, before the fetch (tests).
	stageTest func(*vault.DirStream)
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
		b     *vault.Bundle
		sum   string
		stage *workspace.PullStage
	)
	if opts.Generation != 0 {
		b, sum, err = e.Fetch(ctx, opts.Generation)
	} else {
		// The new folder is staged before the fetch, so that a big
		// bundle's files are written as it is decrypted; the stage is
		// removed unless the bundle checks out and replaces the folder.
		stage = e.earlyStage()
		defer stage.Discard()
		if stage != nil && opts.stageTest != nil {
			opts.stageTest(stage.Files())
		}
		b, sum, err = e.FetchNewestTo(ctx, stage.Stream())
	}
	if err != nil {
		return nil, err
	}
	if err := childenv.CheckStartable(e.Name, b.Files); err != nil {
		return nil, fmt.Errorf("generation %d: %w", b.Manifest.Generation, err)
	}
	written, err := e.Project.ReplaceEnvFolderStaged(e.Name, b, st.Files, opts.Force, stage)
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

// earlyStage is a pull's staging directory made before the fetch, or nil
// (staged after it, as without) when the project has no vault folder yet
// (a pull that fails must not leave one) or the stage cannot be made.
func (e *Env) earlyStage() *workspace.PullStage {
	if fi, err := os.Stat(e.Project.VaultDir()); err != nil || !fi.IsDir() {
		return nil
	}
	st, err := e.Project.NewPullStage(e.Name)
	if err != nil {
		return nil
	}
	return st
}
