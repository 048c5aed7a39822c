package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"vsync/vault"
)

func logCommand(sys *sysEnv) *cli.Command {
	return &cli.Command{
		Name:      "log",
		Usage:     "show the env's history, newest first",
		UsageText: "vsync log ENV",
		Description: `For each generation: its number, time, author and note, and what changed
since its parent: files added (+), removed (-) or changed (~), and in dotenv
files the keys added, removed or changed. Never values.`,
		Action: func(c *cli.Context) error {
			a, err := args(c, 1, 1, "ENV")
			if err != nil {
				return err
			}
			return runLog(c.Context, sys, logOptions{Env: a[0]})
		},
	}
}

type logOptions struct {
	Env string
}

func runLog(ctx context.Context, sys *sysEnv, opts logOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, true)
	if err != nil {
		return err
	}
	gens, err := v.Store.Generations(ctx)
	if err != nil {
		return fmt.Errorf("listing the generations of %s: %w", v.Key, err)
	}
	if len(gens) == 0 {
		return errorf(exitNotFound, fmt.Sprintf("push a first generation with \"vsync push %s --note ...\"", opts.Env),
			"nothing was pushed to env %q yet (%s)", opts.Env, v.Key)
	}
	entries := make([]string, 0, len(gens))
	var prev []vault.File
	var prevGen uint64
	for _, g := range gens {
		b, _, err := v.fetch(ctx, g)
		if err != nil {
			return err
		}
		m := b.Manifest
		var parent []vault.File
		if m.Parent != 0 && m.Parent == prevGen {
			parent = prev
		}
		changes, err := diffEnv(parent, b.Files, fmt.Sprintf("generation %d", m.Parent), fmt.Sprintf("generation %d", g))
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "generation %d\n", g)
		fmt.Fprintf(&buf, "  date:   %s\n", m.Created.UTC().Format("2006-01-02 15:04:05 UTC"))
		fmt.Fprintf(&buf, "  author: %s\n", displayName(m.Author))
		fmt.Fprintf(&buf, "  note:   %s\n", noteLines(m.Note))
		printChanges(&buf, changes, "  ", false)
		entries = append(entries, buf.String())
		prev, prevGen = b.Files, g
	}
	for i := len(entries) - 1; i >= 0; i-- {
		fmt.Fprint(sys.Stdout, entries[i])
		if i > 0 {
			fmt.Fprintln(sys.Stdout)
		}
	}
	return nil
}

// noteLines is a generation's note for `vsync log`: each of its lines with
// control characters escaped, the lines after the first indented under it.
func noteLines(note string) string {
	lines := strings.Split(note, "\n")
	for i, l := range lines {
		lines[i] = escapeControls(l)
	}
	return strings.Join(lines, "\n          ")
}
