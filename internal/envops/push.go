package envops

import (
	"context"
	"fmt"

	"vsync/internal/childenv"
	"vsync/internal/history"
	"vsync/internal/workspace"
	"vsync/vault"
)

// PushOptions are the choices of a push.
type PushOptions struct {
	Note      string
	Author    string // who pushes (workspace.Home.Author)
	MaxBundle int64  // --max-bundle-size; 0: the profile's or the default
	S2KCount  int    // the iterated-S2K count for a chosen passphrase; 0: the default
}

// Pushed is what a push did.
type Pushed struct {
	Gen       uint64
	Files     int  // the files of the generation
	Published bool // current.pgp holds it (else the next push or pull rolls it forward)
}

// Push uploads the env's folder as the next generation: the folder's
// dotenv files must parse and vsync run must be able to start from it,
// its base must be the newest generation and something must have changed
// since (history.CheckBase), and the local state records the generation
// pushed. The files are hashed once, for the manifest: the state's
// records and the unchanged check come from it, and history's Push does
// not hash them again.
func Push(ctx context.Context, e *Env, opts PushOptions) (*Pushed, error) {
	e.limitBundle(opts.MaxBundle)
	files, size, err := readPushable(e)
	if err != nil {
		return nil, err
	}
	st, err := e.Project.LoadState(e.Name)
	if err != nil {
		return nil, err
	}
	tip, cur, err := e.Store.Tip(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the history of %s: %w", e.Location, err)
	}
	b := history.NewGeneration(e.Name, tip, st.PayloadSHA256, opts.Author, opts.Note, files)
	hashes := workspace.ManifestFiles(&b.Manifest)
	base := history.Base{Gen: st.Generation, Unchanged: workspace.SameRecords(st.Files, hashes), Record: e.Project.StatePath(e.Name)}
	if err := history.CheckBase(e.Name, base, tip); err != nil {
		return nil, err
	}
	sopts := history.SealOptions(e.Passphrase, opts.S2KCount, e.Store.MaxSize)
	if !sopts.HighEntropy {
		// A chosen passphrase: this clone's one salt (workspace.LocalState.salt).
		if sopts.Salt, err = st.Salt(); err != nil {
			return nil, err
		}
		sopts.Keys = &e.Keys
	}
	pushed, err := e.Push(ctx, b, cur, sopts, e.Project.VaultDir(), size)
	if err != nil {
		return nil, err
	}
	if err := e.Project.SaveState(&workspace.LocalState{
		Env: e.Name, Vault: e.Location, Generation: pushed.Gen, PayloadSHA256: pushed.Sum, Files: hashes,
		S2KSalt: st.S2KSalt,
	}); err != nil {
		return nil, fmt.Errorf("generation %d was pushed, but recording it locally failed: %w", pushed.Gen, err)
	}
	return &Pushed{Gen: pushed.Gen, Files: len(files), Published: pushed.Published}, nil
}

// readPushable reads the env's folder, and checks that its dotenv files
// parse and that vsync run could start from it. size is the files' bytes.
func readPushable(e *Env) (files []vault.File, size int64, err error) {
	files, err = e.Project.ReadEnvFolder(e.Name)
	if err != nil {
		return nil, 0, err
	}
	if err := history.CheckDotenvs(workspace.VaultDirRel+"/"+e.Name, files); err != nil {
		return nil, 0, err
	}
	if err := childenv.CheckStartable(e.Name, files); err != nil {
		return nil, 0, err
	}
	for _, f := range files {
		size += int64(len(f.Data))
	}
	return files, size, nil
}
