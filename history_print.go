package main

// This file prints what internal/history reports: changes between two
// versions of an env, and a generation stored but not yet published.

import (
	"fmt"
	"io"

	"vsync/internal/history"
)

// printChanges writes changes, one file per line and its keys indented
// under it, names with control characters quoted (displayName). Values
// appear only with reveal, always quoted.
func printChanges(w io.Writer, changes []history.FileChange, indent string, reveal bool) {
	for _, c := range changes {
		suffix := ""
		if c.Mode {
			suffix = " (mode)"
		}
		fmt.Fprintf(w, "%s%c %s%s\n", indent, c.Op, displayName(c.Path), suffix)
		for _, k := range c.Keys {
			key := displayName(k.Key)
			if !reveal {
				fmt.Fprintf(w, "%s    %c %s\n", indent, k.Op, key)
				continue
			}
			switch k.Op {
			case '+':
				fmt.Fprintf(w, "%s    + %s=%q\n", indent, key, k.New)
			case '-':
				fmt.Fprintf(w, "%s    - %s=%q\n", indent, key, k.Old)
			default:
				fmt.Fprintf(w, "%s    ~ %s=%q -> %q\n", indent, key, k.Old, k.New)
			}
		}
	}
}

// warnNotPublished says that generation gen of env is stored but that
// current.pgp, which runtimes read, still holds an older one
// (s3bundle.ErrNotPublished).
func warnNotPublished(w io.Writer, gen uint64, env string) {
	fmt.Fprintf(w, "vsync: warning: generation %d is stored but current.pgp still holds an older one; runtimes see it after the next \"vsync pull %s\"\n", gen, env)
}
