package main

import (
	"context"
	"fmt"
	"io"

	"vsync/internal/childenv"
	"vsync/internal/history"
	"vsync/internal/workspace"
)

// home is the operator's configuration directory and passphrase variables
// as sys gives them.
func home(sys *world) workspace.Home { return workspace.Home{Getenv: sys.Getenv} }

// envVault is one env of a project, opened for a command: where it lives
// and how to unlock it (history.Env: its Store, passphrase and location,
// workspace.VaultLocation), and the project and profile it comes from.
type envVault struct {
	history.Env
	Project     *workspace.Project
	ProfileName string
	Profile     workspace.Profile
}

// openEnvVault finds the project at or above dir, looks up env's profile
// and builds its Store. With needPassphrase it also resolves the passphrase
// (VSYNC_PASSPHRASE, VSYNC_PASSPHRASE_FILE, else the local store). It does
// no network round trip. It first cleans up after any pull of the project
// that was killed (workspace.RemoveStaleStages).
func openEnvVault(ctx context.Context, sys *world, dir, env string, needPassphrase bool) (*envVault, error) {
	if err := workspace.CheckEnvName(env); err != nil {
		return nil, err
	}
	proj, err := workspace.FindProject(dir)
	if err != nil {
		return nil, err
	}
	return openProjectEnv(ctx, sys, proj, env, needPassphrase)
}

// openWorkdirVault is openEnvVault for the project at or above the working
// directory, as every operator command opens it.
func openWorkdirVault(ctx context.Context, sys *world, env string, needPassphrase bool) (*envVault, error) {
	cwd, err := sys.Getwd()
	if err != nil {
		return nil, err
	}
	return openEnvVault(ctx, sys, cwd, env, needPassphrase)
}

// openProjectEnv is openEnvVault for an already loaded project.
func openProjectEnv(ctx context.Context, sys *world, proj *workspace.Project, env string, needPassphrase bool) (*envVault, error) {
	if _, err := proj.Env(env); err != nil {
		return nil, err
	}
	reportStaleStages(sys.Stderr, proj)
	we, err := home(sys).OpenEnv(ctx, proj, env, workspace.OpenOptions{
		NeedPassphrase: needPassphrase,
		S3Timeout:      sys.Hooks.S3Timeout,
		WrapBackend:    sys.Hooks.WrapBackend,
		Warn:           func(msg string) { fmt.Fprintf(sys.Stderr, "vsync: warning: %s\n", msg) },
	})
	if err != nil {
		return nil, err
	}
	return &envVault{
		Env:         history.Env{Store: we.Store, Passphrase: we.Passphrase, Location: we.Location},
		Project:     we.Project,
		ProfileName: we.ProfileName,
		Profile:     we.Profile,
	}, nil
}

// reportStaleStages runs workspace.RemoveStaleStages on the project's
// vault folder and tells w what it did; a failure is a warning, never
// fatal.
func reportStaleStages(w io.Writer, p *workspace.Project) {
	done, err := workspace.RemoveStaleStages(p.VaultDir())
	for _, d := range done {
		fmt.Fprintf(w, "vsync: %s\n", d)
	}
	if err != nil {
		fmt.Fprintf(w, "vsync: warning: cleaning up after an interrupted pull: %v\n", err)
	}
}

// author names who pushes (workspace.Home.Author); git gets vsync's
// environment without the variables a child never sees.
func author(ctx context.Context, sys *world, dir string) string {
	return home(sys).Author(ctx, dir, childenv.WithoutKeys(sys.Environ(), childenv.ScrubbedVars()...))
}
