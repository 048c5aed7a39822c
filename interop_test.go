package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"vsync/internal/history"
	"vsync/internal/miniotest"
	"vsync/internal/seaweedtest"
	"vsync/internal/testsupport"
	"vsync/internal/workspace"
	"vsync/s3bundle"
	"vsync/vault"
)

// These tests run a real vsync binary (built once, without test hooks, so
// the default S2K applies) against real peers: gpg, the AWS CLI, MinIO,
// and 16 concurrent vsync processes.

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
)

// vsyncBinary builds vsync once per test binary run.
func vsyncBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vsync-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildBin = filepath.Join(dir, "vsync")
		out, err := exec.Command("go", "build", "-o", buildBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// needTool skips the test when a command is missing, or fails it when
// VSYNC_TEST_REQUIRE_S3=1 (CI installs gpg and awscli).
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(miniotest.RequireEnv) == "1" {
			t.Fatalf("%s=1 and %s is missing (apt-get install -y gpg awscli)", miniotest.RequireEnv, name)
		}
		t.Skipf("%s is missing (apt-get install -y gpg awscli)", name)
	}
	return p
}

// user is one person on a laptop: a config dir and an environment.
type user struct {
	t   *testing.T
	bin string
	env []string
}

func newUser(t *testing.T, extra ...string) *user {
	return newUserWith(t, vsyncBinary(t), extra...)
}

// newUserWith is newUser running bin as vsync.
func newUserWith(t *testing.T, bin string, extra ...string) *user {
	home := t.TempDir()
	env := []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"PATH=" + os.Getenv("PATH"),
		"USER=tester",
		"GIT_CONFIG_NOSYSTEM=1",
		"AWS_EC2_METADATA_DISABLED=true",
	}
	return &user{t: t, bin: bin, env: append(env, extra...)}
}

// run runs vsync in dir and returns stdout, stderr and the exit code.
func (u *user) run(dir string, args ...string) (string, string, int) {
	u.t.Helper()
	cmd := u.command(dir, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		u.t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func (u *user) command(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(u.bin, args...)
	cmd.Dir = dir
	cmd.Env = u.env
	return cmd
}

// must runs vsync and fails the test unless it exits 0.
func (u *user) must(dir string, args ...string) string {
	u.t.Helper()
	out, errs, code := u.run(dir, args...)
	if code != 0 {
		u.t.Fatalf("vsync %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// storedPassphrase reads the passphrase init stored for env.
func (u *user) storedPassphrase(env string) []byte {
	u.t.Helper()
	var cfg string
	for _, kv := range u.env {
		if v, ok := strings.CutPrefix(kv, "XDG_CONFIG_HOME="); ok {
			cfg = v
		}
	}
	all, _ := filepath.Glob(filepath.Join(cfg, "vsync", "passphrases", env+"-*"))
	var m []string
	for _, p := range all {
		if !strings.HasSuffix(p, ".pending") { // a rotation's pending entry
			m = append(m, p)
		}
	}
	if len(m) != 1 {
		u.t.Fatalf("want one stored passphrase for %s, found %v", env, m)
	}
	p, err := workspace.ReadPassphraseFile(m[0])
	if err != nil {
		u.t.Fatal(err)
	}
	return p
}

// minioEnv starts MinIO with a bucket and returns the server and the
// environment that reaches it through the AWS chain.
func minioEnv(t *testing.T, bucket string) (*miniotest.Server, []string) {
	t.Helper()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, bucket)
	return srv, []string{
		"AWS_ACCESS_KEY_ID=" + srv.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + srv.SecretKey,
		"AWS_REGION=us-east-1",
	}
}

func writeFile(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

// operatorFiles are an env's files: a dotenv, a binary file with every
// byte value, and a nested certificate.
func operatorFiles(env string) map[string][]byte {
	bin := make([]byte, 0, 1024)
	for i := range 1024 {
		bin = append(bin, byte(i*7))
	}
	return map[string][]byte{
		".env." + env:     []byte("DATABASE_URL=postgres://u:p@db/app\nDEBUG=false\nMULTI=\"a b\"\n"),
		"gcp-sa.json":     []byte(`{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"}`),
		"blob.bin":        bin,
		"tls/server.crt":  []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
		"deep/a/b/c.conf": []byte("x = 1\n"),
	}
}

// TestGPGInterop: stock gpg decrypts what vsync pushed to MinIO, and tar
// unpacks the operator's files byte for byte — for a generated passphrase
// (salted S2K) and a chosen one (iterated S2K).
func TestGPGInterop(t *testing.T) {
	gpg := needTool(t, "gpg")
	needTool(t, "tar")
	srv, awsEnv := minioEnv(t, "vault")
	for _, tc := range []struct {
		name, chosen string
		big          bool // over s3bundle.StreamMin: uploaded in parts, current.pgp a copy
	}{
		{"generated", "", false},
		{"chosen", "a passphrase a person chose", false},
		{"big", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := append([]string{}, awsEnv...)
			if tc.chosen != "" {
				env = append(env, "VSYNC_PASSPHRASE="+tc.chosen)
			}
			u := newUser(t, env...)
			proj := t.TempDir()
			u.must(proj, "profile", "add", "m", "--bucket", "vault", "--endpoint", srv.Endpoint, "--path-style")
			u.must(proj, "init", "prod", "--profile", "m", "--prefix", "gpg-"+tc.name)
			files := operatorFiles("prod")
			if tc.big {
				blob := make([]byte, 3*s3bundle.StreamMin+12345)
				rand.Read(blob)
				files["blob.bin"] = blob
			}
			for p, d := range files {
				writeFile(t, filepath.Join(proj, "infra/vault/prod", p), d, 0o600)
			}
			u.must(proj, "push", "prod", "--note", "for gpg")
			pass := []byte(tc.chosen)
			if tc.chosen == "" {
				pass = u.storedPassphrase("prod")
			}

			work := t.TempDir()
			be := testsupport.MinioBackend(t, srv, "vault")
			ct, _ := readObject(t, be, "gpg-"+tc.name+"/prod/current.pgp")
			if gen, info := readObject(t, be, "gpg-"+tc.name+"/prod/generations/0000000001.pgp"); tc.big &&
				(!bytes.Equal(gen, ct) || !strings.Contains(info.ETag, "-")) {
				t.Errorf("generation 1 (%d bytes, ETag %s) is not current.pgp (%d bytes) uploaded in parts", len(gen), info.ETag, len(ct))
			}
			writeFile(t, filepath.Join(work, "current.pgp"), ct, 0o600)
			writeFile(t, filepath.Join(work, "pf"), append(pass, '\n'), 0o600)
			gnupg := filepath.Join(work, "gnupg")
			if err := os.Mkdir(gnupg, 0o700); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(gpg, "--batch", "--passphrase-file", "pf", "-o", "s.tar", "-d", "current.pgp")
			cmd.Dir = work
			cmd.Env = append(os.Environ(), "GNUPGHOME="+gnupg)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("gpg: %v\n%s", err, out)
			}
			out := filepath.Join(work, "out")
			if err := os.Mkdir(out, 0o700); err != nil {
				t.Fatal(err)
			}
			cmd = exec.Command("tar", "-xf", "../s.tar")
			cmd.Dir = out
			if o, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("tar: %v\n%s", err, o)
			}
			if _, err := os.Stat(filepath.Join(out, vault.ManifestPath)); err != nil {
				t.Errorf("no manifest in the tar: %v", err)
			}
			got, err := vault.ReadDir(out)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, f := range got {
				if f.Path == vault.ManifestPath {
					continue
				}
				n++
				want, ok := files[f.Path]
				if !ok {
					t.Errorf("unexpected file %q in the tar", f.Path)
				} else if !bytes.Equal(f.Data, want) {
					t.Errorf("%s differs from the operator's file", f.Path)
				}
			}
			if n != len(files) {
				t.Errorf("tar holds %d files, want %d", n, len(files))
			}
		})
	}
}

// readObject is the object at key, whole.
func readObject(t *testing.T, be s3bundle.Backend, key string) ([]byte, s3bundle.ObjectInfo) {
	t.Helper()
	rc, info, err := be.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data, info
}

// TestAWSCLIInterop: the AWS CLI sees exactly the normative layout, and
// copies out the same bytes vsync reads.
func TestAWSCLIInterop(t *testing.T) {
	aws := needTool(t, "aws")
	srv, awsEnv := minioEnv(t, "vault")
	u := newUser(t, awsEnv...)
	proj := t.TempDir()
	u.must(proj, "profile", "add", "m", "--bucket", "vault", "--endpoint", srv.Endpoint, "--path-style")
	u.must(proj, "init", "prod", "--profile", "m", "--prefix", "myapp")
	writeFile(t, filepath.Join(proj, "infra/vault/prod/.env.prod"), []byte("A=1\n"), 0o600)
	u.must(proj, "push", "prod", "--note", "one")

	awsHome := t.TempDir()
	awsRun := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(aws, append([]string{"--endpoint-url", srv.Endpoint}, args...)...)
		cmd.Env = append([]string{"HOME=" + awsHome, "PATH=" + os.Getenv("PATH"),
			"AWS_CONFIG_FILE=" + filepath.Join(awsHome, "none"), "AWS_DEFAULT_REGION=us-east-1"}, awsEnv...)
		out, err := cmd.Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
			}
			t.Fatal(err)
		}
		return string(out)
	}
	var keys []string
	for _, line := range strings.Split(strings.TrimSpace(awsRun("s3", "ls", "--recursive", "s3://vault/")), "\n") {
		f := strings.Fields(line)
		keys = append(keys, f[len(f)-1])
	}
	sort.Strings(keys)
	want := []string{"myapp/prod/current.pgp", "myapp/prod/generations/0000000001.pgp"}
	if strings.Join(keys, " ") != strings.Join(want, " ") {
		t.Fatalf("aws s3 ls --recursive: %q, want %q", keys, want)
	}
	dst := filepath.Join(t.TempDir(), "c.pgp")
	awsRun("s3", "cp", "s3://vault/myapp/prod/current.pgp", dst)
	got, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := vault.Open(bytes.NewReader(got), u.storedPassphrase("prod"), vault.ReadOptions{})
	if err != nil {
		t.Fatalf("the object the AWS CLI copied does not open: %v", err)
	}
	if b.Manifest.Generation != 1 || b.Manifest.Env != "prod" {
		t.Errorf("manifest: generation %d env %q", b.Manifest.Generation, b.Manifest.Env)
	}
	meta := awsRun("s3api", "head-object", "--bucket", "vault", "--key", "myapp/prod/current.pgp")
	if !regexp.MustCompile(`"vsync-generation":\s*"1"`).MatchString(meta) {
		t.Errorf("head-object metadata lacks vsync-generation 1:\n%s", meta)
	}
}

// TestConcurrentPushes: 16 checkouts of one project, each with its own
// change on the same base, push at once. Each push gets its own
// generation or a conflict; generations are 1..k without a gap; verify
// passes; each winner's content is in its generation.
func TestConcurrentPushes(t *testing.T) {
	t.Run("dir", func(t *testing.T) {
		root := t.TempDir()
		u := newUser(t)
		u.must(root, "profile", "add", "shared", "--dir", filepath.Join(root, "vaults"))
		// profile add creates a missing --dir (0700).
		be, err := s3bundle.NewDir(filepath.Join(root, "vaults"))
		if err != nil {
			t.Fatal(err)
		}
		concurrentPushes(t, u, root, be)
	})
	t.Run("minio", func(t *testing.T) {
		srv, awsEnv := minioEnv(t, "vault")
		root := t.TempDir()
		u := newUser(t, awsEnv...)
		u.must(root, "profile", "add", "shared", "--bucket", "vault", "--endpoint", srv.Endpoint, "--path-style")
		concurrentPushes(t, u, root, testsupport.MinioBackend(t, srv, "vault"))
	})
	// SeaweedFS: a second S3 implementation, with the same settings.
	t.Run("seaweedfs", func(t *testing.T) {
		srv := seaweedtest.Start(t)
		srv.MakeBucket(t, "vault")
		root := t.TempDir()
		u := newUser(t, "AWS_ACCESS_KEY_ID="+srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+srv.SecretKey, "AWS_REGION=us-east-1")
		u.must(root, "profile", "add", "shared", "--bucket", "vault", "--endpoint", srv.Endpoint, "--path-style")
		concurrentPushes(t, u, root, testsupport.MinioBackend(t, srv, "vault"))
	})
}

func concurrentPushes(t *testing.T, u *user, root string, be s3bundle.Backend) {
	const n = 16
	first := filepath.Join(root, "checkout-0")
	if err := os.Mkdir(first, 0o700); err != nil {
		t.Fatal(err)
	}
	u.must(first, "init", "prod", "--profile", "shared", "--prefix", "race")
	base := []byte("BASE=1\n")
	writeFile(t, filepath.Join(first, "infra/vault/prod/.env.prod"), base, 0o600)
	u.must(first, "push", "prod", "--note", "base")
	toml, err := os.ReadFile(filepath.Join(first, "vsync.toml"))
	if err != nil {
		t.Fatal(err)
	}

	dirs := make([]string, n)
	want := make([][]byte, n)
	for i := range n {
		dirs[i] = filepath.Join(root, fmt.Sprintf("co-%02d", i))
		writeFile(t, filepath.Join(dirs[i], "vsync.toml"), toml, 0o600)
		u.must(dirs[i], "pull", "prod")
		want[i] = fmt.Appendf(append([]byte{}, base...), "KEY_%02d=value-%02d\n", i, i)
		writeFile(t, filepath.Join(dirs[i], "infra/vault/prod/.env.prod"), want[i], 0o600)
	}

	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	errs := make([]*bytes.Buffer, n)
	for i := range n {
		cmds[i] = u.command(dirs[i], "push", "prod", "--note", fmt.Sprintf("change %d", i))
		outs[i], errs[i] = new(bytes.Buffer), new(bytes.Buffer)
		cmds[i].Stdout, cmds[i].Stderr = outs[i], errs[i]
	}
	for i := range n {
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	genRE := regexp.MustCompile(`pushed generation (\d+) `)
	won := map[uint64]int{} // generation -> checkout
	for i := range n {
		err := cmds[i].Wait()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		switch code {
		case exitOK:
			m := genRE.FindStringSubmatch(outs[i].String())
			if m == nil {
				t.Fatalf("checkout %d: exit 0 without a generation: %s", i, outs[i])
			}
			g, _ := strconv.ParseUint(m[1], 10, 64)
			if prev, dup := won[g]; dup {
				t.Fatalf("generation %d was given to checkouts %d and %d", g, prev, i)
			}
			won[g] = i
		case exitConflict:
			if !strings.Contains(errs[i].String(), "vsync: error: ") {
				t.Errorf("checkout %d: conflict without an error line: %s", i, errs[i])
			}
			// Nothing lost: the loser's folder is as it was.
			got, err := os.ReadFile(filepath.Join(dirs[i], "infra/vault/prod/.env.prod"))
			if err != nil || !bytes.Equal(got, want[i]) {
				t.Errorf("checkout %d lost its edit", i)
			}
		default:
			t.Errorf("checkout %d: exit %d, want 0 or %d\n%s%s", i, code, exitConflict, outs[i], errs[i])
		}
	}
	if len(won) == 0 {
		t.Fatal("no push won")
	}
	t.Logf("%d of %d concurrent pushes won", len(won), n)

	st := &s3bundle.Store{Backend: be, Prefix: "race", Env: "prod"}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	gens, err := st.Generations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(gens) != 1+len(won) {
		t.Fatalf("generations %v, want 1..%d", gens, 1+len(won))
	}
	for i, g := range gens {
		if g != uint64(i+1) {
			t.Fatalf("generations %v have a gap", gens)
		}
	}
	u.must(first, "verify", "prod")

	pass := u.storedPassphrase("prod")
	for g, i := range won {
		b, _, err := history.Fetch(ctx, st, pass, nil, g)
		if err != nil {
			t.Fatalf("generation %d: %v", g, err)
		}
		var got []byte
		for _, f := range b.Files {
			if f.Path == ".env.prod" {
				got = f.Data
			}
		}
		if !bytes.Equal(got, want[i]) {
			t.Errorf("generation %d does not hold checkout %d's change:\n%s", g, i, got)
		}
		if b.Manifest.Note != fmt.Sprintf("change %d", i) {
			t.Errorf("generation %d has note %q", g, b.Manifest.Note)
		}
	}
}
