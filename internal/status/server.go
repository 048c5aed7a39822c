package status

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"golang.org/x/sync/singleflight"
)

// answerTimeout bounds one answer of the status socket: the HEAD it makes,
// and writing the report to the connection.
const answerTimeout = 10 * time.Second

// Backoff of the status socket's Accept after an error, as net/http's
// Server does: from acceptRetryMin, doubling, up to acceptRetryMax.
const (
	acceptRetryMin = 5 * time.Millisecond
	acceptRetryMax = time.Second
)

// Server is the status socket of a running vsync.
type Server struct {
	// Location is the location of the vault the app runs from; answers
	// give vaultID(Location).
	Location string
	// Report is the status of the generation running (a Checker's Check
	// of it, which `vsync run --watch` moves); ctx bounds it.
	Report func(ctx context.Context) Report
	// Sources is the running child's SourcesOf; nil: none.
	Sources func() []Source
	// Warn receives the warning line of a streak of Accept errors; nil:
	// nowhere.
	Warn io.Writer
}

// Serve answers every connection on ln with what s.Report and s.Sources
// give, until ln is closed or ctx is done.
//
// At most one Report runs at a time, so a storm of health checks makes
// one HEAD at a time, not one each: a connection that arrives while an
// answer is being computed gets that answer when it is ready.
//
// An Accept error other than ln being closed (EMFILE or ENFILE when the
// process is out of file descriptors, ECONNABORTED) does not stop the
// server: it tries again after a pause that grows from 5 ms to 1 s while
// errors repeat, as net/http's Server does, and says so once per streak
// of errors on s.Warn.
func (s *Server) Serve(ctx context.Context, ln net.Listener) {
	var (
		flight singleflight.Group
		id     = vaultID(s.Location)
		warn   = cmp.Or(s.Warn, io.Writer(io.Discard))
		pause  time.Duration
	)
	report := func() (Report, bool) {
		ch := flight.DoChan("", func() (any, error) {
			hctx, cancel := context.WithTimeout(ctx, answerTimeout)
			defer cancel()
			return s.Report(hctx), nil
		})
		select {
		case res := <-ch:
			return res.Val.(Report), true
		case <-ctx.Done():
			return Report{}, false
		}
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return
			}
			if pause == 0 {
				fmt.Fprintf(warn, "vsync: warning: status socket: %v; retrying\n", err)
				pause = acceptRetryMin
			} else {
				pause = min(2*pause, acceptRetryMax)
			}
			if !sleep(ctx, pause) {
				return
			}
			continue
		}
		pause = 0
		go func() {
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(2 * answerTimeout))
			if r, ok := report(); ok {
				_ = json.NewEncoder(conn).Encode(Answer{Report: r, Vault: id, Sources: s.sources()})
			}
		}()
	}
}

// sources is s.Sources(), nil without one.
func (s *Server) sources() []Source {
	if s.Sources == nil {
		return nil
	}
	return s.Sources()
}

// sleep waits d, and reports false if ctx was done first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
