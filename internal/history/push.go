package history

import (
	"context"
	"errors"
	"fmt"
	"path"

	"vsync/internal/memlimit"
	"vsync/s3bundle"
	"vsync/vault"
)

// CheckDotenvs parses every dotenv file (IsDotenv) of files, the env's
// folder, which dir names (relative to the project, slash-separated); a
// syntax error names dir/PATH and the line, and is ErrBadDotenv and the
// *vault.SyntaxError.
func CheckDotenvs(dir string, files []vault.File) error {
	for _, f := range files {
		if !IsDotenv(f.Path) {
			continue
		}
		if _, err := vault.ParseDotenv(path.Join(dir, f.Path), f.Data, nil); err != nil {
			return quietWrap(err.Error(), ErrBadDotenv, err)
		}
	}
	return nil
}

// Pushed is a generation Push stored.
type Pushed struct {
	Gen       uint64
	Sum       string // the payload's SHA-256
	Published bool   // current.pgp holds it (else the next Tip rolls it forward)
}

// Push encrypts b, the next generation (NewGeneration on the tip cur
// describes, its files unchanged since), in about one bundle of memory
// (SealSpooled, in spoolDir; filesSize is the size of b's files) and
// commits it. The files' content is let go of as it is encrypted (the
// Data of b.Files is nil after Push), and not hashed again (opts'
// ReleaseFiles and ManifestFresh are set). A bundle over
// opts.MaxSize is ErrPushTooLarge; a generation number taken meanwhile is
// *PushConflictError. Nothing is stored in either case.
func (e *Env) Push(ctx context.Context, b *vault.Bundle, cur s3bundle.ObjectInfo, opts vault.SealOptions, spoolDir string, filesSize int64) (Pushed, error) {
	env, gen := e.Store.Env, b.Manifest.Generation
	// The files are held already, and the bundle replaces them
	// (SealSpooled): the collector need only keep the encryption's garbage
	// in check.
	memlimit.Bound(min(filesSize, 32<<20))
	opts.ReleaseFiles, opts.ManifestFresh = true, true
	ct, sum, ctSum, err := SealSpooled(spoolDir, b, e.Passphrase, opts, filesSize)
	if IsTooLarge(err) {
		return Pushed{}, quietWrap(fmt.Sprintf("env %q: %s; nothing pushed", env, err), ErrPushTooLarge, err)
	}
	if err != nil {
		return Pushed{}, fmt.Errorf("encrypting env %q: %w", env, err)
	}
	p := Pushed{Gen: gen, Sum: sum, Published: true}
	if err := e.Store.CommitHashed(ctx, gen, ct, ctSum, cur); err != nil {
		switch {
		case errors.Is(err, s3bundle.ErrNotPublished):
			// The generation is stored (the commit point passed) but
			// current.pgp still names an older one: the push counts, and
			// the next push, pull or diff rolls current.pgp forward.
			p.Published = false
		case errors.Is(err, s3bundle.ErrConflict):
			return Pushed{}, &PushConflictError{Env: env, Gen: gen, Err: err}
		default:
			return Pushed{}, fmt.Errorf("pushing generation %d of env %q to %s: %w", gen, env, e.Location, err)
		}
	}
	return p, nil
}
