package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"vsync/internal/childenv"
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

Exit codes: that of the first process to fail, or 128+N when vsync was
stopped by signal N (130 for Ctrl-C, 143 for SIGTERM, 141 for a closed
output), else 0. A command that is not found (not executable) is reported
on its process's lines and counts as that process exiting with 127 (126):
the others are stopped as for any exit. vsync's own codes, with nothing
started:
   64  bad flags: unknown process name (argument or -c), bad count or port
   65  malformed Procfile (every bad line, with its number) or dotenv
   66  Procfile or -e file missing
   and those of "vsync run" for the vault (67, 68, 69, 71, 78)`

// startOptions are the flags of `vsync start`.
type startOptions struct {
	runtimeOptions
	Procfile    string
	Root        string // -d; empty: the Procfile's directory
	Port        string // -p; empty: PORT of the environment, else 5000
	Concurrency string
	Timeout     time.Duration
	Redact      bool
	Watch       supervise.Options
	Names       []string
}

func startCommand(sys *sysEnv) *cli.Command {
	return &cli.Command{
		Name:        "start",
		Usage:       "run the processes of a Procfile with the vault's secrets",
		UsageText:   "vsync start [flags] [PROCESS...]",
		Description: startDescription + "\n\n" + watchHelp,
		Flags: append(append(runtimeFlags(),
			procfileFlag(),
			&cli.StringFlag{Name: "root", Aliases: []string{"d"}, Usage: "run the processes in `DIR`, and read DIR/Procfile (unless -f) and DIR/.env (unless -e) (default: the Procfile's directory)"},
			&cli.StringFlag{Name: "port", Aliases: []string{"p"}, Usage: "base `PORT` (default: $PORT, else 5000)"},
			&cli.StringFlag{Name: "concurrency", Aliases: []string{"c", "formation", "m"}, Usage: "instances per type, `SPEC` such as web=2,worker=1 (-m and --formation as in Foreman); types it does not name do not run, unless all=N"},
			durationFlag("timeout", []string{"t"}, launcher.DefaultGroupKillTimeout, "after SIGTERM, wait `SECONDS` (10, as Foreman's -t, or a duration: 10s, 500ms) before SIGKILL"),
			&cli.BoolFlag{Name: "redact", Usage: "print *** in place of the vault's values in the output"},
		), watchFlags()...),
		Action: func(c *cli.Context) error {
			wo, err := watchOptionsFrom(c)
			if err != nil {
				return err
			}
			wo.SignalExit = true // 128+N when stopped by signal N
			ro := runtimeOptionsFrom(c)
			ro.DotenvDir = c.String("root")
			return runStart(c.Context, sys, startOptions{
				runtimeOptions: ro,
				Procfile:       procfilePath(c),
				Root:           c.String("root"),
				Port:           c.String("port"),
				Concurrency:    c.String("concurrency"),
				Timeout:        durationOf(c, "timeout"),
				Redact:         c.Bool("redact"),
				Watch:          wo,
				Names:          c.Args().Slice(),
			})
		},
	}
}

// runStart is `vsync start`.
func runStart(ctx context.Context, sys *sysEnv, o startOptions) error {
	sigs := make(chan os.Signal, 16)
	// SIGPIPE is among them: with it subscribed, a write to a closed
	// stdout (`vsync start | head`) fails with EPIPE, which stops the
	// processes and lets the private files be removed, rather than kill
	// vsync.
	subscribed := subscribe(sigs, launcher.ForwardedSignals())
	defer func() { <-subscribed; signal.Stop(sigs) }()

	plan, err := procfile.ReadPlan(o.Procfile, o.Concurrency, o.Names)
	if err != nil {
		return err
	}
	base := 0
	if o.Port != "" {
		if base, err = procfile.ParsePort(o.Port); err != nil {
			return usageErrorf("-p: %w", err)
		}
	}
	root, err := startRoot(o)
	if err != nil {
		return err
	}

	p, err := prepareChild(ctx, sys, o.runtimeOptions, true)
	if err != nil {
		return err
	}
	defer p.Close()
	if base == 0 {
		if base, err = basePort(p.Vars); err != nil {
			return err
		}
	}
	instances, err := procfile.Instances(plan.Procfile, plan.Formation, plan.Selected, base)
	if err != nil {
		return usageErrorf("%w", err)
	}
	if len(instances) == 0 {
		return usageErrorf("nothing to start: every selected process has a count of 0")
	}

	g := startGroup{sys: sys, o: &o, root: root, instances: instances}
	if _, err := g.config(p.Vars, sigs); err != nil {
		return err // a bad command line, before anything starts
	}
	<-subscribed // every forwarded signal, before a process starts
	// Signals are the group's business from here, as in runRun.
	code, err := runSupervised(ctx, sys, p, o.Watch, o.FetchTimeout, sigs, g.run)
	if cerr := p.Close(); cerr != nil && err == nil {
		fmt.Fprintf(sys.Stderr, "vsync: warning: removing private files: %v\n", cerr)
	}
	if err != nil {
		return err
	}
	if code != 0 {
		return childExit{code}
	}
	return nil
}

// startRoot is the processes' working directory: -d, else the Procfile's
// directory. It must exist.
func startRoot(o startOptions) (string, error) {
	root := o.Root
	if root == "" {
		root = filepath.Dir(o.Procfile)
	}
	if fi, err := os.Stat(root); err != nil {
		return "", withCode(fmt.Errorf("root directory %q: %w", root, fs.ErrNotExist), exitNotFound, "")
	} else if !fi.IsDir() {
		return "", usageErrorf("root %q is not a directory", root)
	}
	return root, nil
}

// basePort is the base port when -p gives none: PORT of the composed
// environment (the last one), else procfile.DefaultBasePort.
func basePort(vars []childenv.Var) (int, error) {
	base := procfile.DefaultBasePort
	for _, v := range vars {
		if v.Key == "PORT" && v.Value != "" {
			var err error
			if base, err = procfile.ParsePort(v.Value); err != nil {
				return 0, usageErrorf("PORT from the %s: %w", v.Source, err)
			}
		}
	}
	return base, nil
}

// startGroup is what every run of the processes shares (again after each
// restart of --watch).
type startGroup struct {
	sys       *sysEnv
	o         *startOptions
	root      string
	instances []procfile.Instance
}

// config is the configuration of one run of every process with vars.
func (g startGroup) config(vars []childenv.Var, sigs <-chan os.Signal) (launcher.GroupConfig, error) {
	env := childenv.Environ(vars)
	procs := make([]launcher.Proc, 0, len(g.instances))
	names := []string{"system"}
	for _, in := range g.instances {
		penv := withoutKeys(env, "PORT", "PS")
		penv = append(penv, in.Environ()...)
		argv, err := in.Argv(penv)
		if err != nil {
			return launcher.GroupConfig{}, withCode(fmt.Errorf("%s: %w", in.Name, err), exitDataErr, "")
		}
		procs = append(procs, launcher.Proc{Name: in.Name, Args: argv, Env: penv, Dir: g.root})
		names = append(names, in.Name)
	}
	var redact []string
	if g.o.Redact {
		for _, v := range vars {
			if v.Source == childenv.SourceVault {
				redact = append(redact, v.Value)
			}
		}
	}
	stdout, _ := g.sys.Stdout.(*os.File)
	out := launcher.NewMux(g.sys.Stdout, launcher.MuxOptions{
		Color:  stdout != nil && launcher.ColorWanted(stdout),
		Width:  launcher.MuxWidth(names...),
		Redact: redact,
	})
	return launcher.GroupConfig{Procs: procs, Out: out, KillTimeout: g.o.Timeout, Signals: sigs}, nil
}

// run runs every process once with vars, for runSupervised.
func (g startGroup) run(ctx context.Context, vars []childenv.Var, sigs <-chan os.Signal) (int, error) {
	cfg, err := g.config(vars, sigs)
	if err != nil {
		return 1, err
	}
	// As vsync run does once its child runs: the group's supervisor
	// mostly waits, so the start-up code's pages go.
	release := g.sys.Process.GroupStarted()
	defer release.Stop()
	return launcher.RunGroup(ctx, cfg)
}

// withoutKeys returns env without the entries for keys.
func withoutKeys(env []string, keys ...string) []string {
	out := make([]string, 0, len(env)+len(keys))
next:
	for _, kv := range env {
		for _, k := range keys {
			if len(kv) > len(k) && kv[len(k)] == '=' && kv[:len(k)] == k {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}
