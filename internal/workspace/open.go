package workspace

import (
	"context"
	"fmt"
	"time"

	"vsync/s3bundle"
)

// Env is one env of a project, opened: where its vault lives and, when
// asked for, its passphrase.
type Env struct {
	Project     *Project
	Name        string
	ProfileName string
	Profile     Profile
	// Location names the vault (VaultLocation: location + prefix + env),
	// for messages and the passphrase store.
	Location string
	// Store is the env's vault, its MaxSize the profile's limit.
	Store      *s3bundle.Store
	Passphrase []byte // nil when not asked for
}

// OpenOptions says how Home.OpenEnv opens an env.
type OpenOptions struct {
	// NeedPassphrase resolves the passphrase (ResolvePassphrase).
	NeedPassphrase bool
	// S3Timeout, when not zero, bounds each S3 operation of the profile.
	S3Timeout time.Duration
	// WrapBackend, when not nil, wraps the profile's backend (tests count
	// the requests made).
	WrapBackend func(s3bundle.Backend) s3bundle.Backend
	// Warn, when not nil, is told what an S3 profile's backend could not
	// clean up after a failure (s3bundle.S3Config.Warn).
	Warn func(msg string)
}

// OpenEnv looks up the env's profile in profiles.toml and builds its
// Store; with NeedPassphrase it also resolves the passphrase. It makes no
// network request.
func (h Home) OpenEnv(ctx context.Context, proj *Project, env string, opts OpenOptions) (*Env, error) {
	ec, err := proj.Env(env)
	if err != nil {
		return nil, err
	}
	profs, err := h.LoadProfiles()
	if err != nil {
		return nil, err
	}
	prof, err := profs.Get(ec.Profile)
	if err != nil {
		return nil, err
	}
	be, err := newBackend(ctx, prof, opts.S3Timeout, opts.Warn)
	if err != nil {
		return nil, fmt.Errorf("profile %q: %w", ec.Profile, err)
	}
	if opts.WrapBackend != nil {
		be = opts.WrapBackend(be)
	}
	e := &Env{
		Project:     proj,
		Name:        env,
		ProfileName: ec.Profile,
		Profile:     prof,
		Location:    VaultLocation(prof, proj.Config.Prefix, env),
		Store:       &s3bundle.Store{Backend: be, Prefix: proj.Config.Prefix, Env: env, MaxSize: prof.BundleLimit(0)},
	}
	if opts.NeedPassphrase {
		if e.Passphrase, err = h.ResolvePassphrase(e.Location, env); err != nil {
			return nil, err
		}
	}
	return e, nil
}
