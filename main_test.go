package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"vsync/internal/miniotest"
	"vsync/s3bundle"
	"vsync/vault"
)

// TestMain makes the test binary double as the vsync binary for the
// scripts: "exec vsync ..." runs main with the test hooks set.
//
// The Go tests of the runtime (run_test.go) use the helper-process
// pattern instead: "TESTBIN __child MODE" is the helper child, and the test
// binary with VSYNC_TEST_AS_VSYNC=1 is vsync.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "__child" {
		os.Exit(childMain(os.Args[2:]))
	}
	if os.Getenv("VSYNC_TEST_AS_VSYNC") == "1" {
		os.Exit(mainWith(testHooksFromEnv()))
	}
	testscript.Main(m, map[string]func(){
		"vsync":     func() { os.Exit(mainWith(testHooksFromEnv())) },
		"vsynchild": func() { os.Exit(childMain(os.Args[1:])) },
	})
}

// testHooksFromEnv makes chosen passphrases cheap to stretch, when
// VSYNC_TEST_S3_TIMEOUT is set bounds S3 operations, and when
// VSYNC_TEST_ROTATE_STOP_AFTER=N is set makes rotate-passphrase SIGKILL
// itself after N writes to the vault, and when VSYNC_TEST_REQUEST_LOG=FILE
// is set appends each request to the backend to FILE (requestLog):
// test-only knobs, never flags.
func testHooksFromEnv() testHooks {
	h := testHooks{S2KCount: 1024}
	h.RotateStopAfter, _ = strconv.Atoi(os.Getenv("VSYNC_TEST_ROTATE_STOP_AFTER"))
	h.Panic = os.Getenv("VSYNC_TEST_PANIC") == "1"
	if path := os.Getenv("VSYNC_TEST_REQUEST_LOG"); path != "" {
		h.WrapBackend = func(b s3bundle.Backend) s3bundle.Backend { return wrapRequestLog(b, path) }
	}
	if d, err := time.ParseDuration(os.Getenv("VSYNC_TEST_S3_TIMEOUT")); err == nil {
		h.S3Timeout = d
	}
	return h
}

// TestScripts runs the end-to-end scripts in testdata/script. Scripts that
// start with "[!minio] skip" need a MinIO binary; with
// VSYNC_TEST_REQUIRE_S3=1 they fail instead of skipping.
func TestScripts(t *testing.T) {
	testscript.RunT(redactT{t}, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			home := filepath.Join(e.WorkDir, "home")
			if err := os.MkdirAll(home, 0o700); err != nil {
				return err
			}
			e.Setenv("HOME", home)
			e.Setenv("XDG_CONFIG_HOME", filepath.Join(e.WorkDir, "config"))
			e.Setenv("XDG_CACHE_HOME", filepath.Join(e.WorkDir, "cache"))
			e.Setenv("USER", "tester")
			e.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			e.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			e.Setenv("NO_COLOR", "1")
			e.Setenv(miniotest.RequireEnv, os.Getenv(miniotest.RequireEnv))
			e.Values[scriptMinioKey{}] = &scriptMinio{}
			if os.Getenv("GORACE") == "" {
				// Under -race every vsync process would sleep 1s at exit.
				e.Setenv("GORACE", "atexit_sleep_ms=10")
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "minio":
				if _, err := miniotest.Binary(); err != nil {
					// Required: say yes, and let the minio command fail.
					return os.Getenv(miniotest.RequireEnv) == "1", nil
				}
				return true, nil
			case "root":
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":         cmdExits,
			"minio":         cmdMinio,
			"tamper":        cmdTamper,
			"truncate":      cmdTruncate,
			"perm":          cmdPerm,
			"snapshot":      cmdSnapshot,
			"nocanary":      cmdNocanary,
			"deadport":      cmdDeadport,
			"hangport":      cmdHangport,
			"evilbundle":    cmdEvilbundle,
			"collidebundle": cmdCollidebundle, // startable_test.go
			"s3get":         cmdS3get,
			"s3put":         cmdS3put,

			// runtime_script_test.go
			"mktoken":     cmdMktoken,
			"decodetoken": cmdDecodetoken,
			"setfrom":     cmdSetfrom,
			"rokey":       cmdRokey,
			"emptydir":    cmdEmptydir,

			// cache_script_test.go
			"minioctl": cmdMinioctl,
			"cacheage": cmdCacheage,

			// watch_script_test.go
			"waitfor":     cmdWaitfor,
			"foreignpush": cmdForeignpush,
		},
	})
}

// exits CODE PROG [ARGS...]: run PROG and check its exact exit code;
// stdout and stderr are kept for the next commands, as with exec.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		got = ee.ExitCode()
	default:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// minio BUCKET...: start a MinIO server for this script, create the
// buckets, and set MINIO_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
// and AWS_REGION. It is stopped when the script ends.
func cmdMinio(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! minio")
	}
	if _, err := miniotest.Binary(); err != nil {
		ts.Fatalf("%s=%s and %v", miniotest.RequireEnv, os.Getenv(miniotest.RequireEnv), err)
	}
	srv, err := miniotest.StartProcess(ts.MkAbs(".minio"))
	ts.Check(err)
	ts.Defer(func() { srv.Stop() })
	if h, ok := ts.Value(scriptMinioKey{}).(*scriptMinio); ok {
		h.srv = srv // for minioctl
	}
	ts.Setenv("MINIO_ENDPOINT", srv.Endpoint)
	ts.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	ts.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	ts.Setenv("AWS_REGION", "us-east-1")
	for _, b := range args {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := srv.CreateBucket(ctx, b)
		cancel()
		ts.Check(err)
	}
}

// tamper FILE OFFSET: flip every bit of the byte at OFFSET (negative:
// from the end).
func cmdTamper(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: tamper FILE OFFSET")
	}
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	off, err := strconv.Atoi(args[1])
	ts.Check(err)
	if off < 0 {
		off += len(data)
	}
	if off < 0 || off >= len(data) {
		ts.Fatalf("offset %s outside %d bytes", args[1], len(data))
	}
	data[off] ^= 0xff
	ts.Check(os.WriteFile(path, data, 0o600))
}

// truncate FILE N: cut FILE to N bytes (negative: drop -N bytes at the end).
func cmdTruncate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: truncate FILE N")
	}
	path := ts.MkAbs(args[0])
	fi, err := os.Stat(path)
	ts.Check(err)
	n, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	if n < 0 {
		n += fi.Size()
	}
	ts.Check(os.Truncate(path, n))
}

// perm MODE PATH: check PATH's permission bits (octal).
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: perm MODE PATH")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[1]))
	ts.Check(err)
	if got := fi.Mode().Perm(); (got == fs.FileMode(want)) == neg {
		ts.Fatalf("%s has mode %#o, want %s%#o", args[1], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// snapshot OUT DIR...: write a listing of DIRs (every entry's path, type,
// mode and content hash) to OUT, to compare later with cmp. A DIR of the
// form s3://BUCKET lists the bucket's keys and ETags on $MINIO_ENDPOINT.
func cmdSnapshot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: snapshot OUT DIR...")
	}
	var lines []string
	for _, d := range args[1:] {
		if bucket, ok := strings.CutPrefix(d, "s3://"); ok {
			l, err := snapshotBucket(ts, bucket)
			ts.Check(err)
			lines = append(lines, l...)
			continue
		}
		root := ts.MkAbs(d)
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == root {
					lines = append(lines, d+" missing")
					return nil
				}
				return err
			}
			rel, _ := filepath.Rel(root, p)
			fi, err := e.Info()
			if err != nil {
				return err
			}
			line := fmt.Sprintf("%s %s %v", d, rel, fi.Mode())
			switch {
			case fi.Mode().IsRegular():
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				sum := sha256.Sum256(b)
				line += " " + hex.EncodeToString(sum[:8])
			case fi.Mode()&fs.ModeSymlink != 0:
				t, _ := os.Readlink(p)
				line += " -> " + t
			}
			lines = append(lines, line)
			return nil
		})
		ts.Check(err)
	}
	sort.Strings(lines)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Join(lines, "\n")+"\n"), 0o600))
}

// nocanary [-e PATTERN] stdout|stderr|PATH...: fail when the last
// command's stdout or stderr, or a file under PATH, matches PATTERN (a
// regular expression, multi-line as in stdout; default CANARY, the prefix
// of every planted canary). Unlike "! stdout PATTERN", which prints the
// match, the failure says only where and how many times: a canary is
// checked for by its presence, never printed.
func cmdNocanary(ts *testscript.TestScript, neg bool, args []string) {
	pattern := "CANARY"
	if len(args) >= 2 && args[0] == "-e" {
		pattern, args = args[1], args[2:]
	}
	if neg || len(args) == 0 {
		ts.Fatalf("usage: nocanary [-e PATTERN] stdout|stderr|PATH...")
	}
	re, err := regexp.Compile("(?m)" + pattern)
	ts.Check(err)
	check := func(name string, data []byte) {
		if n := len(re.FindAllIndex(data, -1)); n > 0 {
			ts.Fatalf("%s contains a canary (%d matches)", name, n)
		}
	}
	for _, a := range args {
		switch a {
		case "stdout", "stderr":
			check(a, []byte(ts.ReadFile(a)))
			continue
		}
		err := filepath.WalkDir(ts.MkAbs(a), func(p string, e fs.DirEntry, err error) error {
			if err != nil || !e.Type().IsRegular() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			check(p, b)
			return nil
		})
		ts.Check(err)
	}
}

// deadport VAR: set VAR to an http://127.0.0.1:PORT URL on which nothing
// listens.
func cmdDeadport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: deadport VAR")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	addr := l.Addr().String()
	l.Close()
	ts.Setenv(args[0], "http://"+addr)
}

// hangport VAR: set VAR to an http://127.0.0.1:PORT URL whose server
// accepts connections and never answers. Closed when the script ends.
func cmdHangport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hangport VAR")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	done := make(chan struct{})
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
			close(done)
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	ts.Defer(func() { l.Close(); <-done })
	ts.Setenv(args[0], "http://"+l.Addr().String())
}

// snapshotBucket lists a bucket on $MINIO_ENDPOINT with its ETags.
func snapshotBucket(ts *testscript.TestScript, bucket string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	be, err := s3bundle.NewS3(ctx, s3bundle.S3Config{
		Bucket: bucket, Endpoint: ts.Getenv("MINIO_ENDPOINT"), PathStyle: true,
		AccessKey: ts.Getenv("AWS_ACCESS_KEY_ID"), SecretKey: ts.Getenv("AWS_SECRET_ACCESS_KEY"),
	})
	if err != nil {
		return nil, err
	}
	keys, err := be.List(ctx, "")
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, k := range keys {
		info, err := be.Head(ctx, k)
		if err != nil {
			return nil, err
		}
		lines = append(lines, fmt.Sprintf("s3://%s/%s %s %d", bucket, k, info.ETag, info.Generation))
	}
	return lines, nil
}

// evilbundle ROOT PREFIX ENV KIND: commit, as the next generation of the
// env in the directory backend at ROOT (or s3://BUCKET on
// $MINIO_ENDPOINT), a bundle encrypted with $VSYNC_PASSPHRASE whose tar
// holds an unsafe entry: KIND is dotdot, absolute, symlink or hardlink.
// It plays an attacker who can write to the bucket and knows the
// passphrase.
func cmdEvilbundle(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: evilbundle ROOT PREFIX ENV KIND")
	}
	commitNext(ts, args[0], args[1], args[2], func(gen uint64) []byte {
		payload, err := evilPayload(args[2], gen, args[3])
		ts.Check(err)
		var buf bytes.Buffer
		ts.Check(vault.Encrypt(&buf, payload, []byte(ts.Getenv("VSYNC_PASSPHRASE")), vault.SealOptions{S2KCount: 1024}))
		return buf.Bytes()
	})
}

// evilPayload is a payload tar with a valid manifest first and one unsafe
// entry.
func evilPayload(env string, gen uint64, kind string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	evil := map[string]*tar.Header{
		"dotdot":   {Name: "../../escaped.txt", Typeflag: tar.TypeReg, Mode: 0o600, Size: 4},
		"absolute": {Name: "/tmp/vsync-escaped.txt", Typeflag: tar.TypeReg, Mode: 0o600, Size: 4},
		"symlink":  {Name: "link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd", Mode: 0o777},
		"hardlink": {Name: "link", Typeflag: tar.TypeLink, Linkname: ".env.prod", Mode: 0o600},
	}[kind]
	if evil == nil {
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	content := []byte("pwnd")
	m := vault.Manifest{
		Format: vault.FormatVersion, Env: env, Generation: gen, Parent: gen - 1,
		Created: time.Now().UTC(), Author: "mallory", Note: "evil",
	}
	sum := sha256.Sum256(content)
	m.Files = []vault.FileEntry{{Path: evil.Name, Mode: 0o600, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}}
	mj, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	hdrs := []struct {
		h    *tar.Header
		data []byte
	}{
		{&tar.Header{Name: vault.ManifestPath, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(mj))}, mj},
		{evil, content[:evil.Size]},
	}
	for _, e := range hdrs {
		if err := tw.WriteHeader(e.h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// commitNext commits, as the next generation of env under prefix in the
// backend at root (testBackend), the ciphertext bundle makes for that
// generation number: a push made by another tool, or by an attacker who
// can write to the bucket.
func commitNext(ts *testscript.TestScript, root, prefix, env string, bundle func(gen uint64) []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	be, err := testBackend(ctx, ts, root)
	ts.Check(err)
	st := &s3bundle.Store{Backend: be, Prefix: prefix, Env: env}
	tip, cur, err := st.Tip(ctx)
	ts.Check(err)
	ts.Check(st.Commit(ctx, tip+1, bundle(tip+1), cur))
}

// sealFiles seals files as generation gen of env (parent gen-1) under
// pass, with a cheap S2K, as the given author with note.
func sealFiles(ts *testscript.TestScript, env string, gen uint64, files []vault.File, pass, author, note string) []byte {
	m := vault.NewManifest(vault.Manifest{Env: env, Generation: gen, Parent: gen - 1,
		Created: time.Now().UTC().Truncate(time.Second), Author: author, Note: note}, files)
	ct, _, err := vault.Seal(&vault.Bundle{Manifest: m, Files: files}, []byte(pass), vault.SealOptions{S2KCount: 1024})
	ts.Check(err)
	return ct
}

// testBackend is the directory backend at root, or the bucket of an
// s3://BUCKET root on $MINIO_ENDPOINT.
func testBackend(ctx context.Context, ts *testscript.TestScript, root string) (s3bundle.Backend, error) {
	if bucket, ok := strings.CutPrefix(root, "s3://"); ok {
		return s3bundle.NewS3(ctx, s3bundle.S3Config{
			Bucket: bucket, Endpoint: ts.Getenv("MINIO_ENDPOINT"), PathStyle: true,
			AccessKey: ts.Getenv("AWS_ACCESS_KEY_ID"), SecretKey: ts.Getenv("AWS_SECRET_ACCESS_KEY"),
		})
	}
	return s3bundle.NewDir(ts.MkAbs(root))
}

// s3get s3://BUCKET/KEY FILE and s3put FILE s3://BUCKET/KEY: copy an
// object out of or into MinIO unconditionally (an attacker's raw write,
// keeping the vsync-generation metadata it had).
func cmdS3get(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: s3get s3://BUCKET/KEY FILE")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bucket, key, _ := strings.Cut(strings.TrimPrefix(args[0], "s3://"), "/")
	be, err := testBackend(ctx, ts, "s3://"+bucket)
	ts.Check(err)
	rc, _, err := be.Get(ctx, key)
	ts.Check(err)
	defer rc.Close()
	data, err := io.ReadAll(rc)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o600))
}

func cmdS3put(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: s3put FILE s3://BUCKET/KEY [GENERATION]")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bucket, key, _ := strings.Cut(strings.TrimPrefix(args[1], "s3://"), "/")
	be, err := testBackend(ctx, ts, "s3://"+bucket)
	ts.Check(err)
	info, err := be.Head(ctx, key)
	ts.Check(err)
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	gen := info.Generation
	if len(args) == 3 {
		gen, err = strconv.ParseUint(args[2], 10, 64)
		ts.Check(err)
	}
	_, err = be.Put(ctx, key, data, s3bundle.PutOptions{Generation: gen})
	ts.Check(err)
}
