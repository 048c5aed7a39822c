package runtimevault

import (
	"context"
	"fmt"
	"net"
	"path/filepath"

	"vsync/internal/childenv"
	"vsync/internal/status"
	"vsync/launcher"
)

// Prepared is everything a child of run or start needs, with the private
// files already on disk. Close removes them. The supervision of --watch
// replaces Private (a fresh layout) and Status moves with it.
type Prepared struct {
	Vars     []childenv.Var
	Vault    *Loaded              // nil: the dotenv-only mode
	Private  *launcher.PrivateDir // nil when nothing was written
	Status   net.Listener         // the status socket, nil when there is none
	Composer childenv.Composer    // every source but the vault, to compose again (Compose)
}

// Close stops the status socket and removes the private files.
func (p *Prepared) Close() error {
	if p.Status != nil {
		p.Status.Close()
		p.Status = nil
	}
	if p.Private == nil {
		return nil
	}
	return p.Private.Remove()
}

// Prepare loads the vault (Load) and the dotenv files, writes the vault's
// files as private files when write is true (else their would-be paths
// are shown as "<private>/PATH"), opens the status socket beside them,
// and composes the child's environment. Nothing is left written when any
// source fails to load or verify: the private directory is made before
// the fetch returns (a big bundle's files are written as it is
// decrypted), and removed again then. Nothing private is made before
// o.BeforeWrite returned.
func Prepare(ctx context.Context, o Options, write bool) (*Prepared, error) {
	var early *earlyDir
	if write {
		early = &earlyDir{getenv: o.Getenv, before: o.beforeWrite}
	}
	defer early.remove() // unless taken
	lv, err := load(ctx, o, early)
	if err != nil {
		return nil, err
	}
	dflt := "" // the default .env: only in the dotenv-only mode
	if lv == nil {
		dflt = filepath.Join(o.DotenvDir, ".env")
	}
	files, err := childenv.ReadDotenvFiles(o.EnvFiles, dflt)
	if err != nil {
		return nil, err
	}
	preserve := map[string]bool{}
	for _, k := range o.Preserve {
		preserve[k] = true
	}
	p := &Prepared{Vault: lv, Composer: childenv.Composer{FileEnv: o.FileEnv, Layers: childenv.Layers{
		Defaults:    o.Defaults,
		Process:     o.Environ,
		DotenvFiles: files,
		PreserveAll: o.PreserveAll,
		Preserve:    preserve,
	}}}
	// Compose once before writing anything, so a dotenv error or a bad
	// --file-env leaves no private files behind.
	if _, err := p.Compose(lv); err != nil {
		return nil, err
	}
	if lv != nil {
		if err := p.write(lv, write, o, early); err != nil {
			return nil, err
		}
	}
	if p.Vars, err = p.Compose(lv); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// write makes the private directory (when write is true and there is
// something to put there) or takes early's, opens the status socket in it
// for a vault from a bucket, and writes lv's files (those not already
// streamed into early's). On failure it leaves nothing behind.
func (p *Prepared) write(lv *Loaded, write bool, o Options, early *earlyDir) error {
	files := lv.Files
	if write && (len(lv.Files) > 0 || lv.Store != nil) {
		var err error
		if p.Private, files, err = early.take(lv); err != nil {
			return fmt.Errorf("private files: %w", err)
		}
		if p.Private == nil {
			o.beforeWrite()
			if p.Private, err = newPrivateDir(o.Getenv); err != nil {
				return fmt.Errorf("private files: %w", err)
			}
		}
	}
	if p.Private == nil {
		return nil
	}
	if lv.Store != nil {
		// The status socket lets `vsync status` in the child (or in a
		// health check beside it) compare this generation with the
		// bucket without the token. A path too long for a socket only
		// means no socket. Compose names it in VSYNC_STATUS_SOCKET.
		if ln, err := net.Listen("unix", p.Private.FilePath(status.SocketName)); err == nil {
			p.Status = ln
			p.Composer.StatusSocket = status.SocketName
		}
	}
	if err := childenv.WriteFiles(p.Private, files); err != nil {
		p.Close()
		return err
	}
	return nil
}

// FreshLayout writes every file of lv into a new private directory beside
// p's (childenv.FreshLayout).
func (p *Prepared) FreshLayout(lv *Loaded) (*launcher.PrivateDir, error) {
	return childenv.FreshLayout(p.Private, lv.Files)
}

// Compose is the child's environment with lv (nil: none) as the vault and
// its files in p's private directory (childenv.Composer.Compose). It
// writes nothing; `vsync run --watch` calls it for each new generation.
func (p *Prepared) Compose(lv *Loaded) ([]childenv.Var, error) {
	return p.ComposeIn(lv, p.Private)
}

// ComposeIn is Compose with the files of lv (and the status socket) in
// dir rather than in p's private directory: the environment of a restart
// into a fresh layout.
func (p *Prepared) ComposeIn(lv *Loaded, dir *launcher.PrivateDir) ([]childenv.Var, error) {
	var v *childenv.Vault
	if lv != nil {
		v = &lv.Vault
	}
	return p.Composer.Compose(v, dir)
}

// newPrivateDir makes a private directory under the private base of
// getenv's environment, removing what vsyncs that died left there first.
func newPrivateDir(getenv func(string) string) (*launcher.PrivateDir, error) {
	base := launcher.PrivateBase(getenv)
	_, _ = launcher.CleanStale(base)
	return launcher.NewPrivateDir(base)
}
