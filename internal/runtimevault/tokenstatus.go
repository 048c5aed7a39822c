package runtimevault

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"vsync/internal/childenv"
	"vsync/internal/status"
	"vsync/launcher"
	"vsync/s3bundle"
)

// ErrNothingToCheck: `vsync status` finds no status socket, no runtime
// token and no env to compare.
var ErrNothingToCheck = fmt.Errorf("nothing to check: no $%s, no runtime token (VSYNC_CONFIG) and no --env", childenv.StatusSocketVar)

// TokenStatus is the status of the generation an app runs with the
// runtime token getenv gives (VSYNC_CONFIG*): generation, else
// $VSYNC_GENERATION, else that of the vsync run (or start) on this machine
// from the token's vault (status.OfToken); passphrase tells a rotation
// apart. ErrNothingToCheck without a token.
func TokenStatus(ctx context.Context, getenv func(string) string, generation uint64, passphrase func() []byte) (status.Report, error) {
	tok, err := TokenFromEnv(getenv)
	if err != nil {
		return status.Report{}, err
	}
	if tok == nil {
		return status.Report{}, ErrNothingToCheck
	}
	if generation == 0 {
		if g, err := strconv.ParseUint(getenv("VSYNC_GENERATION"), 10, 64); err == nil {
			generation = g
		}
	}
	return status.OfToken(ctx, status.TokenQuery{
		Env: tok.Env, Location: TokenLocation(*tok), Generation: generation,
		PrivateBase: launcher.PrivateBase(getenv),
		OpenStore:   func(ctx context.Context) (*s3bundle.Store, error) { return tok.Store(ctx, 10*time.Second) },
		Passphrase:  passphrase,
	})
}
