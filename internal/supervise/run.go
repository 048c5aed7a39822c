package supervise

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"vsync/internal/runtimevault"
)

// Config is how Run runs what runtimevault.Prepare made.
type Config struct {
	Options
	// FetchTimeout bounds each poll (--fetch-timeout); 0: none.
	FetchTimeout time.Duration
	// Stderr gets the watch's lines and the warnings.
	Stderr io.Writer
	// Debug: a line per poll (VSYNC_DEBUG=watch).
	Debug bool
}

// Run runs start once with p's environment, or, with --watch
// (cfg.Interval > 0), under the watch loop while a poller looks for new
// generations in the bucket p's vault came from (ErrNotWatchable when it
// came from none). In both cases p's status socket, when it has one,
// answers. It returns the exit code of the last incarnation. A restart
// moves p.Vault and p.Private on: once Run returns, p.Close removes the
// files in use. Cancelling ctx (main does at SIGINT and SIGTERM) stops the
// status socket of a single run but never reaches start: signals arrive
// on sigs, and that would be a second stop.
func Run(ctx context.Context, p *runtimevault.Prepared, cfg Config, sigs <-chan os.Signal, start Incarnation) (int, error) {
	if cfg.Interval > 0 {
		if p.Vault == nil || p.Vault.Store == nil {
			return 0, ErrNotWatchable
		}
		return watch(context.WithoutCancel(ctx), p, cfg, sigs, start)
	}
	if p.Status != nil {
		s := &state{}
		s.setRunning(p.Vars)
		s.applied.Store(p.Vault.Generation)
		go statusServer(p.Vault, cfg.Stderr, s).Serve(ctx, p.Status)
	}
	return start(context.WithoutCancel(ctx), p.Vars, sigs)
}

// watch is --watch: start runs under the watch loop while a poller looks
// for new generations, and the status socket answers with the generation
// applied.
func watch(ctx context.Context, p *runtimevault.Prepared, cfg Config, sigs <-chan os.Signal, start Incarnation) (int, error) {
	pollCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stderr := &lockedWriter{w: cfg.Stderr}
	say := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	w := newWatchLoop(p, cfg.Reload, say)
	w.signalExit = cfg.SignalExit
	lv := p.Vault
	po := &poller{
		st:       lv.Store,
		pass:     lv.Passphrase,
		source:   lv.Source,
		interval: cfg.Interval,
		timeout:  cfg.FetchTimeout,
		etag:     lv.ETag,
		gen:      lv.Generation,
		found:    make(chan *runtimevault.Loaded, 1),
		say:      say,
		refused:  &w.refused,
	}
	if lv.Cache != nil {
		oc := *lv.Cache // its warnings go through stderr, with the watch's lines
		oc.Messages = stderr
		po.cache = &oc
	}
	if cfg.Debug {
		po.debug = say
	}
	if p.Status != nil {
		go statusServer(lv, stderr, &w.state).Serve(pollCtx, p.Status)
	}
	var wg sync.WaitGroup
	wg.Go(func() { po.run(pollCtx) })
	code, err := w.run(ctx, start, sigs, po.found)
	cancel()
	wg.Wait()
	return code, err
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
