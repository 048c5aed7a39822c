package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"vsync/internal/childenv"
	"vsync/internal/status"
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

// masked is what stands in for a value without --reveal.
const masked = "********"

// runEnv is `vsync env`.
func runEnv(ctx context.Context, sys *sysEnv, o envOptions) error {
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
			fmt.Fprintf(sys.Stdout, "%s=%s\n", v.Key, dotenvQuote(v.Value))
			if !o.Reveal && v.Value == masked {
				n++
			}
		}
		if n > 0 {
			fmt.Fprintf(sys.Stderr, "vsync: warning: %d of the values written are masked (%q); --reveal writes them\n", n, masked)
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
func envListing(ctx context.Context, sys *sysEnv, o envOptions) ([]childenv.Var, error) {
	var vars []childenv.Var
	maskAll := false
	sock := sys.Getenv(childenv.StatusSocketVar)
	if insideChild(o.runtimeOptions) && (sock != "" || childOfVsync(sys)) {
		// A child of vsync run: its environment holds the vault's values
		// as "process" ones, unless the parent says where each came from.
		maskAll = true
		if sock != "" {
			if a, err := status.Ask(ctx, sock); err == nil && a.Sources != nil {
				vars, maskAll = withSources(os.Environ(), a.Sources), false
			}
		}
		if vars == nil {
			// No one to ask: the child's own environment, all masked.
			vars = withSources(os.Environ(), nil)
		}
	}
	if vars == nil {
		p, err := prepareChild(ctx, sys, o.runtimeOptions, false)
		if err != nil {
			return nil, err
		}
		vars = p.Vars
	}
	if o.Reveal {
		return vars, nil
	}
	out := make([]childenv.Var, len(vars))
	for i, v := range vars {
		if maskAll && v.Source != childenv.SourceVsync || maySecret(v.Source) {
			v.Value = masked
		}
		out[i] = v
	}
	return out, nil
}

// childOfVsync reports whether vsync runs in a child of vsync run:
// VSYNC_ENV is set, to the env's name, or empty by a dotenv-only run, when
// no token is given (a child never gets vsync's token).
func childOfVsync(sys *sysEnv) bool {
	env, set := os.LookupEnv("VSYNC_ENV")
	return env != "" || set && sys.Getenv("VSYNC_CONFIG") == "" && sys.Getenv("VSYNC_CONFIG_FILE") == ""
}

// maySecret reports whether a value from source may be a secret: the
// vault's and the env files' are masked without --reveal.
func maySecret(source string) bool {
	return source == childenv.SourceVault || source == childenv.SourceFile
}

// insideChild reports whether o leaves the environment as vsync run gave
// it: no flag that would compose another.
func insideChild(o runtimeOptions) bool {
	return o.Env == "" && len(o.EnvFiles) == 0 && len(o.Defaults) == 0 && !o.PreserveAll &&
		len(o.Preserve) == 0 && len(o.FileEnv) == 0
}

// withSources lists the environment env (K=V) sorted by key, each key with
// its source in sources; a key not there (set by the child itself) is
// process. Scrubbed keys are left out, as vsync run leaves them out.
func withSources(env []string, sources []status.Source) []childenv.Var {
	by := make(map[string]status.Source, len(sources))
	for _, s := range sources {
		by[s.Key] = s
	}
	out := make([]childenv.Var, 0, len(env))
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || childenv.IsScrubbed(k) {
			continue
		}
		src := status.Source{Source: childenv.SourceProcess}
		if s, ok := by[k]; ok {
			src = s
		}
		out = append(out, childenv.Var{Key: k, Value: v, Source: src.Source, From: src.From})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// dotenvQuote writes v so that dotenv readers read it back exactly: bare
// when every byte is plain printable ASCII; else in single quotes, which
// vsync, Foreman, Compose and node dotenv read literally and python-dotenv
// too unless a backslash escapes a backslash or the closing quote, when v
// has no ', CR or LF and no backslash python-dotenv would take for an
// escape; else in double quotes with only the escapes every reader undoes
// (\\ \" \n \r, and \$ before what would expand).
func dotenvQuote(v string) string {
	if v != "" && strings.IndexFunc(v, func(r rune) bool { return !isBareDotenv(r) }) < 0 {
		return v
	}
	if !strings.ContainsAny(v, "'\r\n") && !strings.Contains(v, `\\`) && !strings.HasSuffix(v, `\`) {
		return "'" + v + "'"
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '$':
			if i+1 < len(v) && (v[i+1] == '{' || isNameStartByte(v[i+1])) {
				b.WriteString(`\$`)
			} else {
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// isBareDotenv reports whether r may appear in a value written bare: ASCII
// letters, digits and punctuation no reader gives a meaning to there (a
// backslash is literal in a bare value as long as no '$' follows, and '$'
// is never bare).
func isBareDotenv(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("_-.,:/@%+=\\", r)
}

// isNameStartByte reports whether c may start a variable name.
func isNameStartByte(c byte) bool {
	return c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}
