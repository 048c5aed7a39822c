package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRotatePassphraseAtTerminal types a new passphrase at
// rotate-passphrase's prompt on a real pseudo-terminal, each time only
// after the prompt appeared: asked twice, without echo (the passphrase is
// not in the terminal's output), the vault is rotated to it.
func TestRotatePassphraseAtTerminal(t *testing.T) {
	const typed = "typed-at-the-prompt-7c1e"
	u := newUserWith(t, os.Args[0], "VSYNC_TEST_AS_VSYNC=1", "GORACE=atexit_sleep_ms=0", "VSYNC_AUTHOR=t@example.com")
	work := t.TempDir()
	proj := filepath.Join(work, "proj")
	if err := os.Mkdir(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	u.must(work, "profile", "add", "local", "--dir", filepath.Join(work, "vaults"))
	u.must(proj, "init", "prod", "--profile", "local", "--prefix", "p")
	if err := os.WriteFile(filepath.Join(proj, "infra/vault/prod/.env.prod"), []byte("A=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	u.must(proj, "push", "prod", "--note", "one")

	p := startOnPty(t, u.command(proj, "rotate-passphrase", "--env", "prod"))
	p.waitFor(`new passphrase of env "prod" (Enter: generate one): `, 1)
	p.typ(typed + "\r")
	p.waitFor("again: ", 1)
	p.typ(typed + "\r")
	code, out := p.exit()
	if code != 0 || !strings.Contains(out, `env "prod": passphrase rotated`) {
		t.Fatalf("rotate-passphrase at a terminal: exit %d, output %q", code, out)
	}
	if strings.Contains(out, typed) || strings.Contains(out, "vsp1-") {
		t.Errorf("the terminal shows the passphrase, or a generated one: %q", out)
	}
	withNew := newUserWith(t, os.Args[0], "VSYNC_TEST_AS_VSYNC=1", "GORACE=atexit_sleep_ms=0", "VSYNC_PASSPHRASE="+typed)
	withNew.must(work, "profile", "add", "local", "--dir", filepath.Join(work, "vaults"))
	if out, errs, code := withNew.run(proj, "verify", "prod"); code != 0 {
		t.Errorf("verify with the typed passphrase: exit %d\n%s%s", code, out, errs)
	}
}
