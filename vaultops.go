package main

import (
	"path/filepath"

	"vsync/internal/history"
	"vsync/internal/workspace"
	"vsync/vault"
)

// envVault is one env of a project, opened for a command: where it lives
// and how to unlock it (history.Env: its Store, passphrase and location,
// workspace.VaultLocation), and the project and profile it comes from.
type envVault struct {
	history.Env
	Project     *workspace.Project
	ProfileName string
	Profile     workspace.Profile
}

// checkDotenvs parses every dotenv file of an env's folder; a syntax error
// names the file (relative to the project) and the line.
func checkDotenvs(p *workspace.Project, env string, files []vault.File) error {
	for _, f := range files {
		if !history.IsDotenv(f.Path) {
			continue
		}
		name := filepath.ToSlash(filepath.Join(workspace.VaultDirRel, env, f.Path))
		if _, err := vault.ParseDotenv(name, f.Data, nil); err != nil {
			return withHint(err, "fix the line, then push again; nothing was pushed")
		}
	}
	return nil
}
