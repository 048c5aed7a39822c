package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"vsync/internal/runtimevault"
	"vsync/s3bundle"
)

// tokenOptions are the flags of `vsync runtime-token`.
type tokenOptions struct {
	Env                                string
	AccessKey, SecretKey, SessionToken string
	Check                              bool
}

func runtimeTokenCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:      "runtime-token",
		Usage:     "print the runtime token (VSYNC_CONFIG) of an env",
		UsageText: "vsync runtime-token --env ENV [--access-key K --secret-key-file FILE|-] [--check]",
		Description: `Prints vsync-cfg-v1:<base64(gzip(JSON))> on stdout, and nothing else there: the
bucket, prefix, env, region, endpoint and path-style of the env's profile and,
when given, a key. Give it a read-only key scoped to PREFIX/ENV/*. Without a
key the runtime uses the standard AWS credential chain (instance role,
workload identity). The token is a secret: it holds the key. Give the
secret key with --secret-key-file FILE (its first line) or --secret-key-file -
(standard input) rather than --secret-key, which ps and the shell history
show; likewise --session-token-file. At most one of them reads standard
input.

--check proves, writing nothing, that the key can read PREFIX/ENV/current.pgp
and cannot write there (a conditional PUT that must be refused with 403, not
412), and reports on stderr.`,
		Flags: []cli.Flag{
			// Not Required: urfave/cli would print the help on stdout, which
			// holds the token and nothing else, and exit 1, not 64.
			&cli.StringFlag{Name: "env", Usage: "the env `ENV` of the project in the working directory (required)"},
			&cli.StringFlag{Name: "access-key", Usage: "access key `ID` the runtime uses (read-only)"},
			&cli.StringFlag{Name: "secret-key", Usage: "secret access `KEY` of --access-key (visible in ps and shell history: prefer --secret-key-file)"},
			secretFileFlag("secret-key"),
			&cli.StringFlag{Name: "session-token", Usage: "session `TOKEN` for temporary credentials (visible in ps: prefer --session-token-file)"},
			secretFileFlag("session-token"),
			&cli.BoolFlag{Name: "check", Usage: "prove against the bucket that the key can read and cannot write"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErrorf("runtime-token takes no arguments (the env is --env ENV)")
			}
			if c.String("env") == "" {
				return usageErrorf("runtime-token needs --env ENV")
			}
			secret, err := secretFlag(sys, c, "secret-key")
			if err != nil {
				return err
			}
			session, err := secretFlag(sys, c, "session-token")
			if err != nil {
				return err
			}
			return runRuntimeToken(c.Context, sys, tokenOptions{
				Env:          c.String("env"),
				AccessKey:    c.String("access-key"),
				SecretKey:    secret,
				SessionToken: session,
				Check:        c.Bool("check"),
			})
		},
	}
}

// runRuntimeToken is `vsync runtime-token`.
func runRuntimeToken(ctx context.Context, sys *world, o tokenOptions) error {
	if (o.AccessKey == "") != (o.SecretKey == "") {
		return usageErrorf("--access-key and --secret-key go together")
	}
	v, err := openWorkdirVault(ctx, sys, o.Env, false)
	if err != nil {
		return err
	}
	key := s3bundle.Token{AccessKey: o.AccessKey, SecretKey: o.SecretKey, SessionToken: o.SessionToken}
	t, err := v.Profile.RuntimeToken(v.Project.Config.Prefix, o.Env, key)
	if err != nil {
		return err
	}
	if o.Check {
		if err := checkToken(ctx, sys.Stderr, t); err != nil {
			return err
		}
	}
	s, err := t.Encode()
	if err != nil {
		return err
	}
	fmt.Fprintln(sys.Stdout, s)
	return nil
}

// checkToken proves with t's key (or the standard chain when it has none)
// that current.pgp can be read and cannot be written, writing nothing
// (s3bundle.Store.CheckReadOnly), and reports on w.
func checkToken(ctx context.Context, w io.Writer, t s3bundle.Token) error {
	st, err := t.Store(ctx, 0)
	if err != nil {
		return err
	}
	key := st.CurrentKey()
	info, err := st.CheckReadOnly(ctx)
	if info != nil {
		fmt.Fprintf(w, "vsync: check: the key can read %q (generation %d)\n", key, info.Generation)
	}
	if err != nil {
		return runtimevault.TokenCredentials(fmt.Errorf("check: %w", err), t)
	}
	fmt.Fprintf(w, "vsync: check: the key cannot write %q (refused with 403): read-only, as it should be\n", key)
	return nil
}
