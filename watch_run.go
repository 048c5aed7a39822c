package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"vsync/internal/runtimevault"
	"vsync/internal/status"
)

// runSupervised runs start once with the prepared environment, or, with
// --watch (wo.Interval > 0), under runWatched. In both cases the status
// socket answers, and the ctx that main cancels at SIGINT/SIGTERM never
// reaches start (signals arrive on sigs; that would be a second stop).
func runSupervised(ctx context.Context, sys *sysEnv, p *runtimevault.Prepared, wo watchOptions, fetchTimeout time.Duration,
	sigs <-chan os.Signal, start incarnation) (int, error) {
	if wo.Interval > 0 {
		if err := checkWatchable(p.Vault); err != nil {
			return 0, err
		}
		return runWatched(context.WithoutCancel(ctx), sys, p, wo, fetchTimeout, sigs, start)
	}
	if p.Status != nil {
		st, gen := p.Vault.Store, p.Vault.Generation
		checker := status.NewChecker(st, p.Vault.Passphrase)
		sources := status.SourcesOf(p.Vars)
		srv := &status.Server{Location: p.Vault.Location, Warn: sys.Stderr,
			Report:  func(ctx context.Context) status.Report { return checker.Check(ctx, gen) },
			Sources: func() []status.Source { return sources }}
		go srv.Serve(ctx, p.Status)
	}
	return start(context.WithoutCancel(ctx), p.Vars, sigs)
}

// runWatched is --watch for `vsync run` and `vsync start`: start runs
// under the watch loop while a poller looks for new generations, and the
// status socket answers with the generation applied. It returns the exit
// code of the last incarnation. p must hold a vault from a bucket
// (checkWatchable).
func runWatched(ctx context.Context, sys *sysEnv, p *runtimevault.Prepared, wo watchOptions, fetchTimeout time.Duration,
	sigs <-chan os.Signal, start incarnation) (int, error) {
	pollCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stderr := &lockedWriter{w: sys.Stderr}
	say := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	w := newWatchLoop(p, wo.Reload, say)
	w.signalExit = wo.SignalExit
	lv, st := p.Vault, p.Vault.Store
	po := &poller{
		st:       lv.Store,
		pass:     lv.Passphrase,
		source:   lv.Source,
		interval: wo.Interval,
		timeout:  fetchTimeout,
		etag:     lv.ETag,
		gen:      lv.Generation,
		found:    make(chan *runtimevault.Loaded, 1),
		say:      say,
		refused:  &w.refused,
	}
	if lv.Cache != nil {
		oc := *lv.Cache // its warnings go through stderr, with the watch's lines
		oc.Messages = stderr
		po.keep, po.confirm = oc.Keep, oc.Confirm
	}
	if sys.Getenv("VSYNC_DEBUG") == "watch" {
		po.debug = say
	}
	if p.Status != nil {
		checker := status.NewChecker(st, lv.Passphrase)
		srv := &status.Server{Location: lv.Location, Warn: stderr,
			Report: func(ctx context.Context) status.Report {
				r := checker.Check(ctx, w.applied.Load())
				if gen, why := w.refused.get(); r.Status == status.Stale && gen == r.RemoteGeneration && why != "" {
					r.Reason = fmt.Sprintf("generation %d refused: %s", gen, why)
				}
				return r
			},
			Sources: func() []status.Source { return *w.sources.Load() }}
		go srv.Serve(pollCtx, p.Status)
	}
	var wg sync.WaitGroup
	wg.Go(func() { po.run(pollCtx) })
	code, err := w.run(ctx, start, sigs, po.found)
	cancel()
	wg.Wait()
	return code, err
}

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

// lockedWriter serialises the lines of the poller and of the watch loop.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
