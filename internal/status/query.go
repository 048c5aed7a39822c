package status

import (
	"context"
	"fmt"

	"vsync/internal/workspace"
	"vsync/s3bundle"
)

// OfFolder compares the generation of proj's local folder of st's env (0
// when none is recorded) with st's current.pgp: `vsync status --env ENV`
// in a project.
func OfFolder(ctx context.Context, proj *workspace.Project, st *s3bundle.Store) Report {
	var gen uint64
	if s, err := proj.LoadState(st.Env); err == nil && s != nil {
		gen = s.Generation
	}
	return compare(ctx, st, gen)
}

// TokenQuery is a `vsync status` beside an app that runs from a runtime
// token's vault (docker exec, a readiness probe).
type TokenQuery struct {
	Env      string // the token's env
	Location string // the location of the token's vault (workspace.VaultLocation)
	// Generation is the one the app runs with; 0: the one of the vsync
	// (run or start) running on this machine from the token's vault,
	// whose status socket is under PrivateBase (launcher.PrivateBase).
	Generation  uint64
	PrivateBase string
	// OpenStore builds the token's store; called only with a Generation.
	OpenStore func(context.Context) (*s3bundle.Store, error)
	// Passphrase is the app's passphrase, nil without one; with it, a
	// newer generation it does not open is told apart as Rotated. Called
	// only with a Generation.
	Passphrase func() []byte
}

// NotRunningError: no vsync of the token's vault answered on this
// machine, and no generation was given.
type NotRunningError struct{ Env string }

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("no running \"vsync run\" found for the token's vault (env %q) and no --generation given", e.Env)
}

// OfToken is the report of q: the running vsync's, or the comparison of
// q.Generation with the token's current.pgp. *NotRunningError when there
// is neither.
func OfToken(ctx context.Context, q TokenQuery) (Report, error) {
	if q.Generation == 0 {
		if r, ok := askRunning(ctx, q.PrivateBase, q.Location, q.Env); ok {
			return r, nil
		}
		return Report{}, &NotRunningError{Env: q.Env}
	}
	st, err := q.OpenStore(ctx)
	if err != nil {
		return Report{}, err
	}
	var pass []byte
	if q.Passphrase != nil {
		pass = q.Passphrase()
	}
	return NewChecker(st, pass).Check(ctx, q.Generation), nil
}
