package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/urfave/cli/v2"

	"vsync/internal/childenv"
	"vsync/internal/runtimevault"
	"vsync/vault"
)

// envOptions are the flags of `vsync env`.
type envOptions struct {
	runtimeOptions
	Reveal bool
	Format string // text, json, dotenv
}

func envCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:      "env",
		Usage:     "print the environment `vsync run` would give its child, with each key's source",
		UsageText: "vsync env [--env ENV] [-e FILE]... [--reveal] [--json | --format text|json|dotenv]",
		Description: `Resolves the variables exactly as "vsync run" does (same discovery, precedence
and flags) and prints each with its source: vault, env file, process, default,
or vsync (VSYNC_ENV, VSYNC_GENERATION and the *_FILE pointers, shown as
<private>/PATH since no file is written).

Masking: values that can be secrets, those from the vault and from env files
(-e, .env), are masked unless --reveal; the others (process, default, vsync)
are shown, as "env" would show them.

Inside a child of "vsync run" ($VSYNC_STATUS_SOCKET set, none of --env, -e,
--default, --preserve-env, --file-env given), it lists the child's own
environment with each key's source as the running vsync tells it on that
socket (the socket never gives a value); keys the child set itself are
"process". When the socket does not answer, or in a child of a vsync run
without one ($VSYNC_ENV set: --local, or empty in the dotenv-only mode),
it lists the child's own environment with every value masked.

--format dotenv writes each value bare when plain ASCII, in single quotes
unless it holds a ', a line break, a backslash pair or a final backslash,
else in double quotes with \\ \" \n \r escapes and \$ before a name or {.
vsync reads every value back unchanged; Foreman and python-dotenv 0.21 too
(tested) but for: Foreman, line breaks and, in double quotes, a backslash
before n; python-dotenv, ${ (expanded even in single quotes), a quoted value
ending in a backslash, and \$ in double quotes, whose backslash it keeps
(it's $5 $HOME, written "it's $5 \$HOME", reads back as it's $5 \$HOME).
Without --reveal the values that can be secrets are written masked, and a
note on stderr says so.`,
		Flags: append(runtimeFlags(),
			&cli.BoolFlag{Name: "reveal", Usage: "print values instead of masking them"},
			&cli.BoolFlag{Name: "json", Usage: "same as --format json"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text, json or dotenv"},
		),
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErrorf("vsync env takes no arguments")
			}
			o := envOptions{runtimeOptions: runtimeOptionsFrom(c), Reveal: c.Bool("reveal"), Format: c.String("format")}
			if c.Bool("json") {
				o.Format = "json"
			}
			return runEnv(c.Context, sys, o)
		},
	}
}

// runEnv is `vsync env`.
func runEnv(ctx context.Context, sys *world, o envOptions) error {
	switch o.Format {
	case "text", "json", "dotenv":
	default:
		return usageErrorf("--format %q: want text, json or dotenv", o.Format)
	}
	vars, err := envListing(ctx, sys, o)
	if err != nil {
		return err
	}
	switch o.Format {
	case "json":
		enc := json.NewEncoder(sys.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(vars)
	case "dotenv":
		n := 0
		for _, v := range vars {
			fmt.Fprintf(sys.Stdout, "%s=%s\n", v.Key, vault.DotenvQuote(v.Value))
			if !o.Reveal && v.Value == runtimevault.Masked {
				n++
			}
		}
		if n > 0 {
			fmt.Fprintf(sys.Stderr, "vsync: warning: %d of the values written are masked (%q); --reveal writes them\n", n, runtimevault.Masked)
		}
		return nil
	}
	keyWidth, srcWidth := 0, 0
	for _, v := range vars {
		keyWidth = max(keyWidth, len(displayName(v.Key)))
		srcWidth = max(srcWidth, len(sourceLabel(v)))
	}
	for _, v := range vars {
		fmt.Fprintf(sys.Stdout, "%-*s  %-*s  %s\n", keyWidth, displayName(v.Key), srcWidth, sourceLabel(v), displayName(v.Value))
	}
	return nil
}

// sourceLabel is the source column of v: its source, and the env file's
// path.
func sourceLabel(v childenv.Var) string {
	if v.From != "" {
		return v.Source + " " + strconv.Quote(v.From)
	}
	return v.Source
}

// envListing is what `vsync env` lists, masked as o says: the child's
// own environment with its parent's sources inside a child of `vsync
// run`, else the environment `vsync run` would give a child.
func envListing(ctx context.Context, sys *world, o envOptions) ([]childenv.Var, error) {
	sock := sys.Getenv(childenv.StatusSocketVar)
	if vars, ok := runtimevault.ListChild(ctx, o.Options, sock, childOfVsync(sys), sys.Environ(), o.Reveal); ok {
		return vars, nil
	}
	p, err := prepareChild(ctx, sys, o.runtimeOptions, false)
	if err != nil {
		return nil, err
	}
	return runtimevault.Mask(p.Vars, o.Reveal, false), nil
}

// childOfVsync reports whether vsync runs in a child of vsync run:
// VSYNC_ENV is set, to the env's name, or empty by a dotenv-only run, when
// no token is given (a child never gets vsync's token).
func childOfVsync(sys *world) bool {
	env, set := sys.LookupEnv("VSYNC_ENV")
	return env != "" || set && sys.Getenv("VSYNC_CONFIG") == "" && sys.Getenv("VSYNC_CONFIG_FILE") == ""
}
