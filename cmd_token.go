package main

import (
	"context"
	"errors"
	"fmt"

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

func runtimeTokenCommand(sys *sysEnv) *cli.Command {
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

// errTokenCanWrite: --check found that the token's key may write.
var errTokenCanWrite = errors.New("the key can write to the vault")

// runRuntimeToken is `vsync runtime-token`.
func runRuntimeToken(ctx context.Context, sys *sysEnv, o tokenOptions) error {
	if (o.AccessKey == "") != (o.SecretKey == "") {
		return usageErrorf("--access-key and --secret-key go together")
	}
	v, err := openWorkdirVault(ctx, sys, o.Env, false)
	if err != nil {
		return err
	}
	if v.Profile.Dir != "" {
		return withCode(configErrorf("env %q lives in a local directory (%s): runtime tokens are for S3 profiles", o.Env, v.Profile.Location()), exitConfig,
			"at runtime use \"vsync run --env ENV --local\" or a profile on a bucket")
	}
	t := s3bundle.Token{
		Bucket:       v.Profile.Bucket,
		Prefix:       v.Project.Config.Prefix,
		Env:          o.Env,
		Region:       v.Profile.Region,
		Endpoint:     v.Profile.Endpoint,
		PathStyle:    v.Profile.PathStyle,
		AccessKey:    o.AccessKey,
		SecretKey:    o.SecretKey,
		SessionToken: o.SessionToken,
	}
	if o.Check {
		if err := checkToken(ctx, sys, t); err != nil {
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
// that current.pgp can be read and cannot be written, writing nothing: the
// write probe is a PUT with If-None-Match: * on an object that exists, which
// a key with write access gets refused with 412 and a read-only key with 403.
func checkToken(ctx context.Context, sys *sysEnv, t s3bundle.Token) error {
	st, err := t.Store(ctx, 0)
	if err != nil {
		return err
	}
	key := st.CurrentKey()
	info, err := st.Current(ctx)
	if err != nil {
		if errors.Is(err, s3bundle.ErrNotExist) {
			return withCode(fmt.Errorf("check: %q does not exist yet", key), exitNotFound,
				fmt.Sprintf("push a first generation with \"vsync push %s --note ...\", then check again", t.Env))
		}
		return runtimevault.TokenCredentials(fmt.Errorf("check: reading %q: %w", key, err), t)
	}
	fmt.Fprintf(sys.Stderr, "vsync: check: the key can read %q (generation %d)\n", key, info.Generation)
	_, err = st.Backend.Put(ctx, key, nil, s3bundle.PutOptions{IfNoneMatch: true})
	switch {
	case errors.Is(err, s3bundle.ErrAccessDenied):
		fmt.Fprintf(sys.Stderr, "vsync: check: the key cannot write %q (refused with 403): read-only, as it should be\n", key)
		return nil
	case errors.Is(err, s3bundle.ErrConflict):
		return withCode(fmt.Errorf("check: %w: a conditional PUT on %q got 412, not 403", errTokenCanWrite, key), exitFailure,
			"give the runtime a key whose policy allows only s3:GetObject on PREFIX/ENV/*")
	case err == nil:
		return withCode(fmt.Errorf("check: %w: a PUT on %q was accepted", errTokenCanWrite, key), exitFailure,
			"give the runtime a read-only key; run \"vsync verify\" on the env")
	default:
		return fmt.Errorf("check: write probe on %q: %w", key, err)
	}
}
