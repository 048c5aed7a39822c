package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"vsync/internal/childenv"
	"vsync/launcher"
	"vsync/s3bundle"
)

// Exit codes of `vsync status`, an informational or readiness check (never
// a liveness probe: README): fresh is 0; stale is 1 (a restart would read
// the newer generation); rotated (statusRotated: the newer generation
// needs a passphrase the app does not have, so a restart would only fail)
// is 0; unknown (the bucket did not answer) is 0 unless --strict, so a
// network blip never restarts a fleet.
const (
	statusExitFresh   = 0
	statusExitStale   = 1
	statusExitUnknown = exitUnreachable // only with --strict
)

// statusReport is what `vsync status` prints, and what a running `vsync run`
// answers on its status socket.
type statusReport struct {
	Status           string `json:"status"` // fresh, stale, rotated, unknown
	Env              string `json:"env"`
	Generation       uint64 `json:"generation"`                  // what the app runs with (or the local folder has)
	RemoteGeneration uint64 `json:"remote_generation,omitempty"` // current.pgp's, when known
	Reason           string `json:"reason,omitempty"`            // why unknown, or why a --watch keeps an older generation; never a secret
}

// statusSocketVar names the status socket of the `vsync run` that started
// a child.
const statusSocketVar = childenv.StatusSocketVar

// statusSocketName is the socket's file name inside the private directory.
const statusSocketName = ".vsync-status.sock"

type statusOptions struct {
	Env        string
	JSON       bool
	Strict     bool
	Socket     string
	Generation uint64
}

func statusCommand(sys *sysEnv) *cli.Command {
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

Exit codes: 0 fresh; 1 stale; 0 rotated; unknown gives 0 (a network blip
must not restart a fleet) unless --strict, which gives 69. Use it as a
readiness or informational check, never as a liveness probe: a liveness
probe restarts a whole fleet at every push.`,
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
func runStatus(ctx context.Context, sys *sysEnv, o statusOptions) error {
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
		case "fresh":
			fmt.Fprintf(sys.Stdout, "fresh: env %s at generation %d\n", r.Env, r.Generation)
		case "stale":
			fmt.Fprintf(sys.Stdout, "stale: env %s runs generation %d, the bucket has %d%s\n", r.Env, r.Generation, r.RemoteGeneration, parenthesized(escapeControls(r.Reason)))
		case statusRotated:
			fmt.Fprintf(sys.Stdout, "rotated: env %s runs generation %d, the bucket has %d%s\n", r.Env, r.Generation, r.RemoteGeneration, parenthesized(escapeControls(r.Reason)))
		default:
			fmt.Fprintf(sys.Stdout, "unknown: env %s at generation %d: %s\n", r.Env, r.Generation, escapeControls(r.Reason))
		}
	}
	switch {
	case r.Status == "stale":
		return childExit{statusExitStale}
	case r.Status == "unknown" && o.Strict:
		return childExit{statusExitUnknown}
	}
	return nil
}

// statusReportFor finds the running generation and the remote one.
func statusReportFor(ctx context.Context, sys *sysEnv, o statusOptions) (statusReport, error) {
	sock := o.Socket
	if sock == "" {
		sock = sys.Getenv(statusSocketVar)
	}
	if o.Env != "" {
		return localStatus(ctx, sys, o.Env)
	}
	if sock != "" {
		a, err := askStatus(ctx, sock)
		return a.statusReport, err
	}
	tok, err := tokenFromEnv(sys)
	if err != nil {
		return statusReport{}, err
	}
	if tok == nil {
		return statusReport{}, usageErrorf("nothing to check: no $%s, no runtime token (VSYNC_CONFIG) and no --env", statusSocketVar)
	}
	gen := o.Generation
	if gen == 0 {
		if g, err := strconv.ParseUint(sys.Getenv("VSYNC_GENERATION"), 10, 64); err == nil {
			gen = g
		}
	}
	if gen == 0 {
		// A health check beside the app: ask the vsync run of this machine
		// that runs from the token's vault.
		if r, err := askRunningVsync(ctx, sys, *tok); err == nil {
			return r, nil
		}
		return statusReport{}, usageErrorf("no running \"vsync run\" found for the token's vault (env %q) and no --generation given", tok.Env)
	}
	st, err := tokenStore(ctx, *tok, 10*time.Second)
	if err != nil {
		return statusReport{}, err
	}
	// With the passphrase at hand (the app's VSYNC_PASSPHRASE*), a newer
	// generation it does not open is told apart as rotated.
	pass, _ := home(sys).PassphraseFromEnv()
	return compareRunning(ctx, st, gen, &passProbe{st: st, pass: pass}), nil
}

// compareRemote HEADs current.pgp and compares its generation with gen.
func compareRemote(ctx context.Context, st *s3bundle.Store, gen uint64) statusReport {
	r, _ := compareHead(ctx, st, gen)
	return r
}

// compareHead is compareRemote, with what the HEAD gave.
func compareHead(ctx context.Context, st *s3bundle.Store, gen uint64) (statusReport, s3bundle.ObjectInfo) {
	r := statusReport{Env: st.Env, Generation: gen}
	info, err := st.Current(ctx)
	if err != nil {
		r.Status, r.Reason = "unknown", statusReason(err)
		return r, info
	}
	r.RemoteGeneration = info.Generation
	if info.Generation > gen {
		r.Status = "stale"
	} else {
		r.Status = "fresh"
	}
	return r, info
}

// statusReason says why the bucket could not be asked, without secrets.
func statusReason(err error) string {
	switch {
	case errors.Is(err, s3bundle.ErrNotExist):
		return "nothing pushed to the env"
	case errors.Is(err, s3bundle.ErrAccessDenied):
		return "credentials refused"
	case errors.Is(err, s3bundle.ErrNoCredentials):
		return "no AWS credentials"
	case errors.As(err, new(*s3bundle.NoDirError)):
		return "directory missing"
	case errors.Is(err, s3bundle.ErrNoBucket):
		return "bucket missing"
	default:
		return "bucket unreachable"
	}
}

// localStatus compares the project's local folder of env with the remote.
func localStatus(ctx context.Context, sys *sysEnv, env string) (statusReport, error) {
	v, err := openWorkdirVault(ctx, sys, env, false)
	if err != nil {
		return statusReport{}, err
	}
	var gen uint64
	if s, err := v.Project.LoadState(env); err == nil && s != nil {
		gen = s.Generation
	}
	return compareRemote(ctx, v.Store, gen), nil
}

// askStatus asks the `vsync run` listening on sock.
func askStatus(ctx context.Context, sock string) (statusAnswer, error) {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "unix", sock)
	if err != nil {
		return statusAnswer{}, fmt.Errorf("status socket %q: %w", sock, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	var a statusAnswer
	if err := json.NewDecoder(conn).Decode(&a); err != nil {
		return statusAnswer{}, fmt.Errorf("status socket %q: %w", sock, err)
	}
	return a, nil
}

// askRunningVsync looks, in the private-files base directory, for the
// status socket of a live `vsync run` (or start) of the vault tok points
// at: same location, endpoint, prefix and env (vaultID), so that another
// app's env of the same name on this machine never answers.
func askRunningVsync(ctx context.Context, sys *sysEnv, tok s3bundle.Token) (statusReport, error) {
	want := vaultID(tokenVaultLocation(tok))
	matches, _ := filepath.Glob(filepath.Join(launcher.PrivateBase(sys.Getenv), "vsync-*", statusSocketName))
	for _, sock := range matches {
		if a, err := askStatus(ctx, sock); err == nil && a.Vault == want && a.Env == tok.Env {
			return a.statusReport, nil
		}
	}
	return statusReport{}, os.ErrNotExist
}

// parenthesized is " (s)", or "" for an empty s.
func parenthesized(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}
