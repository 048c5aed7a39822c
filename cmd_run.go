package main

import (
	"context"
	"os"

	"github.com/urfave/cli/v2"

	"vsync/internal/supervise"
	"vsync/launcher"
)

const runDescription = `Runs CMD with the vault's variables in its environment and the vault's other
files as private 0600 files in a fresh 0700 directory (on tmpfs where one is
available), each pointed at by NAME_FILE (gcp-sa.json -> GCP_SA_JSON_FILE).
CMD is run from its argument list via PATH, never through a shell. As with
"honcho run" and "foreman run", vsync's flags end at the first argument that
is not one of them: "vsync run python manage.py migrate --noinput" and
"vsync run sh -c '...'" pass every argument from the command on untouched
("--" before CMD is still accepted). vsync stays
the parent: it forwards signals, reaps zombies as PID 1 (and is a child
subreaper otherwise), removes the private files on exit, and exits with the
child's code (128+N when the child was killed by signal N).

Where the variables come from, in this order of discovery:
   1. VSYNC_CONFIG or VSYNC_CONFIG_FILE (a runtime token) with VSYNC_PASSPHRASE
      or VSYNC_PASSPHRASE_FILE: one GET of current.pgp;
   2. --env ENV in a project: the env's profile and local passphrase, or with
      --local the folder infra/vault/ENV/ itself;
   3. dotenv files only: .env when present, or each -e FILE.

Precedence, lowest first: --default, the process environment, -e files in
order, the vault. --preserve-env lets the process environment win for all
keys, --preserve-env=K1,K2 for the named ones. VSYNC_CONFIG* and
VSYNC_PASSPHRASE* never reach the child; VSYNC_ENV and VSYNC_GENERATION do.

Signals: every signal vsync can catch is forwarded to the child process
itself, as tini does, not to its process group: a pre-fork server's master
(gunicorn, nginx) owns its workers' signals, and a HUP sent to every worker
kills gunicorn's workers mid-request where the master alone reloads them
gracefully. --signal-group sends them to the child's whole process group
instead (tini -g). Forwarded: HUP INT QUIT ILL TRAP ABRT BUS FPE USR1 SEGV
USR2 PIPE ALRM TERM STKFLT CONT XCPU XFSZ VTALRM WINCH IO PWR SYS and the
real-time signals 35-64. Never: CHLD (vsync reaps), URG and PROF (the Go
runtime's), KILL and STOP (uncatchable), and TSTP, TTIN and TTOU (job
control, below). SIGHUP and SIGINT (the ones nohup and a non-interactive
shell's & set), when vsync inherited them ignored, stay ignored for the
child and are not forwarded. Only those two: the Go runtime keeps an
inherited ignore for SIGHUP and SIGINT alone, so vsync cannot learn that
another signal was ignored; it forwards it. Every other signal is reset to
its default for the child.
After a stop signal (TERM, INT, QUIT) the child has --kill-timeout, then its
whole process group gets SIGKILL; a second stop signal kills at once. When
the child exits, what is left of its group gets TERM, then KILL after
--kill-timeout. If vsync is killed (kill -9), the child dies by its
parent-death signal and a watchdog (/bin/sh) kills its process group.
At a terminal the child is the foreground job, so Ctrl-C reaches it exactly
once; Ctrl-Z stops the child and vsync with it (the shell's prompt comes
back), and fg continues both and hands the terminal back to the child.

Offline start: with --cache DIR each start that reads the bucket keeps the
bundle it fetched and verified in DIR (still encrypted, no new key; one 0600
file per vault in a 0700 DIR that must be yours and writable by nobody else;
its record is under a MAC keyed from the passphrase, so a re-dated or
replayed one is refused as tampered; an older unauthenticated cache file
counts as absent). When the bucket does not answer (unreachable
after retries, or --fetch-timeout), vsync starts from that bundle if it was
fetched at most --cache-max-age (24h) ago, decrypts and verifies it like a
fetched one, and says so on stderr; VSYNC_GENERATION is the cached
generation. A 403, a missing bucket, nothing pushed, a wrong passphrase or a
bad bundle never fall back to the cache. With --watch, polls that find the
bundle unchanged count as fetches (the fetch time is rewritten at most once
per --cache-max-age/24). Without --cache nothing is written to disk but the
private files.`

func runCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a command with the vault's secrets in its environment",
		UsageText: "vsync run [flags] [--] CMD [ARGS...]",
		Description: runDescription + "\n\n" + watchHelp + "\n\n" +
			exitCodesHelpFor("64", "65", "66", "67", "68", "69", "71", "76", "78", "126, 127", "other"),
		Flags: supervisedFlags(
			durationFlag("kill-timeout", nil, launcher.DefaultKillTimeout, "after a stop signal, wait `SECONDS` (10, or a duration: 10s, 500ms) before SIGKILL to the child's process group"),
			&cli.BoolFlag{Name: "signal-group", Usage: "forward signals (and --reload-signal) to the child's whole process group, not the child alone (tini -g)"},
		),
		Action: func(c *cli.Context) error {
			o, err := supervisedOptionsFrom(c)
			if err != nil {
				return err
			}
			return runRun(c.Context, sys, o, launcher.Config{Args: c.Args().Slice(),
				KillTimeout: durationOf(c, "kill-timeout"), SignalGroup: c.Bool("signal-group")})
		},
	}
}

// runRun is `vsync run` of child, whose Args, KillTimeout and
// SignalGroup the flags give.
func runRun(ctx context.Context, sys *world, o supervisedOptions, child launcher.Config) error {
	if len(child.Args) == 0 {
		return usageErrorf("no command given: vsync run [flags] -- CMD [ARGS...]")
	}
	sigs := subscribeForwarded()
	go launcher.WarmUp() // while the vault is read
	o.BeforeRead, o.BeforeWrite = sigs.beforeRead, sigs.beforeWrite
	p, err := prepareChild(ctx, sys, o.runtimeOptions, true)
	if err != nil {
		return err
	}
	defer p.Close()
	<-sigs.subscribed // every forwarded signal, before the child starts

	child.Stdin, _ = sys.Stdin.(*os.File)
	child.Stdout, child.Stderr, child.Subreaper = sys.Stdout, sys.Stderr, true
	child.Started = sys.Process.ChildStartedHook()
	child.LastRun = o.Watch.Interval == 0 // the process exits after this Run
	if o.Watch.Interval > 0 {
		sys.Process.Supervising() // from here vsync supervises and polls
	}
	code, err := superviseChild(ctx, sys, p, o, sigs, supervise.Child{Config: child}.Run)
	return exitOf(code, err)
}
