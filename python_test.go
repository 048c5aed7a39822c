package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"vsync/internal/childenv"
	"vsync/internal/history"
	"vsync/internal/miniotest"
	"vsync/internal/testsupport"
	"vsync/s3bundle"
	"vsync/vault"
)

// The Python library (python/vsync_s3_client) is tested by its unittest
// suite (python/tests), run here with /usr/bin/python3 against vaults the
// real vsync binary pushed to a real MinIO, and against a corpus of bad
// bundles and tokens on which the same binary gives its verdict first: the
// suite checks that Python refuses each with the exception whose exit_code
// is vsync's. VSYNC_TEST_REQUIRE_S3=1 (CI) makes a missing python3 or
// cryptography a failure, as a missing MinIO is.

// pythonBin is the interpreter with Debian's python3-cryptography,
// python3-django, python3-fastapi and uvicorn (not a pyenv shim on PATH).
const pythonBin = "/usr/bin/python3"

// pyCase is one vault or bad input the Python suite opens.
type pyCase struct {
	Name       string            `json:"name"`
	Config     string            `json:"config"`
	Passphrase string            `json:"passphrase"`
	Want       string            `json:"want"`      // "ok" or the exception class
	ExitCode   int               `json:"exit_code"` // vsync env's exit code for the same input
	GoError    string            `json:"go_error"`  // and its "vsync: error:" line
	Values     map[string]string `json:"values,omitempty"`
	Files      map[string]string `json:"files,omitempty"` // path -> base64
	Generation uint64            `json:"generation,omitempty"`
}

// pyCases is the file the suite reads ($VSYNC_PYTEST_CASES).
type pyCases struct {
	Vsync    string   `json:"vsync"`
	Cases    []pyCase `json:"cases"`
	Canaries []string `json:"canaries"`
	// Live is an env the suite pushes to (has_new_version, the seeds'
	// stale health check): its token, passphrase, and how to push.
	Live struct {
		Config     string   `json:"config"`
		Passphrase string   `json:"passphrase"`
		Dir        string   `json:"dir"`
		Env        []string `json:"env"`
	} `json:"live"`
	Minio struct {
		Endpoint  string `json:"endpoint"`
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
		Bucket    string `json:"bucket"`
	} `json:"minio"`
	Examples string `json:"examples"`
	// Gone is a token of a copy of prod's bundle at apps/gone/prod, which
	// the suite deletes under a running vsync run (its status "unknown").
	Gone string `json:"gone"`
}

func needPython(t *testing.T) {
	t.Helper()
	out, err := exec.Command(pythonBin, "-c", "import cryptography, django, fastapi, uvicorn, dj_database_url, sentry_sdk, psycopg2, gunicorn, setuptools").CombinedOutput()
	if err != nil {
		msg := pythonBin + " with python3-cryptography, python3-django, python3-fastapi, uvicorn, gunicorn, python3-dj-database-url, python3-sentry-sdk, python3-psycopg2 and python3-pip is needed (.ci/run installs them): " + strings.TrimSpace(string(out))
		if os.Getenv(miniotest.RequireEnv) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// pyCanary values are planted in the vault and the passphrases; the suite
// checks that no exception message or repr shows them.
const (
	pyCanaryValue = "pycanary-value-5d1e0b7c"
	pyCanaryPass  = "pycanary-pass-93af1e60"
	pyCanaryFile  = "pycanary-file-0c4d2a91"
)

const pyDotenv = `# comment
DATABASE_URL=postgres://app:pw@db.internal:5432/app
DJANGO_SECRET_KEY="` + pyCanaryValue + `"
DEBUG=False
ALLOWED_HOSTS=myapp.example,www.myapp.example
export EXPORTED = spaced value   # trailing comment
SINGLE='literal $DATABASE_URL \n'
DOUBLE="line1\nline2 \"q\" \$x"
PEM="-----BEGIN KEY-----
abc
-----END KEY-----"
REF=${DATABASE_URL}/ref
OUTER=$PYREF_OUTER.local
HASH=a#b
EMPTY=
DUP=first
DUP=second
DEF=${PY_UNSET_VAR:-fallback ${HASH}}
ALT="${DATABASE_URL:+set}${EMPTY-unset}"
ESC=\$PYREF_OUTER and $$PYREF_OUTER
`

func TestPython(t *testing.T) {
	needPython(t)
	bin := vsyncBinary(t)
	const bucket = "pyvault"
	srv, awsEnv := minioEnv(t, bucket)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	be := testsupport.MinioBackend(t, srv, bucket)

	u := newUser(t, awsEnv...)
	proj := t.TempDir()
	u.must(proj, "profile", "add", "m", "--bucket", bucket, "--endpoint", srv.Endpoint, "--path-style")
	for _, env := range []string{"prod", "live"} {
		u.must(proj, "init", env, "--profile", "m", "--prefix", "apps/web")
	}
	vdir := func(env string) string { return filepath.Join(proj, "infra", "vault", env) }
	writeFile(t, filepath.Join(vdir("prod"), ".env.prod"), []byte(pyDotenv), 0o600)
	binData := make([]byte, 0, 4096)
	for i := range 4096 {
		binData = append(binData, byte(i*31+7))
	}
	files := map[string][]byte{
		"gcp-sa.json":    []byte(`{"type": "service_account", "private_key": "` + pyCanaryFile + `"}` + "\n"),
		"tls/server.crt": []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
		"bin/blob.dat":   binData,
		"café/naïve.txt": []byte("non-ASCII path: a PAX header\n"),
		strings.Repeat("d", 60) + "/" + strings.Repeat("f", 60) + ".txt": []byte("long path: USTAR prefix\n"),
		strings.Repeat("x", 120) + ".txt":                                []byte("long name: PAX path\n"),
	}
	for p, data := range files {
		writeFile(t, filepath.Join(vdir("prod"), filepath.FromSlash(p)), data, 0o600)
	}
	writeFile(t, filepath.Join(vdir("live"), ".env.live"), []byte("GEN=1\n"), 0o600)
	u.must(proj, "push", "prod", "--note", "one")
	u.must(proj, "push", "live", "--note", "one")

	// A second env whose passphrase a person chose: iterated S2K.
	chosen := "chosen " + pyCanaryPass
	uc := newUser(t, append(awsEnv, "VSYNC_PASSPHRASE="+chosen)...)
	projc := t.TempDir()
	uc.must(projc, "profile", "add", "m", "--bucket", bucket, "--endpoint", srv.Endpoint, "--path-style")
	uc.must(projc, "init", "staging", "--profile", "m", "--prefix", "apps/web")
	writeFile(t, filepath.Join(projc, "infra", "vault", "staging", ".env.staging"), []byte("STAGING=1\nQ=\"x y\"\n"), 0o600)
	uc.must(projc, "push", "staging", "--note", "one")

	prodPass := string(u.storedPassphrase("prod"))
	token := func(prefix, env string, mod func(*s3bundle.Token)) string {
		tk := s3bundle.Token{Bucket: bucket, Prefix: prefix, Env: env, Endpoint: srv.Endpoint, PathStyle: true,
			AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
		if mod != nil {
			mod(&tk)
		}
		s, err := tk.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	prodTok := token("apps/web", "prod", nil)
	minted := strings.TrimSpace(u.must(proj, "runtime-token", "--env", "prod", "--access-key", srv.AccessKey, "--secret-key", srv.SecretKey))
	ro := srv.ReadOnlyKey(t, bucket, "apps/web/prod")
	roTok := token("apps/web", "prod", func(tk *s3bundle.Token) {
		tk.AccessKey, tk.SecretKey, tk.SessionToken = ro.AccessKey, ro.SecretKey, ro.SessionToken
	})
	roOther := srv.ReadOnlyKey(t, bucket, "apps/other")
	deniedTok := token("apps/web", "prod", func(tk *s3bundle.Token) {
		tk.AccessKey, tk.SecretKey, tk.SessionToken = roOther.AccessKey, roOther.SecretKey, roOther.SessionToken
	})
	badSecretTok := token("apps/web", "prod", func(tk *s3bundle.Token) { tk.SecretKey = "wrong-" + pyCanaryPass })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()

	// The corpus: bad bundles at apps/corpus-KIND/prod/current.pgp.
	cur, _, err := history.ReadObject(ctx, be, "apps/web/prod/current.pgp", 0)
	if err != nil {
		t.Fatal(err)
	}
	put := func(kind string, data []byte, gen uint64) string {
		t.Helper()
		if _, err := be.Put(ctx, "apps/corpus-"+kind+"/prod/current.pgp", data, s3bundle.PutOptions{Generation: gen}); err != nil {
			t.Fatal(err)
		}
		return token("apps/corpus-"+kind, "prod", nil)
	}
	flip := func(b []byte, off int) []byte {
		c := bytes.Clone(b)
		if off < 0 {
			off += len(c)
		}
		c[off] ^= 0x40
		return c
	}
	seal := func(payload []byte, pass string) []byte {
		var buf bytes.Buffer
		if err := vault.Encrypt(&buf, payload, []byte(pass), vault.SealOptions{S2KCount: 1024}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	goodPayload := func(env string, gen uint64, mutate func(*vault.Bundle)) []byte {
		data := []byte("A=" + pyCanaryValue + "\n")
		b := &vault.Bundle{Files: []vault.File{{Path: ".env." + env, Mode: 0o600, Data: data}}}
		b.Manifest = vault.NewManifest(vault.Manifest{Env: env, Generation: gen, Created: time.Now().UTC(), Author: "t", Note: "n"}, b.Files)
		if mutate != nil {
			mutate(b)
		}
		p, err := vault.MarshalPayload(b)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	evil := func(kind string) []byte {
		p, err := evilPayload("prod", 1, kind)
		if err != nil {
			t.Fatal(err)
		}
		return seal(p, prodPass)
	}
	canonical := goodPayload("prod", 1, nil)
	mismatch := bytes.Clone(canonical)
	if i := bytes.Index(mismatch, []byte(pyCanaryValue)); i >= 0 {
		mismatch[i] ^= 1 // content no longer matches the manifest's SHA-256
	}
	cases := []pyCase{
		{Name: "prod", Config: prodTok, Passphrase: prodPass, Want: "ok"},
		{Name: "prod-minted-token", Config: minted, Passphrase: prodPass, Want: "ok"},
		{Name: "prod-sts-session-token", Config: roTok, Passphrase: prodPass, Want: "ok"},
		{Name: "staging-iterated-s2k", Config: token("apps/web", "staging", nil), Passphrase: chosen, Want: "ok"},
		{Name: "wrong-passphrase", Config: prodTok, Passphrase: "wrong " + pyCanaryPass, Want: "WrongPassphraseError"},
		{Name: "tampered-200", Config: put("tamper200", flip(cur, 200), 1), Passphrase: prodPass, Want: "IntegrityError"},
		{Name: "tampered-mdc", Config: put("tamperlast", flip(cur, -1), 1), Passphrase: prodPass, Want: "IntegrityError"},
		{Name: "truncated-30", Config: put("trunc30", cur[:len(cur)-30], 1), Passphrase: prodPass, Want: "IntegrityError"},
		{Name: "truncated-10", Config: put("trunc10", cur[:10], 1), Passphrase: prodPass, Want: "IntegrityError"},
		{Name: "trailing-garbage", Config: put("trailing", append(bytes.Clone(cur), 0xC0, 0x01, 0x00), 1), Passphrase: prodPass, Want: "IntegrityError"},
		{Name: "unsafe-dotdot", Config: put("dotdot", evil("dotdot"), 1), Passphrase: prodPass, Want: "UnsafePathError"},
		{Name: "unsafe-absolute", Config: put("absolute", evil("absolute"), 1), Passphrase: prodPass, Want: "UnsafePathError"},
		{Name: "unsafe-symlink", Config: put("symlink", evil("symlink"), 1), Passphrase: prodPass, Want: "UnsafePathError"},
		{Name: "unsafe-hardlink", Config: put("hardlink", evil("hardlink"), 1), Passphrase: prodPass, Want: "UnsafePathError"},
		{Name: "not-canonical", Config: put("noncanon", seal(append(bytes.Clone(canonical), make([]byte, 512)...), prodPass), 1), Passphrase: prodPass, Want: "ManifestError"},
		{Name: "manifest-mismatch", Config: put("mismatch", seal(mismatch, prodPass), 1), Passphrase: prodPass, Want: "ManifestError"},
		{Name: "other-env", Config: put("otherenv", seal(goodPayload("staging", 1, nil), prodPass), 1), Passphrase: prodPass, Want: "ManifestError"},
		{Name: "generation-label", Config: put("label", seal(canonical, prodPass), 7), Passphrase: prodPass, Want: "ManifestError"},
		{Name: "nothing-pushed", Config: token("apps/none", "prod", nil), Passphrase: prodPass, Want: "ManifestNotFoundError"},
		{Name: "no-bucket", Config: token("apps/web", "prod", func(tk *s3bundle.Token) { tk.Bucket = "nosuchbucket" }), Passphrase: prodPass, Want: "NoSuchBucketError"},
		{Name: "unreachable", Config: token("apps/web", "prod", func(tk *s3bundle.Token) { tk.Endpoint = "http://" + dead }), Passphrase: prodPass, Want: "S3UnreachableError"},
		{Name: "denied-wrong-secret", Config: badSecretTok, Passphrase: prodPass, Want: "AccessDeniedError"},
		{Name: "denied-other-prefix", Config: deniedTok, Passphrase: prodPass, Want: "AccessDeniedError"},
		{Name: "token-prefix", Config: "vsync-cfg-v2:" + pyCanaryPass, Passphrase: prodPass, Want: "TokenError"},
		{Name: "token-base64", Config: "vsync-cfg-v1:%%%" + pyCanaryPass, Passphrase: prodPass, Want: "TokenError"},
		{Name: "token-gzip", Config: "vsync-cfg-v1:" + base64.StdEncoding.EncodeToString([]byte(pyCanaryPass)), Passphrase: prodPass, Want: "TokenError"},
		{Name: "token-json", Config: rawToken(t, `{"bucket": "`+pyCanaryPass), Passphrase: prodPass, Want: "TokenError"},
		{Name: "token-no-bucket", Config: rawToken(t, `{"env": "prod", "secret_key": "`+pyCanaryPass+`"}`), Passphrase: prodPass, Want: "TokenError"},
		{Name: "token-bad-env", Config: rawToken(t, `{"bucket": "b", "env": "../prod"}`), Passphrase: prodPass, Want: "TokenError"},
		{Name: "token-type", Config: rawToken(t, `{"bucket": 5, "env": "prod"}`), Passphrase: prodPass, Want: "TokenError"},
	}
	if gpg, err := exec.LookPath("gpg"); err == nil {
		cases = append(cases, pyCase{Name: "gpg-compressed", Config: put("gpgzip", gpgSymmetric(t, gpg, canonical, prodPass), 1), Passphrase: prodPass, Want: "IntegrityError"})
	} else {
		needTool(t, "gpg")
	}

	// vsync's verdict on each: exit code, and the values for the good ones.
	empty := t.TempDir()
	for i := range cases {
		c := &cases[i]
		cmd := exec.Command(bin, "env", "--json", "--reveal")
		cmd.Dir = empty
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + empty, "AWS_EC2_METADATA_DISABLED=true",
			"PYREF_OUTER=outer", "VSYNC_CONFIG=" + c.Config, "VSYNC_PASSPHRASE=" + c.Passphrase}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		c.ExitCode = cmd.ProcessState.ExitCode()
		if (c.Want == "ok") != (err == nil) {
			t.Fatalf("case %s: vsync env exit %d (want %s): %s", c.Name, c.ExitCode, c.Want, errb.String())
		}
		if c.Want != "ok" {
			c.GoError, _, _ = strings.Cut(errb.String(), "\n")
			continue
		}
		var vars []childenv.Var
		if err := json.Unmarshal(out.Bytes(), &vars); err != nil {
			t.Fatal(err)
		}
		c.Values = map[string]string{}
		for _, v := range vars {
			switch {
			case v.Source == "vault":
				c.Values[v.Key] = v.Value
			case v.Key == "VSYNC_GENERATION":
				c.Generation = mustUint(t, v.Value)
			}
		}
		if strings.HasPrefix(c.Name, "prod") {
			c.Files = map[string]string{}
			for p, data := range files {
				c.Files[p] = base64.StdEncoding.EncodeToString(data)
			}
		}
	}

	var spec pyCases
	spec.Vsync = bin
	spec.Cases = cases
	spec.Canaries = []string{pyCanaryValue, pyCanaryPass, pyCanaryFile, prodPass, srv.SecretKey, ro.SecretKey, ro.SessionToken}
	spec.Gone = put("gone", cur, 1)
	spec.Live.Config = token("apps/web", "live", nil)
	spec.Live.Passphrase = string(u.storedPassphrase("live"))
	spec.Live.Dir = proj
	spec.Live.Env = u.env
	spec.Minio.Endpoint, spec.Minio.AccessKey, spec.Minio.SecretKey, spec.Minio.Bucket = srv.Endpoint, srv.AccessKey, srv.SecretKey, bucket
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	spec.Examples = filepath.Join(wd, "examples", "python-no-wrapper")
	js, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	casesPath := filepath.Join(t.TempDir(), "cases.json")
	writeFile(t, casesPath, js, 0o600)

	args := []string{"-m", "unittest", "discover", "-s", "tests", "-t", ".", "-v"}
	if only := os.Getenv("VSYNC_PYTEST_ONLY"); only != "" {
		// e.g. VSYNC_PYTEST_ONLY=tests.test_seeds: one module, class or test
		args = append([]string{"-m", "unittest", "-v"}, strings.Fields(only)...)
	}
	cmd := exec.Command(pythonBin, args...)
	cmd.Dir = filepath.Join(wd, "python")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "PYTHONPATH=" + filepath.Join(wd, "python"),
		"PYTHONDONTWRITEBYTECODE=1", "AWS_EC2_METADATA_DISABLED=true", "PYREF_OUTER=outer",
		"VSYNC_PYTEST_CASES=" + casesPath, miniotest.RequireEnv + "=" + os.Getenv(miniotest.RequireEnv),
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3 -m unittest: %v\n%s", err, out)
	}
	t.Logf("python3 -m unittest:\n%s", out)
	if !bytes.Contains(out, []byte("\nOK")) || bytes.Contains(out, []byte("skipped")) && os.Getenv(miniotest.RequireEnv) == "1" {
		t.Fatalf("the Python suite skipped tests with %s=1", miniotest.RequireEnv)
	}
}

// rawToken is a token around hand-written JSON, for malformed-token cases.
func rawToken(t *testing.T, js string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(js)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return s3bundle.TokenPrefix + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// gpgSymmetric is payload encrypted by stock gpg with its default
// compression: a shape the bundle format does not allow.
func gpgSymmetric(t *testing.T, gpg string, payload []byte, pass string) []byte {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pf"), []byte(pass+"\n"), 0o600)
	writeFile(t, filepath.Join(dir, "in"), payload, 0o600)
	cmd := exec.Command(gpg, "--homedir", dir, "--batch", "--pinentry-mode", "loopback", "--passphrase-file", filepath.Join(dir, "pf"),
		"--symmetric", "--cipher-algo", "AES256", "--s2k-digest-algo", "SHA256", "--compress-algo", "zlib",
		"-o", filepath.Join(dir, "out"), filepath.Join(dir, "in"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gpg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("not a generation: %q", s)
	}
	return n
}
