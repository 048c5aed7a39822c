package main

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"vsync/internal/childenv"
	"vsync/s3bundle"
	"vsync/vault"
)

// collidebundle ROOT PREFIX ENV: commit, as the next generation of ENV, a
// sound bundle (under $VSYNC_PASSPHRASE, as made by other tools) that
// vsync run could not start from: files "tls/x.crt" and "tls_x.crt".
func cmdCollidebundle(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: collidebundle ROOT PREFIX ENV")
	}
	files := []vault.File{
		{Path: ".env." + args[2], Mode: 0o600, Data: []byte("A=collide\n")},
		{Path: "tls/x.crt", Mode: 0o600, Data: []byte("one")},
		{Path: "tls_x.crt", Mode: 0o600, Data: []byte("two")},
	}
	commitNext(ts, args[0], args[1], args[2], func(gen uint64) []byte {
		return sealFiles(ts, args[2], gen, files, ts.Getenv("VSYNC_PASSPHRASE"), "other@tools", "collide")
	})
}

// gpgBundle is payload encrypted by stock gpg in the bundle's shape
// (AES-256, SHA-256 S2K, no compression): a bundle made by other tools.
func gpgBundle(t *testing.T, gpg string, payload []byte, pass []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pf"), append(pass, '\n'), 0o600)
	writeFile(t, filepath.Join(dir, "payload.tar"), payload, 0o600)
	cmd := exec.Command(gpg, "--homedir", dir, "--batch", "--pinentry-mode", "loopback", "--passphrase-file", filepath.Join(dir, "pf"),
		"--symmetric", "--cipher-algo", "AES256", "--s2k-digest-algo", "SHA256", "--compress-algo", "none",
		"-o", filepath.Join(dir, "out"), filepath.Join(dir, "payload.tar"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gpg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestNotStartableBundleFromOtherTools: bundles made without vsync push
// (a tar, encrypted by gpg, stored in the vault) that vsync run could not
// start from are refused by run, env, pull and verify with 65 and the
// files named, nothing written; one whose tar is not in vsync's canonical
// form (GNU tar's own) with 68. Never 1.
func TestNotStartableBundleFromOtherTools(t *testing.T) {
	gpg := needTool(t, "gpg")
	tarBin := needTool(t, "tar")
	vaults := t.TempDir()
	u := newUser(t, "VSYNC_PASSPHRASE=a passphrase of other tools")
	proj := t.TempDir()
	u.must(proj, "profile", "add", "local", "--dir", vaults)
	u.must(proj, "init", "prod", "--profile", "local", "--prefix", "p")
	writeFile(t, filepath.Join(proj, "infra/vault/prod/.env.prod"), []byte("A=1\n"), 0o600)
	u.must(proj, "push", "prod", "--note", "first")
	be, err := s3bundle.NewDir(vaults)
	if err != nil {
		t.Fatal(err)
	}
	st := &s3bundle.Store{Backend: be, Prefix: "p", Env: "prod"}
	pass := []byte("a passphrase of other tools")
	commit := func(t *testing.T, ct []byte) {
		t.Helper()
		ctx := context.Background()
		tip, cur, err := st.Tip(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Commit(ctx, tip+1, ct, cur); err != nil {
			t.Fatal(err)
		}
	}
	file := func(p, data string) vault.File { return vault.File{Path: p, Mode: 0o600, Data: []byte(data)} }
	for _, tc := range []struct {
		name  string
		files []vault.File
		want  string
	}{
		{"collision", []vault.File{file(".env.prod", "A=2\n"), file("tls/x.crt", "one"), file("tls_x.crt", "two")},
			`files "tls/x.crt" and "tls_x.crt" both map to TLS_X_CRT_FILE`},
		{"file and directory", []vault.File{file(".env.prod", "A=2\n"), file("a", "x"), file("a/b", "y")},
			`"a" is a file, and "a/b" needs it to be a directory`},
		{"status socket", []vault.File{file(".env.prod", "A=2\n"), file(".vsync-status.sock", "x")},
			`".vsync-status.sock": names starting with ".vsync-" are vsync's own`},
		{"long name", []vault.File{file(".env.prod", "A=2\n"), file(strings.Repeat("n", 300), "x")},
			`has a name of 300 bytes`},
		{"variable too long", []vault.File{file(".env.prod", "BIG="+strings.Repeat("v", 200<<10)+"\n")},
			`BIG is 204805 bytes, more than the 131072 execve takes`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tip, _, err := st.Tip(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			m := vault.NewManifest(vault.Manifest{Env: "prod", Generation: tip + 1, Parent: tip,
				Created: time.Now().UTC().Truncate(time.Second), Author: "other@tools", Note: tc.name}, tc.files)
			payload, err := vault.MarshalPayload(&vault.Bundle{Manifest: m, Files: tc.files})
			if err != nil {
				t.Fatal(err)
			}
			commit(t, gpgBundle(t, gpg, payload, pass))
			before := snapshotDir(t, filepath.Join(proj, "infra/vault/prod"))
			for _, args := range [][]string{
				{"run", "--env", "prod", "--", "true"},
				{"env", "--env", "prod"},
				{"pull", "prod"},
				{"verify", "prod"},
			} {
				_, stderr, code := u.run(proj, args...)
				want := tc.want
				if args[0] == "verify" { // names the first such generation
					want = childenv.ErrNotStartable.Error()
				}
				if code != exitDataErr || !strings.Contains(stderr, want) {
					t.Errorf("vsync %s: exit %d, want %d and %q:\n%s", args[0], code, exitDataErr, tc.want, stderr)
				}
			}
			if after := snapshotDir(t, filepath.Join(proj, "infra/vault/prod")); after != before {
				t.Error("a refused bundle changed the env's folder")
			}
		})
	}
	t.Run("GNU tar", func(t *testing.T) {
		dir := t.TempDir()
		files := []vault.File{file(".env.prod", "A=3\n")}
		tip, _, _ := st.Tip(context.Background())
		m := vault.NewManifest(vault.Manifest{Env: "prod", Generation: tip + 1, Parent: tip, Created: time.Now().UTC().Truncate(time.Second)}, files)
		payload, err := vault.MarshalPayload(&vault.Bundle{Manifest: m, Files: files})
		if err != nil {
			t.Fatal(err)
		}
		// Unpack vsync's tar, pack it again with GNU tar.
		cmd := exec.Command(tarBin, "-x")
		cmd.Dir, cmd.Stdin = dir, bytes.NewReader(payload)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("tar -x: %v\n%s", err, out)
		}
		out, err := exec.Command(tarBin, "-C", dir, "-c", ".vsync/manifest.json", ".env.prod").Output()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tar.NewReader(bytes.NewReader(out)).Next(); err != nil {
			t.Fatal(err)
		}
		commit(t, gpgBundle(t, gpg, out, pass))
		_, stderr, code := u.run(proj, "run", "--env", "prod", "--", "true")
		if code != exitTampered || !strings.Contains(stderr, "canonical form") {
			t.Errorf("run: exit %d, want %d:\n%s", code, exitTampered, stderr)
		}
	})
}

// snapshotDir is every path, mode and content under dir, as one string.
func snapshotDir(t *testing.T, dir string) string {
	t.Helper()
	files, err := vault.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range files {
		b.WriteString(f.Path + " " + f.Mode.String() + " " + string(f.Data) + "\n")
	}
	return b.String()
}

// TestRunEnvironmentTooLarge: an environment execve refuses (E2BIG), here
// from an -e file, is exit 76 with the sizes and the largest variable
// named, never its value; nothing was started.
func TestRunEnvironmentTooLarge(t *testing.T) {
	u := newUser(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name, env, want string
	}{
		// One string over MAX_ARG_STRLEN.
		{"one variable", "BIG=CANARY-e2big-" + strings.Repeat("v", 200<<10) + "\n", "the largest, BIG, is 204818 bytes"},
		// Each under it, all of them over the 2 MiB of an 8 MiB stack.
		{"all of them", strings.Repeat("MANY_XX=CANARY-e2big-"+strings.Repeat("v", 100<<10)+"\n", 1), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.env
			if tc.name == "all of them" {
				var b strings.Builder
				for i := range 40 {
					b.WriteString("MANY_" + string(rune('A'+i/26)) + string(rune('A'+i%26)) + "=CANARY-e2big-" + strings.Repeat("v", 100<<10) + "\n")
				}
				env = b.String()
			}
			writeFile(t, filepath.Join(dir, "big.env"), []byte(env), 0o600)
			marker := filepath.Join(dir, "started")
			_, stderr, code := u.run(dir, "run", "-e", "big.env", "--", "sh", "-c", "touch "+marker)
			if code != exitTooBig || !strings.Contains(stderr, "arguments and environment too large to execute") || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want %d:\n%.2000s", code, exitTooBig, redacted(stderr))
			}
			if strings.Contains(stderr, "CANARY-e2big") {
				t.Error("a value reached the error message")
			}
			if _, err := os.Stat(marker); err == nil {
				t.Error("the command ran")
			}
		})
	}
}
