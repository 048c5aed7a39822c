package main

import (
	"bytes"
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"vsync/internal/history"
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

// runLog prints the history newest first, each entry as soon as it is
// fetched (history.Env.Log).
func runLog(ctx context.Context, sys *world, opts logOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, true)
	if err != nil {
		return err
	}
	printed := 0
	return v.Log(ctx, opts.Limit, func(e history.Entry) error {
		var buf bytes.Buffer
		if printed > 0 {
			buf.WriteByte('\n')
		}
		fmt.Fprintf(&buf, "generation %d\n", e.Gen)
		fmt.Fprintf(&buf, "  date:   %s\n", e.Manifest.Created.UTC().Format("2006-01-02 15:04:05 UTC"))
		fmt.Fprintf(&buf, "  author: %s\n", displayName(e.Manifest.Author))
		fmt.Fprintf(&buf, "  note:   %s\n", displayName(e.Manifest.Note))
		printChanges(&buf, e.Changes, "  ", false)
		printed++
		_, err := sys.Stdout.Write(buf.Bytes())
		return err
	})
}
