package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"

	"vsync/internal/childenv"
	"vsync/internal/runtimevault"
	"vsync/internal/status"
)

// Exit codes of `vsync status`, an informational or readiness check (never
// a liveness probe: README): fresh is 0; stale is 1 (a restart would read
// the newer generation); rotated (status.Rotated: the newer generation
// needs a passphrase the app does not have, so a restart would only fail)
// is 0; unknown (the bucket did not answer) is 0 unless --strict, so a
// network blip never restarts a fleet.
const (
	statusExitFresh   = 0
	statusExitStale   = 1
	statusExitUnknown = exitUnreachable // only with --strict
)

type statusOptions struct {
	Env        string
	JSON       bool
	Strict     bool
	Socket     string
	Generation uint64
}

func statusCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "tell whether the running generation is fresh, stale, rotated or unknown (a readiness check, not a liveness probe)",
		UsageText: "vsync status [--env ENV] [--json] [--strict]",
		Description: `Compares the generation an app runs with against current.pgp in the bucket
(one HEAD, no decryption) and prints fresh, stale (with both generations) or
unknown (the bucket did not answer).

Which generation is "running":
   inside a child of "vsync run": the parent's, asked on $VSYNC_STATUS_SOCKET;
   with a runtime token (VSYNC_CONFIG*, e.g. docker exec or a readiness probe):
      --generation N / $VSYNC_GENERATION, else that of the "vsync run" (or
      start) running on this machine from the token's vault: same bucket,
      endpoint, prefix and env (another app's env of the same name never
      answers); with none, exit 64;
   with --env ENV in a project: the generation of the local folder.

"rotated": the bucket has a newer generation that the running passphrase
does not open (after "vsync rotate-passphrase", until the new passphrase is
deployed): the app keeps serving the generation it has, and restarting it
would only fail, so it exits 0. Known only to a running vsync (asked on its
socket), which reads current.pgp once per new object to tell.

Unknown is a success unless --strict, so that a network blip never restarts
a fleet. Use status as a readiness or informational check, never as a
liveness probe: a liveness probe restarts a whole fleet at every push.

` + exitCodesHelpFor("0", "1", "64", "69"),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "env", Usage: "compare the local folder of env `ENV` of the project with the remote"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			&cli.BoolFlag{Name: "strict", Usage: "exit 69 when the status is unknown"},
			&cli.StringFlag{Name: "socket", Usage: "ask the `vsync run` listening on `PATH`"},
			&cli.Uint64Flag{Name: "generation", Usage: "with a runtime token: the generation `N` the app runs with"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErrorf("status takes no arguments (the env is --env ENV)")
			}
			return runStatus(c.Context, sys, statusOptions{
				Env: c.String("env"), JSON: c.Bool("json"), Strict: c.Bool("strict"),
				Socket: c.String("socket"), Generation: c.Uint64("generation"),
			})
		},
	}
}

// runStatus is `vsync status`.
func runStatus(ctx context.Context, sys *world, o statusOptions) error {
	r, err := statusReportFor(ctx, sys, o)
	if err != nil {
		return err
	}
	if o.JSON {
		if err := json.NewEncoder(sys.Stdout).Encode(r); err != nil {
			return err
		}
	} else {
		switch r.Status {
		case status.Fresh:
			fmt.Fprintf(sys.Stdout, "fresh: env %s at generation %d\n", r.Env, r.Generation)
		case status.Stale:
			fmt.Fprintf(sys.Stdout, "stale: env %s runs generation %d, the bucket has %d%s\n", r.Env, r.Generation, r.RemoteGeneration, parenthesized(escapeControls(r.Reason)))
		case status.Rotated:
			fmt.Fprintf(sys.Stdout, "rotated: env %s runs generation %d, the bucket has %d%s\n", r.Env, r.Generation, r.RemoteGeneration, parenthesized(escapeControls(r.Reason)))
		default:
			fmt.Fprintf(sys.Stdout, "unknown: env %s at generation %d: %s\n", r.Env, r.Generation, escapeControls(r.Reason))
		}
	}
	switch {
	case r.Status == status.Stale:
		return childExit{code: statusExitStale}
	case r.Status == status.Unknown && o.Strict:
		return childExit{code: statusExitUnknown}
	}
	return nil
}

// statusReportFor finds the running generation and the remote one: of
// the local folder with --env, else of the vsync on the status socket
// (--socket, $VSYNC_STATUS_SOCKET), else of the runtime token's vault.
func statusReportFor(ctx context.Context, sys *world, o statusOptions) (status.Report, error) {
	if o.Env != "" {
		v, err := openWorkdirVault(ctx, sys, o.Env, false)
		if err != nil {
			return status.Report{}, err
		}
		return status.OfFolder(ctx, v.Project, v.Store), nil
	}
	if sock := cmp.Or(o.Socket, sys.Getenv(childenv.StatusSocketVar)); sock != "" {
		a, err := status.Ask(ctx, sock)
		return a.Report, err
	}
	return runtimevault.TokenStatus(ctx, sys.Getenv, o.Generation, func() []byte {
		pass, _ := home(sys).PassphraseFromEnv()
		return pass
	})
}

// parenthesized is " (s)", or "" for an empty s.
func parenthesized(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}
