package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyReportWriteFails: verify's report goes through a buffer when
// stdout is not a terminal; a write that fails (stdout is /dev/full) is
// an error, not a success with the report cut short, and the lines of a
// report that could be written all arrive.
func TestVerifyReportWriteFails(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	u := newUser(t)
	root := t.TempDir()
	proj := filepath.Join(root, "proj")
	if err := os.Mkdir(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	u.must(root, "profile", "add", "local", "--dir", filepath.Join(root, "vaults"))
	u.must(proj, "init", "prod", "--profile", "local")
	for i := range 3 {
		if err := os.WriteFile(filepath.Join(proj, "infra/vault/prod/.env.prod"), []byte("N="+strings.Repeat("x", i+1)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		u.must(proj, "push", "prod", "--note", "n")
	}
	out := u.must(proj, "verify", "prod")
	if n := strings.Count(out, " ok: "); n != 3 || !strings.Contains(out, "3 generations verified") {
		t.Errorf("verify printed %d generation lines:\n%s", n, out)
	}

	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	cmd := u.command(proj, "verify", "prod")
	var errb strings.Builder
	cmd.Stdout, cmd.Stderr = full, &errb
	if err := cmd.Run(); err == nil {
		t.Fatalf("verify with stdout on /dev/full exited 0; stderr:\n%s", errb.String())
	}
	if s := errb.String(); !strings.HasPrefix(s, "vsync: error: writing verify's report") || !strings.Contains(s, "no space left") {
		t.Errorf("stderr = %q, want one line saying the report could not be written", s)
	}
}
