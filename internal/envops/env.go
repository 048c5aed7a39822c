package envops

import (
	"vsync/internal/history"
	"vsync/internal/workspace"
)

// Env is one env of a project, opened: its generations (history.Env: the
// Store, the passphrase, the location; shared with the caller, whose S2K
// cache it keeps), the project whose folder and local state it has, its
// profile and the operator's home (the passphrase store).
type Env struct {
	*history.Env
	Name    string
	Project *workspace.Project
	Profile workspace.Profile
	Home    workspace.Home
}

// limitBundle sets the Store's maximum bundle size: maxBundle (the
// --max-bundle-size flag) when not 0, else the profile's, else the
// default (workspace.Profile.BundleLimit).
func (e *Env) limitBundle(maxBundle int64) {
	e.Store.MaxSize = e.Profile.BundleLimit(maxBundle)
}
