package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"golang.org/x/sync/singleflight"

	"vsync/internal/childenv"
)

// statusAnswer is what the status socket of a running vsync sends: the
// report, the identity of the vault it runs from, by which `vsync status`
// beside the app tells its own vsync from another app's, and where each
// variable of the running child came from (for `vsync env` in the child).
// Fields are only ever added, so that older clients keep reading it.
type statusAnswer struct {
	statusReport
	// Vault is vaultID of the vault's key; a hash, so that the socket
	// tells no one (the child included) where the vault lives.
	Vault string `json:"vault,omitempty"`
	// Sources are the running child's variables, by key, each with its
	// source: never a value.
	Sources []envSource `json:"sources,omitempty"`
}

// envSource is where one variable of a child came from, without its value.
type envSource struct {
	Key    string `json:"key"`
	Source string `json:"source"`
	From   string `json:"from,omitempty"`
}

// sourcesOf is vars without their values.
func sourcesOf(vars []childenv.Var) []envSource {
	out := make([]envSource, len(vars))
	for i, v := range vars {
		out[i] = envSource{Key: v.Key, Source: v.Source, From: v.From}
	}
	return out
}

// vaultID is the identity of the vault named key (workspace.VaultLocation: location,
// endpoint, prefix, env) as the status socket gives it.
func vaultID(key string) string {
	sum := sha256.Sum256([]byte("vsync status vault\x00" + key))
	return hex.EncodeToString(sum[:16])
}

// statusTimeout bounds one answer of the status socket: the HEAD it makes,
// and writing the report to the connection.
const statusTimeout = 10 * time.Second

// Backoff of the status socket's Accept after an error, as net/http's
// Server does: from acceptRetryMin, doubling, up to acceptRetryMax.
const (
	acceptRetryMin = 5 * time.Millisecond
	acceptRetryMax = time.Second
)

// serveStatus answers every connection on ln with what answer reports
// (compareRemote of the generation running, which `vsync run --watch`
// moves), vaultID(key) and what sources gives (the running child's
// sourcesOf), until ln is closed or ctx is done.
//
// At most one answer runs at a time, so a storm of health checks makes
// one HEAD at a time, not one each: a connection that arrives while an
// answer is being computed gets that answer when it is ready.
//
// An Accept error other than ln being closed (EMFILE or ENFILE when the
// process is out of file descriptors, ECONNABORTED) does not stop the
// server: it tries again after a pause that grows from 5 ms to 1 s while
// errors repeat, as net/http's Server does, and says so once per streak
// of errors on warn.
func serveStatus(ctx context.Context, ln net.Listener, key string, warn io.Writer,
	answer func(context.Context) statusReport, sources func() []envSource) {
	var (
		flight singleflight.Group
		id     = vaultID(key)
		pause  time.Duration
	)
	report := func() (statusReport, bool) {
		ch := flight.DoChan("", func() (any, error) {
			hctx, cancel := context.WithTimeout(ctx, statusTimeout)
			defer cancel()
			return answer(hctx), nil
		})
		select {
		case res := <-ch:
			return res.Val.(statusReport), true
		case <-ctx.Done():
			return statusReport{}, false
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
			t := time.NewTimer(pause)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
			continue
		}
		pause = 0
		go func() {
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(2 * statusTimeout))
			if r, ok := report(); ok {
				_ = json.NewEncoder(conn).Encode(statusAnswer{statusReport: r, Vault: id, Sources: sources()})
			}
		}()
	}
}
