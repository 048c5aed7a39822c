package supervise

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"vsync/internal/childenv"
	"vsync/launcher"
	"vsync/procfile"
)

// ErrNothingToStart is a formation in which every selected process has a
// count of 0.
var ErrNothingToStart = errors.New("nothing to start: every selected process has a count of 0")

// CommandError is a process whose command line gives no argv (empty, or
// with unbalanced quotes): nothing starts.
type CommandError struct {
	Process string // "web.1"
	Err     error
}

func (e *CommandError) Error() string { return e.Process + ": " + e.Err.Error() }
func (e *CommandError) Unwrap() error { return e.Err }

// NotDirError is a working directory for the processes that is not a
// directory.
type NotDirError struct{ Root string }

func (e *NotDirError) Error() string { return fmt.Sprintf("root %q is not a directory", e.Root) }

// FormationRoot is the processes' working directory: root (-d), else the
// directory of the Procfile at procfilePath. It must exist (an error
// wrapping fs.ErrNotExist) and be a directory (*NotDirError).
func FormationRoot(root, procfilePath string) (string, error) {
	if root == "" {
		root = filepath.Dir(procfilePath)
	}
	if fi, err := os.Stat(root); err != nil {
		return "", fmt.Errorf("root directory %q: %w", root, fs.ErrNotExist)
	} else if !fi.IsDir() {
		return "", &NotDirError{Root: root}
	}
	return root, nil
}

// PlanInstances are the instances plan runs, their ports numbered from
// base, or when base is 0 from PORT of the composed environment vars (the
// last one), else procfile.DefaultBasePort. Errors wrap
// procfile.ErrBadPort, or are ErrNothingToStart.
func PlanInstances(plan *procfile.Plan, base int, vars []childenv.Var) ([]procfile.Instance, error) {
	if base == 0 {
		base = procfile.DefaultBasePort
		for _, v := range vars {
			if v.Key == "PORT" && v.Value != "" {
				var err error
				if base, err = procfile.ParsePort(v.Value); err != nil {
					return nil, fmt.Errorf("PORT from the %s: %w", v.Source, err)
				}
			}
		}
	}
	instances, err := procfile.Instances(plan.Procfile, plan.Formation, plan.Selected, base)
	if err != nil {
		return nil, err
	}
	if len(instances) == 0 {
		return nil, ErrNothingToStart
	}
	return instances, nil
}

// Formation is the processes of `vsync start`, side by side in Root, each
// with the composed environment plus its PORT and PS, their lines
// multiplexed on Stdout. Run is its Incarnation (again after each restart
// of --watch).
type Formation struct {
	Root        string
	Instances   []procfile.Instance
	Redact      bool          // print *** for the vault's values in the output
	KillTimeout time.Duration // after SIGTERM, before SIGKILL
	Stdout      io.Writer
	// Running, when not nil, is called as the processes start; the func
	// it returns, once they are gone.
	Running func() (stop func())
}

// Check returns the error Run would return for vars before anything
// starts (a *CommandError), so that it comes before the processes do.
func (f Formation) Check(vars []childenv.Var) error {
	_, err := f.config(vars, nil)
	return err
}

// Run runs every process once with vars and returns the exit code of the
// formation (launcher.RunGroup).
func (f Formation) Run(ctx context.Context, vars []childenv.Var, sigs <-chan os.Signal) (int, error) {
	cfg, err := f.config(vars, sigs)
	if err != nil {
		return 1, err
	}
	if f.Running != nil {
		defer f.Running()()
	}
	return launcher.RunGroup(ctx, cfg)
}

// config is the configuration of one run of every process with vars.
func (f Formation) config(vars []childenv.Var, sigs <-chan os.Signal) (launcher.GroupConfig, error) {
	env := childenv.Environ(vars)
	procs := make([]launcher.Proc, 0, len(f.Instances))
	names := []string{"system"}
	for _, in := range f.Instances {
		penv := childenv.WithoutKeys(env, "PORT", "PS")
		penv = append(penv, in.Environ()...)
		argv, err := in.Argv(penv)
		if err != nil {
			return launcher.GroupConfig{}, &CommandError{Process: in.Name, Err: err}
		}
		procs = append(procs, launcher.Proc{Name: in.Name, Args: argv, Env: penv, Dir: f.Root})
		names = append(names, in.Name)
	}
	stdout, _ := f.Stdout.(*os.File)
	out := launcher.NewMux(f.Stdout, launcher.MuxOptions{
		Color:  stdout != nil && launcher.ColorWanted(stdout),
		Width:  launcher.MuxWidth(names...),
		Redact: f.redacted(vars),
	})
	return launcher.GroupConfig{Procs: procs, Out: out, KillTimeout: f.KillTimeout, Signals: sigs}, nil
}

// redacted are the values the output hides: the vault's, with Redact.
func (f Formation) redacted(vars []childenv.Var) []string {
	if !f.Redact {
		return nil
	}
	var redact []string
	for _, v := range vars {
		if v.Source == childenv.SourceVault {
			redact = append(redact, v.Value)
		}
	}
	return redact
}

// Child is the child of `vsync run`: Config gives all but the environment
// and the signals, which each Run sets. Run is its Incarnation.
type Child struct{ Config launcher.Config }

// Run runs the child once with vars and returns its exit code
// (launcher.Run); arguments and environment too large for execve are a
// *childenv.ArgsTooLargeError naming the largest variables.
func (c Child) Run(ctx context.Context, vars []childenv.Var, sigs <-chan os.Signal) (int, error) {
	cfg := c.Config
	cfg.Env, cfg.Signals = childenv.Environ(vars), sigs
	code, err := launcher.Run(ctx, cfg)
	if errors.Is(err, launcher.ErrArgsTooLarge) {
		err = childenv.ArgsTooLarge(err, cfg.Args, vars)
	}
	return code, err
}
