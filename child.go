package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"vsync/internal/childenv"
	"vsync/internal/status"
	"vsync/launcher"
)

// prepared is everything a child of run or start needs, with the private
// files already on disk. Close removes them.
type prepared struct {
	Vars     []childenv.Var
	Vault    *loadedVault
	private  *launcher.PrivateDir
	status   net.Listener      // the status socket, nil when there is none
	composer childenv.Composer // every source but the vault, to compose again (compose)
}

// Close stops the status socket and removes the private files.
func (p *prepared) Close() error {
	if p.status != nil {
		p.status.Close()
		p.status = nil
	}
	if p.private == nil {
		return nil
	}
	return p.private.Remove()
}

// prepareChild loads the vault and the env files, writes the vault's files
// as private files when write is true (else their would-be paths are shown
// as "<private>/PATH"), and composes the child's environment. Nothing is
// written when any source fails to load or verify. (It stays in main, not
// in childenv, while loadVault does.)
func prepareChild(ctx context.Context, sys *sysEnv, o runtimeOptions, write bool) (*prepared, error) {
	lv, err := loadVault(ctx, sys, o)
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
	p := &prepared{Vault: lv, composer: childenv.Composer{FileEnv: o.FileEnv, Layers: childenv.Layers{
		Defaults:    o.Defaults,
		Process:     os.Environ(),
		DotenvFiles: files,
		PreserveAll: o.PreserveAll,
		Preserve:    preserve,
	}}}
	// Compose once before writing anything, so a dotenv error or a bad
	// --file-env leaves no private files behind.
	if _, err := p.compose(lv); err != nil {
		return nil, err
	}
	if lv != nil {
		if write && (len(lv.Files) > 0 || lv.Store != nil) {
			base := launcher.PrivateBase(sys.Getenv)
			_, _ = launcher.CleanStale(base)
			if p.private, err = launcher.NewPrivateDir(base); err != nil {
				return nil, fmt.Errorf("private files: %w", err)
			}
		}
		if p.private != nil && lv.Store != nil {
			// The status socket lets `vsync status` in the child (or in a
			// health check beside it) compare this generation with the
			// bucket without the token. A path too long for a socket
			// only means no socket.
			// compose names it in VSYNC_STATUS_SOCKET.
			if ln, err := net.Listen("unix", p.private.FilePath(status.SocketName)); err == nil {
				p.status = ln
				p.composer.StatusSocket = status.SocketName
			}
		}
		if p.private != nil {
			if err := childenv.WriteFiles(p.private, lv.Files); err != nil {
				p.Close()
				return nil, err
			}
		}
	}
	if p.Vars, err = p.compose(lv); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// freshLayout writes every file of lv into a new private directory beside
// p's (childenv.FreshLayout).
func (p *prepared) freshLayout(lv *loadedVault) (*launcher.PrivateDir, error) {
	return childenv.FreshLayout(p.private, lv.Files)
}

// compose is the child's environment with lv (nil: none) as the vault and
// its files in p's private directory (childenv.Composer.Compose). It
// writes nothing; `vsync run --watch` calls it for each new generation.
func (p *prepared) compose(lv *loadedVault) ([]childenv.Var, error) {
	return p.composeIn(lv, p.private)
}

// composeIn is compose with the files of lv (and the status socket) in
// dir rather than in p's private directory: the environment of a restart
// into a fresh layout (watchLoop.prepare).
func (p *prepared) composeIn(lv *loadedVault, dir *launcher.PrivateDir) ([]childenv.Var, error) {
	var v *childenv.Vault
	if lv != nil {
		v = &lv.Vault
	}
	return p.composer.Compose(v, dir)
}
