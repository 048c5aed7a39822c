package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"vsync/internal/bundlecache"
	"vsync/internal/history"
	"vsync/internal/logcache"
)

func logCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:      "log",
		Usage:     "show the env's history, newest first",
		UsageText: "vsync log ENV [--limit N]",
		Description: `For each generation, newest first: its number, time, author and note, and
what changed since its parent: files added (+), removed (-) or changed (~),
and in dotenv files the keys added, removed or changed. Never values.
An entry's note is one line: a name, author or note that holds a control
character (a newline included) prints in double quotes with Go escapes
("line one\nline two"), so no line of a note passes for a file line.
--limit N shows the N newest generations only (default: all). The entries
are printed as they arrive: generations are fetched a few at a time, ahead
of the one printed.
A generation shown once is not read again: its entry (names, never
values) is kept in $XDG_CACHE_HOME/vsync/log (default ~/.cache/vsync/log),
under the ETag the bucket lists for its object and its parent's, and
authenticated with a key derived from the passphrase; --no-cache reads
every generation and keeps nothing.`,
		Flags: []cli.Flag{
			&cli.Uint64Flag{Name: "limit", Aliases: []string{"n"}, Usage: "show only the `N` newest generations (0: all)"},
			&cli.BoolFlag{Name: "no-cache", Usage: "read every generation shown; keep no entry"},
		},
		Action: func(c *cli.Context) error {
			a, err := args(c, 1, 1, "ENV")
			if err != nil {
				return err
			}
			return runLog(c.Context, sys, logOptions{Env: a[0], Limit: c.Uint64("limit"), NoCache: c.Bool("no-cache")})
		},
	}
}

type logOptions struct {
	Env     string
	Limit   uint64 // the newest Limit generations; 0: all
	NoCache bool   // no log cache
}

// runLog prints the history newest first, each entry as soon as it is
// fetched (history.Env.Log).
func runLog(ctx context.Context, sys *world, opts logOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, true)
	if err != nil {
		return err
	}
	var lc *logcache.Cache
	if !opts.NoCache && history.UsesLogCache(opts.Limit) {
		lc = openLogCache(sys, v, opts.Env)
		if lc != nil {
			v.LogCache = lc
		}
	}
	printed := 0
	err = v.Log(ctx, opts.Limit, func(e history.Entry) error {
		var buf bytes.Buffer
		if printed > 0 {
			buf.WriteByte('\n')
		}
		fmt.Fprintf(&buf, "generation %d\n", e.Gen)
		fmt.Fprintf(&buf, "  date:   %s\n", e.Created.UTC().Format("2006-01-02 15:04:05 UTC"))
		fmt.Fprintf(&buf, "  author: %s\n", displayName(e.Author))
		fmt.Fprintf(&buf, "  note:   %s\n", displayName(e.Note))
		printChanges(&buf, e.Changes, "  ", false)
		printed++
		_, err := sys.Stdout.Write(buf.Bytes())
		return err
	})
	if lc != nil {
		if serr := lc.Save(); serr != nil {
			fmt.Fprintf(sys.Stderr, "vsync: warning: log cache not written: %v\n", serr)
		}
	}
	return err
}

// openLogCache is the log cache of v's env, nil when there is none to
// use (no cache directory; one that is not private, or no private log
// cache key: a warning). A
// cache file that did not authenticate is warned about and replaced.
func openLogCache(sys *world, v *envVault, env string) *logcache.Cache {
	dir, err := home(sys).CacheDir()
	if err != nil {
		return nil
	}
	key, err := home(sys).LogCacheKey(v.Location, env, false)
	if err != nil {
		fmt.Fprintf(sys.Stderr, "vsync: warning: log cache not used: %v\n", err)
		return nil
	}
	makeKey := func() ([]byte, error) { return home(sys).LogCacheKey(v.Location, env, true) }
	lc, err := logcache.Open(filepath.Join(dir, "log"), v.Location, env, v.Passphrase, key, makeKey)
	switch {
	case errors.Is(err, bundlecache.ErrUnsafeDir):
		fmt.Fprintf(sys.Stderr, "vsync: warning: log cache not used: %v\n", err)
		return nil
	case err != nil:
		fmt.Fprintf(sys.Stderr, "vsync: warning: log cache ignored and rewritten: %v\n", err)
	}
	return lc
}
