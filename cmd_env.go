package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// envOptions are the flags of `vsync env`.
type envOptions struct {
	runtimeOptions
	Reveal bool
	Format string // text, json, dotenv
}

func envCommand(sys *sysEnv) *cli.Command {
	return &cli.Command{
		Name:      "env",
		Usage:     "print the environment `vsync run` would give its child, with each key's source",
		UsageText: "vsync env [--env ENV] [-e FILE]... [--reveal] [--json | --format text|json|dotenv]",
		Description: `Resolves the variables exactly as "vsync run" does (same discovery, precedence
and flags) and prints each with its source: vault, env file, process, default,
or vsync (VSYNC_ENV, VSYNC_GENERATION and the *_FILE pointers, shown as
<private>/PATH since no file is written). Values are masked unless --reveal.`,
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

// masked is what stands in for a value without --reveal.
const masked = "********"

// runEnv is `vsync env`.
func runEnv(ctx context.Context, sys *sysEnv, o envOptions) error {
	switch o.Format {
	case "text", "json", "dotenv":
	default:
		return usageErrorf("--format %q: want text, json or dotenv", o.Format)
	}
	p, err := prepareChild(ctx, sys, o.runtimeOptions, false)
	if err != nil {
		return err
	}
	vars := p.Vars
	if !o.Reveal {
		vars = make([]envVar, len(p.Vars))
		for i, v := range p.Vars {
			v.Value = masked
			if v.Source == srcVsync {
				v.Value = p.Vars[i].Value // pointers and generation are not secret
			}
			vars[i] = v
		}
	}
	switch o.Format {
	case "json":
		enc := json.NewEncoder(sys.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(vars)
	case "dotenv":
		for _, v := range vars {
			fmt.Fprintf(sys.Stdout, "%s=%s\n", v.Key, dotenvQuote(v.Value))
		}
		return nil
	}
	width := 0
	for _, v := range vars {
		width = max(width, len(v.Key))
	}
	for _, v := range vars {
		src := v.Source
		if v.From != "" {
			src += " " + strconv.Quote(v.From)
		}
		fmt.Fprintf(sys.Stdout, "%-*s  %-10s  %s\n", width, displayName(v.Key), src, displayName(v.Value))
	}
	return nil
}

// dotenvQuote writes v so that vsync's dotenv parser reads it back exactly:
// bare when it is plain, else double-quoted with escapes.
func dotenvQuote(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\r\n\"'\\$#`") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "$", `\$`)
	return `"` + r.Replace(v) + `"`
}
