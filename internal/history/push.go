package history

import (
	"context"
	"errors"
	"fmt"
	"io"
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
// describes, its files unchanged since), in about one bundle of memory,
// and commits it: into Store.CommitStream when the backend streams (a big
// bundle is uploaded in parts while it is encrypted), else sealed into a
// spool file first (SealSpooled, in spoolDir); filesSize is the size of
// b's files. The files' content is let go of as it is encrypted (the
// Data of b.Files is nil after Push), and not hashed again (opts'
// ReleaseFiles and ManifestFresh are set). A bundle over
// opts.MaxSize is ErrPushTooLarge; a generation number taken meanwhile is
// *PushConflictError. Nothing is stored in either case.
func (e *Env) Push(ctx context.Context, b *vault.Bundle, cur s3bundle.ObjectInfo, opts vault.SealOptions, spoolDir string, filesSize int64) (Pushed, error) {
	env, gen := e.Store.Env, b.Manifest.Generation
	// The files are held already, and the bundle replaces them (spooled)
	// or only the parts being uploaded are held beside them (streamed):
	// the collector need only keep that and the encryption's garbage in
	// check.
	opts.ReleaseFiles, opts.ManifestFresh = true, true
	var sum string
	var err error
	if e.Store.Streams() {
		memlimit.Bound(min(filesSize, s3bundle.StreamMemory+streamGarbage))
		sum, err = e.pushStreamed(ctx, b, cur, opts, filesSize)
	} else {
		memlimit.Bound(min(filesSize, 32<<20))
		sum, err = e.pushSpooled(ctx, b, cur, opts, spoolDir, filesSize)
	}
	var se *sealError
	if errors.As(err, &se) {
		if IsTooLarge(se.err) {
			return Pushed{}, quietWrap(fmt.Sprintf("env %q: %s; nothing pushed", env, se.err), ErrPushTooLarge, se.err)
		}
		return Pushed{}, fmt.Errorf("encrypting env %q: %w", env, se.err)
	}
	p := Pushed{Gen: gen, Sum: sum, Published: true}
	if err != nil {
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

// streamGarbage is the room a streamed push leaves the collector beside
// the upload's parts (s3bundle.StreamMemory): the encryption's and the
// requests' garbage.
const streamGarbage = 8 << 20

// sealError is a failure of the encryption, not of the storage.
type sealError struct{ err error }

func (e *sealError) Error() string { return e.err.Error() }
func (e *sealError) Unwrap() error { return e.err }

// pushStreamed seals b into Store.CommitStream: a big bundle is uploaded in
// parts as it is encrypted, never held whole. It returns the payload's
// SHA-256.
func (e *Env) pushStreamed(ctx context.Context, b *vault.Bundle, cur s3bundle.ObjectInfo, opts vault.SealOptions, filesSize int64) (string, error) {
	var sum string
	err := e.Store.CommitStream(ctx, b.Manifest.Generation, cur, func(w io.Writer) error {
		var err error
		if sum, _, err = vault.SealTo(w, b, e.Passphrase, opts); err != nil {
			return &sealError{err}
		}
		memlimit.GiveBack(filesSize)
		return nil
	})
	return sum, err
}

// pushSpooled seals b into a spool file (SealSpooled) and commits the
// ciphertext read back from it: for a Backend that only takes whole
// objects. It returns the payload's SHA-256.
func (e *Env) pushSpooled(ctx context.Context, b *vault.Bundle, cur s3bundle.ObjectInfo, opts vault.SealOptions, spoolDir string, filesSize int64) (string, error) {
	ct, sum, ctSum, err := SealSpooled(spoolDir, b, e.Passphrase, opts, filesSize)
	if err != nil {
		return "", &sealError{err}
	}
	return sum, e.Store.CommitHashed(ctx, b.Manifest.Generation, ct, ctSum, cur)
}
