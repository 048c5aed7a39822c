package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"vsync/vault"
)

func testBundle(env string, files ...vault.File) *vault.Bundle {
	return &vault.Bundle{Manifest: vault.NewManifest(vault.Manifest{Env: env, Generation: 1}, files), Files: files}
}

// TestReplaceEnvFolder: a pull writes over a folder that is the recorded
// one, refuses one with local edits unless forced, and leaves no staging
// directory behind.
func TestReplaceEnvFolder(t *testing.T) {
	p := &Project{Dir: t.TempDir()}
	one := testBundle("prod", vault.File{Path: ".env", Mode: 0o600, Data: []byte("A=1\n")})
	recorded, err := p.ReplaceEnvFolder("prod", one, nil, false) // no folder yet
	if err != nil {
		t.Fatal(err)
	}
	if len(recorded) != 1 || recorded[0].Mode != 0o600 || recorded[0].Path != ".env" {
		t.Fatalf("records %+v", recorded)
	}
	two := testBundle("prod", vault.File{Path: ".env", Mode: 0o600, Data: []byte("A=2\n")})
	if _, err := p.ReplaceEnvFolder("prod", two, recorded, false); err != nil {
		t.Fatalf("over the recorded folder: %v", err)
	}
	if err := os.WriteFile(filepath.Join(p.EnvDir("prod"), ".env"), []byte("A=edited\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = p.ReplaceEnvFolder("prod", one, recorded, false)
	var le *LocalEditsError
	if !errors.As(err, &le) || le.Env != "prod" || le.Dir != p.EnvDir("prod") {
		t.Fatalf("over local edits: %v, want a LocalEditsError", err)
	}
	if _, err := p.ReplaceEnvFolder("prod", one, recorded, true); err != nil {
		t.Fatalf("forced: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(p.EnvDir("prod"), ".env"))
	if err != nil || string(data) != "A=1\n" {
		t.Errorf("folder holds %q, %v", data, err)
	}
	entries, _ := os.ReadDir(p.VaultDir())
	if len(entries) != 1 || entries[0].Name() != "prod" {
		t.Errorf("vault folder holds %v, want only prod", entries)
	}
	// A forced pull does not read the folder: one that cannot be hashed
	// (a symlink in it) is written over all the same.
	if err := os.Symlink("/etc/passwd", filepath.Join(p.EnvDir("prod"), "link")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ReplaceEnvFolder("prod", two, recorded, false); !errors.As(err, new(*FolderReadError)) {
		t.Fatalf("over a folder holding a symlink: %v, want a FolderReadError", err)
	}
	if _, err := p.ReplaceEnvFolder("prod", two, recorded, true); err != nil {
		t.Fatalf("forced over a folder holding a symlink: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(p.EnvDir("prod"), "link")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the symlink is still there: %v", err)
	}
}

func TestHasVault(t *testing.T) {
	if has, err := HasVault(t.TempDir()); has || err != nil {
		t.Errorf("no project: %v, %v", has, err)
	}
	if has, err := HasVault(writeProject(t, "prefix = \"app\"\n")); has || err != nil {
		t.Errorf("no env: %v, %v", has, err)
	}
	if has, err := HasVault(writeProject(t, "prefix = \"app\"\n[envs.prod]\nprofile = \"p\"\n")); !has || err != nil {
		t.Errorf("an env: %v, %v", has, err)
	}
}
