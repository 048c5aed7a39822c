package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"vsync/s3bundle"
	"vsync/vault"
)

func logCommand(sys *sysEnv) *cli.Command {
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
of the one printed.`,
		Flags: []cli.Flag{
			&cli.Uint64Flag{Name: "limit", Aliases: []string{"n"}, Usage: "show only the `N` newest generations (0: all)"},
		},
		Action: func(c *cli.Context) error {
			a, err := args(c, 1, 1, "ENV")
			if err != nil {
				return err
			}
			return runLog(c.Context, sys, logOptions{Env: a[0], Limit: c.Uint64("limit")})
		},
	}
}

type logOptions struct {
	Env   string
	Limit uint64 // the newest Limit generations; 0: all
}

// runLog prints the history newest first, as it is fetched: the newest
// generation comes from current.pgp's label and one HEAD (Store.Newest: no
// LIST, no write), then generations newest..oldest are fetched a few at a
// time (prefetch), each entry printed once it and its parent are in. A
// generation missing from the history is skipped, as a LIST would not
// have shown it.
func runLog(ctx context.Context, sys *sysEnv, opts logOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, true)
	if err != nil {
		return err
	}
	newest, cur, err := v.Store.Newest(ctx)
	if err != nil {
		return fmt.Errorf("reading the history of %s: %w", v.Key, err)
	}
	if newest == 0 {
		return errorf(exitNotFound, fmt.Sprintf("push a first generation with \"vsync push %s --note ...\"", opts.Env),
			"nothing was pushed to env %q yet (%s)", opts.Env, v.Key)
	}
	shown := newest
	if opts.Limit != 0 && opts.Limit < newest {
		shown = opts.Limit
	}
	// The shown generations, and the parent of the oldest shown one for
	// its changes.
	gens := make([]uint64, 0, shown+1)
	for g := newest; g > newest-shown; g-- {
		gens = append(gens, g)
	}
	if last := gens[len(gens)-1]; last > 1 {
		gens = append(gens, last-1)
	}
	p := prefetch(ctx, v, gens, prefetchWidth(cur.Size))
	defer p.Close()
	this := p.Next()
	printed := 0
	for i := range int(shown) {
		var parent fetched
		if i+1 < len(gens) {
			parent = p.Next()
		}
		if errors.Is(this.Err, s3bundle.ErrNotExist) {
			this = parent
			continue
		}
		if this.Err != nil {
			return this.Err
		}
		m := this.Bundle.Manifest
		var parentFiles []vault.File
		if parent.Err == nil && parent.Bundle != nil && m.Parent != 0 && m.Parent == gens[i+1] {
			parentFiles = parent.Bundle.Files
		} else if parent.Err != nil && !errors.Is(parent.Err, s3bundle.ErrNotExist) {
			return parent.Err
		}
		changes, err := diffEnv(parentFiles, this.Bundle.Files, fmt.Sprintf("generation %d", m.Parent), fmt.Sprintf("generation %d", gens[i]))
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if printed > 0 {
			buf.WriteByte('\n')
		}
		fmt.Fprintf(&buf, "generation %d\n", gens[i])
		fmt.Fprintf(&buf, "  date:   %s\n", m.Created.UTC().Format("2006-01-02 15:04:05 UTC"))
		fmt.Fprintf(&buf, "  author: %s\n", displayName(m.Author))
		fmt.Fprintf(&buf, "  note:   %s\n", displayName(m.Note))
		printChanges(&buf, changes, "  ", false)
		if _, err := sys.Stdout.Write(buf.Bytes()); err != nil {
			return err
		}
		printed++
		this = parent
	}
	return nil
}
