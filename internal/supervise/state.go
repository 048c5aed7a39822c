package supervise

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"

	"vsync/internal/childenv"
	"vsync/internal/runtimevault"
	"vsync/internal/status"
)

// state is what runs, for the status socket: the generation applied, the
// newest one refused, and where the running incarnation's variables came
// from. It is safe for concurrent use.
type state struct {
	// applied is the generation whose files are on disk and whose
	// variables the running incarnation has (VSYNC_GENERATION aside).
	applied atomic.Uint64
	// sources are the running incarnation's status.SourcesOf.
	sources atomic.Pointer[[]status.Source]
	// refused is the newest generation refused, by the loop or the poller.
	refused refusal
}

// setRunning records the variables of the incarnation about to run.
func (s *state) setRunning(vars []childenv.Var) {
	src := status.SourcesOf(vars)
	s.sources.Store(&src)
}

// statusServer is the server of the status socket of a child of lv:
// the generation s applied compared with the bucket's, and why a stale
// one is older when the bucket's was refused. Warnings go to warn.
func statusServer(lv *runtimevault.Loaded, warn io.Writer, s *state) *status.Server {
	checker := status.NewChecker(lv.Store, lv.Passphrase)
	return &status.Server{Location: lv.Location, Warn: warn,
		Report: func(ctx context.Context) status.Report {
			r := checker.Check(ctx, s.applied.Load())
			if gen, why := s.refused.get(); r.Status == status.Stale && gen == r.RemoteGeneration && why != "" {
				r.Reason = fmt.Sprintf("generation %d refused: %s", gen, why)
			}
			return r
		},
		Sources: func() []status.Source { return *s.sources.Load() }}
}
