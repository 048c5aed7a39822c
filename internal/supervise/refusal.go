package supervise

import (
	"errors"
	"sync"

	"vsync/internal/childenv"
	"vsync/internal/history"
	"vsync/vault"
)

// refusal is the newest generation the watch refused and why (the reason
// of its stderr line), for the status socket: a stale status then says
// why the running generation is older.
type refusal struct {
	mu  sync.Mutex
	gen uint64
	why string
}

func (r *refusal) set(gen uint64, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gen, r.why = gen, why
}

func (r *refusal) get() (uint64, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gen, r.why
}

// refusalReason is why a generation was refused, in a few words and never
// with a value.
func refusalReason(err error) string {
	var se *vault.SyntaxError
	switch {
	case history.IsTooLarge(err):
		return "over the maximum bundle size"
	case errors.Is(err, childenv.ErrNotStartable):
		return err.Error()
	case errors.Is(err, vault.ErrWrongPassphrase):
		return "wrong passphrase"
	case errors.Is(err, vault.ErrIntegrity):
		return "integrity check failed (tampered or truncated)"
	case errors.Is(err, vault.ErrUnsafePath):
		return "unsafe path in its tar"
	case errors.Is(err, vault.ErrManifest):
		return "manifest does not match"
	case errors.As(err, &se):
		return "dotenv syntax error: " + se.Error()
	}
	return err.Error()
}
