package runtimevault

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"vsync/internal/childenv"
)

// The dotenv-only mode: .env of DotenvDir over the process environment,
// the defaults under both, and nothing written.
func TestPrepareDotenvOnly(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("A=from-dotenv\nB=from-dotenv\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := options(nil, dir)
	o.DotenvDir = dir
	o.Environ = []string{"A=from-process", "PATH=/bin"}
	o.Defaults = []string{"C=default", "A=default"}
	o.Preserve = []string{"A"}
	p, err := Prepare(context.Background(), o, true)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Vault != nil || p.Private != nil || p.Status != nil {
		t.Fatalf("dotenv-only: vault %v, private %v, socket %v", p.Vault != nil, p.Private != nil, p.Status != nil)
	}
	got := map[string]string{}
	for _, v := range p.Vars {
		got[v.Key] = v.Value
	}
	want := map[string]string{"A": "from-process", "B": "from-dotenv", "C": "default", "PATH": "/bin", "VSYNC_ENV": ""}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s=%q (set %v), want %q", k, g, ok, v)
		}
	}
	if len(childenv.Environ(p.Vars)) != len(want) {
		t.Errorf("environment %q, want the keys of %v", childenv.Environ(p.Vars), want)
	}
}

// A missing -e file fails before anything is written.
func TestPrepareMissingDotenv(t *testing.T) {
	o := options(nil, t.TempDir())
	o.EnvFiles = []string{filepath.Join(t.TempDir(), "missing.env")}
	if p, err := Prepare(context.Background(), o, true); err == nil || p != nil {
		t.Fatalf("Prepare with a missing -e file: %v", err)
	}
}
