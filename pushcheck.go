package main

import (
	"path/filepath"

	"vsync/internal/history"
	"vsync/internal/workspace"
	"vsync/vault"
)

// checkDotenvs parses every dotenv file of an env's folder before a push;
// a syntax error names the file (relative to the project) and the line.
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
