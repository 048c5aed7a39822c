package main

import (
	"context"

	"github.com/urfave/cli/v2"

	"vsync/internal/supervise"
	"vsync/launcher"
	"vsync/procfile"
)

const startDescription = `Runs the processes of a Procfile side by side, as Foreman and Honcho do, each
with the same environment as "vsync run" would give it (same sources,
precedence, scrubbing and private files, shared by every process and removed
when vsync exits), plus PORT and PS (the instance name, "web.1").

Which processes run: every type of the Procfile once; or only the types
named as arguments ("vsync start web worker"), once each; -c gives counts
and, as in Foreman, names everything that runs: "-c web=2" runs two web and
no other type, "-c web=2,all=1" runs the others once too, "-c all=2" two of
each. A type named as an argument runs once unless -c gives its count. -m
and --formation are -c, as in Foreman. Every argument is a process name,
"h" and "help" too: only -h and --help show this help. -t is in seconds, as
Foreman's (-t 10), or a Go duration (-t 10s, -t 500ms).

PORT is BASE + 100 x the type's position in the Procfile + instance - 1, so
it does not change when only some types run. BASE is -p, else PORT from the
composed environment (process, -e files, vault), else 5000.

Every line is printed whole as "HH:MM:SS web.1 | text", never split or mixed
with another process's line, a last line without a newline included; colour
only on a terminal and never with NO_COLOR set. With --redact, every value
of the vault's dotenv that is 6 bytes or longer is printed as *** wherever it
appears in a line (the longer of two overlapping values wins), and a value
spanning lines (a PEM key) line by line, each of its lines of 6 bytes or
more; values from -e files, the process environment and --default are
printed as they are.

Each process leads its own process group. When any process exits, or at
Ctrl-C or SIGTERM, every group gets SIGTERM once, all at once, then SIGKILL
after --timeout; a second Ctrl-C kills at once. The output says which exit
or signal started the stop. When the output is closed ("vsync start |
head"), the processes are stopped as by Ctrl-C. vsync is a child subreaper,
so no descendant outlives it. Should vsync itself be SIGKILLed, its
processes die of their parent-death signal, and a watchdog (/bin/sh,
released when vsync exits normally) kills their process groups,
grandchildren included.

A command that is not found (not executable) is reported on its process's
lines and counts as that process exiting with 127 (126): the others are
stopped as for any exit. vsync's own codes are those of "vsync run" and
mean that nothing was started.`

// startOptions are the flags of `vsync start`.
type startOptions struct {
	supervisedOptions
	Procfile    string
	Root        string // -d; empty: the Procfile's directory
	Port        string // -p; empty: PORT of the environment, else 5000
	Concurrency string
	Names       []string
}

func startCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:      "start",
		Usage:     "run the processes of a Procfile with the vault's secrets",
		UsageText: "vsync start [flags] [PROCESS...]",
		Description: startDescription + "\n\n" + watchHelp + "\n\n" +
			exitCodesHelpFor("0", "64", "65", "66", "67", "68", "69", "71", "78", "126, 127", "other"),
		Flags: supervisedFlags(
			procfileFlag(),
			&cli.StringFlag{Name: "root", Aliases: []string{"d"}, Usage: "run the processes in `DIR`, and read DIR/Procfile (unless -f) and DIR/.env (unless -e) (default: the Procfile's directory)"},
			&cli.StringFlag{Name: "port", Aliases: []string{"p"}, Usage: "base `PORT` (default: $PORT, else 5000)"},
			&cli.StringFlag{Name: "concurrency", Aliases: []string{"c", "formation", "m"}, Usage: "instances per type, `SPEC` such as web=2,worker=1 (-m and --formation as in Foreman); types it does not name do not run, unless all=N"},
			durationFlag("timeout", []string{"t"}, launcher.DefaultGroupKillTimeout, "after SIGTERM, wait `SECONDS` (10, as Foreman's -t, or a duration: 10s, 500ms) before SIGKILL"),
			&cli.BoolFlag{Name: "redact", Usage: "print *** in place of the vault's values in the output"},
		),
		Action: func(c *cli.Context) error {
			so, err := supervisedOptionsFrom(c)
			if err != nil {
				return err
			}
			so.Watch.SignalExit = true // 128+N when stopped by signal N
			so.DotenvDir = c.String("root")
			o := startOptions{supervisedOptions: so, Procfile: procfilePath(c), Root: c.String("root"),
				Port: c.String("port"), Concurrency: c.String("concurrency"), Names: c.Args().Slice()}
			return runStart(c.Context, sys, o, supervise.Formation{
				KillTimeout: durationOf(c, "timeout"), Redact: c.Bool("redact"), Stdout: sys.Stdout, Running: sys.groupStarted})
		},
	}
}

// runStart is `vsync start` of f, whose KillTimeout, Redact, Stdout and
// Running are set.
func runStart(ctx context.Context, sys *world, o startOptions, f supervise.Formation) error {
	sigs := subscribeForwarded()
	plan, err := procfile.ReadPlan(o.Procfile, o.Concurrency, o.Names)
	if err != nil {
		return err
	}
	base, err := basePort(o.Port)
	if err != nil {
		return err
	}
	if f.Root, err = supervise.FormationRoot(o.Root, o.Procfile); err != nil {
		return err
	}
	o.BeforeRead, o.BeforeWrite = sigs.beforeRead, sigs.beforeWrite
	p, err := prepareChild(ctx, sys, o.runtimeOptions, true)
	if err != nil {
		return err
	}
	defer p.Close()
	if f.Instances, err = supervise.PlanInstances(plan, base, p.Vars); err != nil {
		return err
	}
	if err := f.Check(p.Vars); err != nil {
		return err // a bad command line, before anything starts
	}
	<-sigs.subscribed // every forwarded signal, before a process starts
	code, err := superviseChild(ctx, sys, p, o.supervisedOptions, sigs, f.Run)
	if err != nil {
		return err
	}
	return exitOf(code, nil)
}
