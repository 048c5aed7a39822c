package envops

import (
	"context"
	"fmt"
)

// InitOptions are the choices of init.
type InitOptions struct {
	Profile   string // the profile's name, recorded beside the passphrase
	AllowWeak bool   // a chosen passphrase may be short (workspace.CheckChosenPassphrase)
}

// Initialized is what init did.
type Initialized struct {
	Pass        []byte // the env's passphrase
	Generated   bool   // Pass was generated: the operator sees it only now
	Generations int    // the generations already in the vault
}

// Init sets up the env recorded in its project: the passphrase (given,
// else generated for a new env; workspace.Home.InitPassphrase), checked
// against the newest generation when the vault already has some, then
// stored, the project saved and, for a new env, its folder created
// (workspace.Home.InitEnv). Nothing is written when the check fails.
func Init(ctx context.Context, e *Env, opts InitOptions) (*Initialized, error) {
	gens, err := e.Store.Generations(ctx)
	if err != nil {
		return nil, fmt.Errorf("looking at %s: %w", e.Location, err)
	}
	ip, err := e.Home.InitPassphrase(e.Location, e.Name, opts.Profile, len(gens), opts.AllowWeak)
	if err != nil {
		return nil, err
	}
	if len(gens) > 0 {
		e.Passphrase = ip.Pass
		if _, _, err := e.Fetch(ctx, 0); err != nil {
			return nil, err
		}
	}
	if err := e.Home.InitEnv(e.Project, e.Name, e.Location, ip, len(gens) == 0); err != nil {
		return nil, err
	}
	return &Initialized{Pass: ip.Pass, Generated: ip.Generated, Generations: len(gens)}, nil
}
