package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"vsync/internal/history"
	"vsync/internal/miniotest"
	"vsync/internal/testpgp"
	"vsync/internal/testsupport"
	"vsync/internal/workspace"
	"vsync/s3bundle"
	"vsync/vault"
)

// The rotate-passphrase tests run the test binary as vsync (test hooks:
// cheap S2K for chosen passphrases, VSYNC_TEST_ROTATE_STOP_AFTER) against
// MinIO, and check every object with vsync's reader and with stock gpg.

// rotObjects is how many objects rotTeam's env holds: 3 generations and
// current.pgp.
const rotObjects = 4

// rotTeam is a project whose env "prod" has three generations in MinIO.
type rotTeam struct {
	t    *testing.T
	u    *user
	srv  *miniotest.Server
	proj string
	st   *s3bundle.Store
}

func newRotTeam(t *testing.T, srv *miniotest.Server, awsEnv []string, prefix string) *rotTeam {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	u := newUserWith(t, exe, append([]string{"VSYNC_TEST_AS_VSYNC=1", "GORACE=atexit_sleep_ms=0"}, awsEnv...)...)
	proj := t.TempDir()
	u.must(proj, "profile", "add", "m", "--bucket", "vault", "--endpoint", srv.Endpoint, "--path-style")
	u.must(proj, "init", "prod", "--profile", "m", "--prefix", prefix)
	for i := 1; i <= 3; i++ {
		writeFile(t, filepath.Join(proj, "infra/vault/prod/.env.prod"), fmt.Appendf(nil, "SECRET=CANARY_v%d\n", i), 0o600)
		writeFile(t, filepath.Join(proj, "infra/vault/prod/key.bin"), bytes.Repeat([]byte{byte(i)}, 3000), 0o600)
		u.must(proj, "push", "prod", "--note", fmt.Sprintf("change %d", i))
	}
	return &rotTeam{t: t, u: u, srv: srv, proj: proj,
		st: &s3bundle.Store{Backend: testsupport.MinioBackend(t, srv, "vault"), Prefix: prefix, Env: "prod"}}
}

// checkout is another clone of the project (the committed vsync.toml),
// with env prod pulled.
func (r *rotTeam) checkout() string {
	r.t.Helper()
	toml, err := os.ReadFile(filepath.Join(r.proj, "vsync.toml"))
	if err != nil {
		r.t.Fatal(err)
	}
	dir := r.t.TempDir()
	writeFile(r.t, filepath.Join(dir, "vsync.toml"), toml, 0o600)
	r.u.must(dir, "pull", "prod")
	return dir
}

// objects returns every object of the env, by key.
func (r *rotTeam) objects() map[string][]byte {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	keys, err := r.st.Backend.List(ctx, r.st.Prefix+"/prod/")
	if err != nil {
		r.t.Fatal(err)
	}
	objs := map[string][]byte{}
	for _, k := range keys {
		data, _, err := history.ReadObject(ctx, r.st.Backend, k, 0)
		if err != nil {
			r.t.Fatal(err)
		}
		objs[k] = data
	}
	return objs
}

// rotationOrder lists keys in the order a rotation rewrites them:
// generations oldest first, then current.pgp.
func rotationOrder(objs map[string][]byte) []string {
	var keys []string
	for k := range objs {
		if strings.Contains(k, "/generations/") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for k := range objs {
		if strings.HasSuffix(k, "/current.pgp") {
			keys = append(keys, k)
		}
	}
	return keys
}

// opens reports whether data decrypts (MDC checked) with pass.
func opens(data, pass []byte) bool {
	_, err := vault.Decrypt(bytes.NewReader(data), pass, vault.ReadOptions{Size: int64(len(data))})
	return err == nil
}

// gpgDecrypt runs stock gpg on data with pass in a passphrase file.
func gpgDecrypt(t *testing.T, gpg string, data, pass []byte) ([]byte, error) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "m.pgp"), data, 0o600)
	writeFile(t, filepath.Join(dir, "pf"), append(append([]byte{}, pass...), '\n'), 0o600)
	if err := os.Mkdir(filepath.Join(dir, "gnupg"), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gpg, "--batch", "--pinentry-mode", "loopback", "--passphrase-file", "pf", "-d", "m.pgp")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GNUPGHOME="+filepath.Join(dir, "gnupg"))
	var errb bytes.Buffer
	cmd.Stderr = &errb
	return cmd.Output()
}

// pendingEntries lists the pending rotation entries in u's store.
func (u *user) pendingEntries() []string {
	var cfg string
	for _, kv := range u.env {
		if v, ok := strings.CutPrefix(kv, "XDG_CONFIG_HOME="); ok {
			cfg = v
		}
	}
	m, _ := filepath.Glob(filepath.Join(cfg, "vsync", "passphrases", "*.pending"))
	return m
}

var printedPassphrase = regexp.MustCompile(`(?m)^    (vsp1-\S+)$`)

// TestRotatePassphrase: after a rotation (to a generated or a chosen
// passphrase) gpg decrypts every object of the env with the new passphrase
// and none with the old one, the older generations keep their data
// packets byte for byte, verify passes, log shows the rotation, another
// checkout reports stale, the store holds the new passphrase, the next push
// works, and no secret value was printed.
func TestRotatePassphrase(t *testing.T) {
	gpg := needTool(t, "gpg")
	srv, awsEnv := minioEnv(t, "vault")
	for _, tc := range []struct{ name, chosen string }{
		{"generated", ""},
		{"chosen", "a chosen passphrase, long enough"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			team := newRotTeam(t, srv, awsEnv, "rot-"+tc.name)
			u := team.u
			other := team.checkout() // at generation 3, like a deployment

			old := u.storedPassphrase("prod")
			before := team.objects()
			args := []string{"rotate-passphrase", "--env", "prod"}
			if tc.chosen != "" {
				args = append(args, "--new-passphrase", tc.chosen)
			}
			out, errs, code := u.run(team.proj, args...)
			if code != 0 {
				t.Fatalf("rotate-passphrase: exit %d\n%s%s", code, out, errs)
			}
			newPass := []byte(tc.chosen)
			if tc.chosen == "" {
				m := printedPassphrase.FindStringSubmatch(out)
				if m == nil {
					t.Fatalf("no generated passphrase printed:\n%s", out)
				}
				newPass = []byte(m[1])
			} else if strings.Contains(out+errs, tc.chosen) {
				t.Error("the chosen passphrase was printed")
			}
			if strings.Contains(out+errs, "CANARY") || strings.Contains(out+errs, string(old)) {
				t.Error("a secret value (a canary) or the old passphrase was printed")
			}
			if got := u.storedPassphrase("prod"); !bytes.Equal(got, newPass) {
				t.Error("the store does not hold the new passphrase")
			}
			if p := u.pendingEntries(); len(p) != 0 {
				t.Errorf("pending entries left: %v", p)
			}

			after := team.objects()
			if len(after) != len(before)+1 {
				t.Fatalf("%d objects after, %d before: want one more, the record", len(after), len(before))
			}
			for _, k := range rotationOrder(after) {
				if tags := testpgp.PacketTags(t, after[k]); len(tags) != 2 || tags[0] != 3 || tags[1] != 18 {
					t.Errorf("%s: packets %v, want one passphrase packet (3) and the data (18)", k, tags)
				}
				got, err := gpgDecrypt(t, gpg, after[k], newPass)
				if err != nil {
					t.Errorf("gpg with the new passphrase on %s: %v", k, err)
				}
				want, err := vault.Decrypt(bytes.NewReader(after[k]), newPass, vault.ReadOptions{})
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s: gpg's output differs from vsync's (%v)", k, err)
				}
				if _, err := gpgDecrypt(t, gpg, after[k], old); err == nil {
					t.Errorf("gpg decrypted %s with the old passphrase", k)
				}
			}
			for k, b := range before {
				if !strings.Contains(k, "/generations/") {
					continue
				}
				if bytes.Equal(after[k], b) {
					t.Errorf("%s was not rewritten", k)
				}
				_, data := testpgp.SplitMessage(t, after[k])
				_, was := testpgp.SplitMessage(t, b)
				if !bytes.Equal(data, was) {
					t.Errorf("%s: the data packets changed", k)
				}
			}

			vout := u.must(team.proj, "verify", "prod")
			if !strings.Contains(vout, `env "prod": 4 generations verified; current.pgp is generation 4`) {
				t.Errorf("verify:\n%s", vout)
			}
			lout := u.must(team.proj, "log", "prod")
			if !regexp.MustCompile(`^generation 4\n  date: .*\n  author: tester@.*\n  note:   rotate passphrase\n`).MatchString(lout) {
				t.Errorf("log does not start with the rotation:\n%s", lout)
			}
			sout, _, code := u.run(other, "status", "--env", "prod")
			if code != 1 || !strings.Contains(sout, "stale: env prod runs generation 3, the bucket has 4") {
				t.Errorf("status in the other checkout: exit %d\n%s", code, sout)
			}
			// This checkout follows the record: the next push is generation 5.
			writeFile(t, filepath.Join(team.proj, "infra/vault/prod/.env.prod"), []byte("SECRET=CANARY_v5\n"), 0o600)
			if pout := u.must(team.proj, "push", "prod", "--note", "after"); !strings.Contains(pout, "pushed generation 5") {
				t.Errorf("push after the rotation:\n%s", pout)
			}
		})
	}
}

// runKilled runs vsync with VSYNC_TEST_ROTATE_STOP_AFTER=n and checks that
// it died of SIGKILL. It returns its stdout.
func runKilled(t *testing.T, u *user, dir string, n int, args ...string) string {
	t.Helper()
	cmd := u.command(dir, args...)
	cmd.Env = append(cmd.Env, fmt.Sprintf("VSYNC_TEST_ROTATE_STOP_AFTER=%d", n))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("stop after %d: want death by SIGKILL, got %v\n%s%s", n, err, out.String(), errb.String())
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("stop after %d: %v, want SIGKILL\n%s%s", n, err, out.String(), errb.String())
	}
	return out.String()
}

// TestRotateKilled: a rotation SIGKILLed after each object in turn, and
// after the record, leaves every object readable with the old or the new
// passphrase (the first n with the new one), the stored passphrase
// unchanged; the same command run again finishes: every object opens with
// the new passphrase only, one generation records the rotation, and verify
// passes.
func TestRotateKilled(t *testing.T) {
	srv, awsEnv := minioEnv(t, "vault")
	for _, tc := range []struct{ name, chosen string }{
		{"generated", ""},
		{"chosen", "a chosen passphrase, long enough"},
	} {
		// n = rotObjects+1: killed after the record, before the store is
		// updated; the rerun must not push a second record.
		for n := 1; n <= rotObjects+1; n++ {
			t.Run(fmt.Sprintf("%s/after-%d", tc.name, n), func(t *testing.T) {
				team := newRotTeam(t, srv, awsEnv, fmt.Sprintf("kill-%s-%d", tc.name, n))
				u := team.u
				old := u.storedPassphrase("prod")
				args := []string{"rotate-passphrase", "--env", "prod"}
				if tc.chosen != "" {
					args = append(args, "--new-passphrase", tc.chosen)
				}
				out := runKilled(t, u, team.proj, n, args...)

				if !bytes.Equal(u.storedPassphrase("prod"), old) {
					t.Fatal("the stored passphrase changed before the rotation was complete")
				}
				pending := u.pendingEntries()
				if len(pending) != 1 {
					t.Fatalf("pending entries %v, want one", pending)
				}
				newPass, err := workspace.ReadPassphraseFile(pending[0])
				if err != nil {
					t.Fatal(err)
				}
				if tc.chosen != "" && string(newPass) != tc.chosen {
					t.Fatal("the pending entry is not the chosen passphrase")
				}
				if tc.chosen == "" {
					m := printedPassphrase.FindStringSubmatch(out)
					if m == nil || m[1] != string(newPass) {
						t.Fatalf("the generated passphrase was not printed before the first write:\n%s", out)
					}
				}
				objs := team.objects()
				for i, k := range rotationOrder(objs) {
					o, nw := opens(objs[k], old), opens(objs[k], newPass)
					switch {
					case o == nw:
						t.Errorf("%s: opens with old %v, with new %v: want exactly one", k, o, nw)
					case nw != (i < n):
						t.Errorf("%s (object %d): opens with the new passphrase: %v, after %d writes", k, i+1, nw, n)
					}
				}

				// Again, as the issue says: the current passphrase from the
				// store, the new one given again (or picked up when it was
				// generated).
				rout := u.must(team.proj, args...)
				if want := fmt.Sprintf("%s rewrapped (%d already %s); generation 4 records the rotation", plural(max(rotObjects-n, 0), "object"), n, wasWere(n)); !strings.Contains(rout, want) {
					t.Errorf("rerun: want %q in\n%s", want, rout)
				}
				if tc.chosen == "" && printedPassphrase.MatchString(rout) {
					t.Error("the rerun printed the passphrase again")
				}
				objs = team.objects()
				if len(objs) != rotObjects+1 {
					t.Errorf("%d objects, want %d", len(objs), rotObjects+1)
				}
				for k, data := range objs {
					if !opens(data, newPass) || opens(data, old) {
						t.Errorf("%s does not open with the new passphrase only", k)
					}
				}
				if !bytes.Equal(u.storedPassphrase("prod"), newPass) {
					t.Error("the store does not hold the new passphrase")
				}
				if p := u.pendingEntries(); len(p) != 0 {
					t.Errorf("pending entries left: %v", p)
				}
				u.must(team.proj, "verify", "prod")
			})
		}
	}
}

// TestRotateNewPassphraseOneLine: a new passphrase that the store (one
// line, a trailing CR dropped) could not give back is refused before
// anything is written, instead of rotating every object to a passphrase
// that neither the store nor the pending entry then holds.
func TestRotateNewPassphraseOneLine(t *testing.T) {
	srv, awsEnv := minioEnv(t, "vault")
	team := newRotTeam(t, srv, awsEnv, "rot-oneline")
	u := team.u
	old := u.storedPassphrase("prod")
	before := team.objects()
	for _, np := range []string{"a chosen passphrase,\nlong enough", "a chosen passphrase, long enough\r"} {
		out, errs, code := u.run(team.proj, "rotate-passphrase", "--env", "prod", "--new-passphrase", np)
		if code != exitUsage || !strings.Contains(errs, "line break") {
			t.Errorf("new passphrase %q: exit %d, want %d and a line break named\n%s", np, code, exitUsage, strings.ReplaceAll(out+errs, "a chosen passphrase", "<passphrase>"))
		}
		if strings.Contains(out+errs, "a chosen passphrase") {
			t.Error("the new passphrase was printed")
		}
	}
	after := team.objects()
	for k, b := range before {
		if !bytes.Equal(after[k], b) {
			t.Errorf("%s was rewritten", k)
		}
	}
	if !bytes.Equal(u.storedPassphrase("prod"), old) {
		t.Error("the stored passphrase changed")
	}
	if p := u.pendingEntries(); len(p) != 0 {
		t.Errorf("pending entries: %v", p)
	}
}

// TestRotateResumeWithNewPassphraseInEnv: an interrupted rotation run again
// with VSYNC_PASSPHRASE giving the new (pending) passphrase is not taken as
// complete, since the store still holds the old one: nothing is written,
// the pending entry stays, and the rerun with the stored passphrase
// finishes the rotation.
func TestRotateResumeWithNewPassphraseInEnv(t *testing.T) {
	srv, awsEnv := minioEnv(t, "vault")
	team := newRotTeam(t, srv, awsEnv, "rot-envnew")
	u := team.u
	old := u.storedPassphrase("prod")
	runKilled(t, u, team.proj, 2, "rotate-passphrase", "--env", "prod")
	pending := u.pendingEntries()
	if len(pending) != 1 {
		t.Fatalf("pending entries %v, want one", pending)
	}
	newPass, err := workspace.ReadPassphraseFile(pending[0])
	if err != nil {
		t.Fatal(err)
	}
	before := team.objects()

	cmd := u.command(team.proj, "rotate-passphrase", "--env", "prod")
	cmd.Env = append(append([]string{}, u.env...), "VSYNC_PASSPHRASE="+string(newPass))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitUsage {
		hide := strings.NewReplacer(string(newPass), "<new passphrase>", string(old), "<old passphrase>")
		t.Fatalf("rerun with the new passphrase in VSYNC_PASSPHRASE: %v, want exit %d\n%s", err, exitUsage, hide.Replace(string(out)))
	}
	if strings.Contains(string(out), string(newPass)) || strings.Contains(string(out), string(old)) {
		t.Error("a passphrase was printed")
	}
	if p := u.pendingEntries(); len(p) != 1 {
		t.Fatalf("pending entries after the rerun: %v, want the one kept", p)
	}
	after := team.objects()
	for k, b := range before {
		if !bytes.Equal(after[k], b) {
			t.Errorf("%s was rewritten", k)
		}
	}
	if !bytes.Equal(u.storedPassphrase("prod"), old) {
		t.Error("the stored passphrase changed")
	}

	rout := u.must(team.proj, "rotate-passphrase", "--env", "prod")
	if want := "2 objects rewrapped (2 already were); generation 4 records the rotation"; !strings.Contains(rout, want) {
		t.Errorf("rerun with the stored passphrase: want %q in\n%s", want, rout)
	}
	if !bytes.Equal(u.storedPassphrase("prod"), newPass) {
		t.Error("the store does not hold the new passphrase")
	}
}

// TestRotateConcurrentPush: a teammate pushes with the old passphrase while
// a rotation is half done (killed after 2 objects); the rerun rewraps the
// teammate's generation too and records the rotation on top of it: nothing
// is lost.
func TestRotateConcurrentPush(t *testing.T) {
	srv, awsEnv := minioEnv(t, "vault")
	team := newRotTeam(t, srv, awsEnv, "concurrent")
	u := team.u
	mate := team.checkout()
	old := u.storedPassphrase("prod")

	const chosen = "a chosen passphrase, long enough"
	args := []string{"rotate-passphrase", "--env", "prod", "--new-passphrase", chosen}
	runKilled(t, u, team.proj, 2, args...)

	// The teammate still has the old passphrase and pushes generation 4.
	mateEnv := []byte("SECRET=CANARY_mate\n")
	writeFile(t, filepath.Join(mate, "infra/vault/prod/.env.prod"), mateEnv, 0o600)
	if out := u.must(mate, "push", "prod", "--note", "teammate"); !strings.Contains(out, "pushed generation 4") {
		t.Fatalf("teammate's push:\n%s", out)
	}
	if !opens(team.objects()[team.st.GenerationKey(4)], old) {
		t.Fatal("the teammate's generation is not under the old passphrase")
	}

	out := u.must(team.proj, args...)
	if !strings.Contains(out, "generation 5 records the rotation") {
		t.Errorf("rerun:\n%s", out)
	}
	for k, data := range team.objects() {
		if !opens(data, []byte(chosen)) || opens(data, old) {
			t.Errorf("%s does not open with the new passphrase only", k)
		}
	}
	ctx := context.Background()
	for _, g := range []uint64{4, 5} {
		b, _, err := history.Fetch(ctx, team.st, []byte(chosen), nil, g)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		for _, f := range b.Files {
			if f.Path == ".env.prod" {
				got = f.Data
			}
		}
		if !bytes.Equal(got, mateEnv) {
			t.Errorf("generation %d lost the teammate's change", g)
		}
	}
	u.must(team.proj, "verify", "prod")
}

// TestRotateRacesPushes: a rotation and four teammates' pushes (with the
// old passphrase) start at the same moment, in a few rounds. Whatever the
// interleaving: the rotation succeeds, each push wins or gets a conflict
// (72), every object ends up opening with the new passphrase only, each
// winner's change is in its generation, the newest generation is the record
// with the files of the one before it, and verify passes.
func TestRotateRacesPushes(t *testing.T) {
	srv, awsEnv := minioEnv(t, "vault")
	const mates = 4
	const chosen = "a chosen passphrase, long enough"
	for round := range 3 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			team := newRotTeam(t, srv, awsEnv, fmt.Sprintf("race-%d", round))
			u := team.u
			old := u.storedPassphrase("prod")
			dirs := make([]string, mates)
			want := make([][]byte, mates)
			for i := range dirs {
				dirs[i] = team.checkout()
				want[i] = fmt.Appendf(nil, "SECRET=CANARY_mate_%d\n", i)
				writeFile(t, filepath.Join(dirs[i], "infra/vault/prod/.env.prod"), want[i], 0o600)
			}
			cmds := []*exec.Cmd{u.command(team.proj, "rotate-passphrase", "--env", "prod", "--new-passphrase", chosen)}
			for i := range dirs {
				cmds = append(cmds, u.command(dirs[i], "push", "prod", "--note", fmt.Sprint("mate ", i)))
			}
			outs := make([]bytes.Buffer, len(cmds))
			for i, c := range cmds {
				c.Stdout, c.Stderr = &outs[i], &outs[i]
			}
			for _, c := range cmds {
				if err := c.Start(); err != nil {
					t.Fatal(err)
				}
			}
			codes := make([]int, len(cmds))
			for i, c := range cmds {
				err := c.Wait()
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					codes[i] = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
			}
			if codes[0] != 0 {
				t.Fatalf("rotation: exit %d\n%s", codes[0], outs[0].String())
			}
			genRE := regexp.MustCompile(`pushed generation (\d+) `)
			won := map[uint64]int{}
			for i := 1; i < len(cmds); i++ {
				switch codes[i] {
				case 0:
					var g uint64
					m := genRE.FindStringSubmatch(outs[i].String())
					if m == nil {
						t.Fatalf("push %d: exit 0 without a generation:\n%s", i-1, outs[i].String())
					}
					fmt.Sscan(m[1], &g)
					won[g] = i - 1
				case exitConflict:
				default:
					t.Errorf("push %d: exit %d\n%s", i-1, codes[i], outs[i].String())
				}
			}
			t.Logf("round %d: %d of %d pushes won; rotation: %s", round, len(won), mates,
				strings.TrimSpace(outs[0].String()[strings.LastIndex(strings.TrimSpace(outs[0].String()), "\nenv ")+1:]))
			objs := team.objects()
			for k, data := range objs {
				if !opens(data, []byte(chosen)) || opens(data, old) {
					t.Errorf("%s does not open with the new passphrase only", k)
				}
			}
			ctx := context.Background()
			for g, i := range won {
				b, _, err := history.Fetch(ctx, team.st, []byte(chosen), nil, g)
				if err != nil {
					t.Fatal(err)
				}
				if b.Files[0].Path != ".env.prod" || !bytes.Equal(b.Files[0].Data, want[i]) {
					t.Errorf("generation %d lost teammate %d's change", g, i)
				}
			}
			tip, _, err := team.st.Tip(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := history.Fetch(ctx, team.st, []byte(chosen), nil, tip)
			if err != nil {
				t.Fatal(err)
			}
			prev, _, err := history.Fetch(ctx, team.st, []byte(chosen), nil, tip-1)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Manifest.Note != history.RotationNote || tip != uint64(3+len(won)+1) {
				t.Errorf("newest generation %d has note %q; want the record at %d", tip, rec.Manifest.Note, 3+len(won)+1)
			}
			if len(rec.Files) != len(prev.Files) || !bytes.Equal(rec.Files[0].Data, prev.Files[0].Data) {
				t.Error("the record's files differ from its parent's")
			}
			u.must(team.proj, "verify", "prod")
		})
	}
}
