package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vsync/internal/runtimevault"
)

// envCLI runs `vsync env ARGS...` in this process with only the variables
// of getenv visible to discovery (the process environment is still the
// "process" layer) and returns stdout.
func envCLI(t *testing.T, getenv map[string]string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	sys := newWorld(strings.NewReader(""), &out, &errb)
	dir := t.TempDir()
	sys.Getwd = func() (string, error) { return dir, nil }
	sys.Getenv = func(k string) string { return getenv[k] }
	if code := run(context.Background(), append([]string{"vsync", "env"}, args...), sys); code != 0 {
		t.Fatalf("vsync env: exit %d: %s", code, errb.String())
	}
	return out.String()
}

// TestEnvTextColumnsAndMasking: the value column starts at the same place
// on every line, an env file's quoted path included, and only what can be
// a secret (env files, the vault) is masked: --default and process values
// show.
func TestEnvTextColumnsAndMasking(t *testing.T) {
	const canary = "CANARY-env-file-7f3a"
	f := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(f, []byte("FROM_FILE="+canary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := envCLI(t, nil, "-e", f, "--default", "ONLY_DEFAULT=shown-default")
	if strings.Contains(out, canary) {
		t.Fatal("an env file's value is printed without --reveal")
	}
	want := map[string]string{ // key -> value column
		"FROM_FILE":    runtimevault.Masked,
		"ONLY_DEFAULT": "shown-default",
		"PATH":         os.Getenv("PATH"),
	}
	col := -1
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		key, _, _ := strings.Cut(line, " ")
		v, ok := want[key]
		if !ok {
			continue
		}
		delete(want, key)
		if !strings.HasSuffix(line, "  "+v) {
			t.Errorf("%s: value column is not %q", key, v)
			continue
		}
		at := len(line) - len(v)
		if col >= 0 && at != col {
			t.Errorf("%s: value at column %d, others at %d:\n%s", key, at, col, strings.ReplaceAll(out, canary, "CANARY"))
		}
		col = at
	}
	if len(want) > 0 {
		t.Errorf("lines missing for %v", want)
	}
}
