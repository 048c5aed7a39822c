package runtimevault

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"vsync/internal/miniotest"
	"vsync/internal/testsupport"
	"vsync/s3bundle"
	"vsync/vault"
)

// streamFixture is MinIO with a bucket and a runtime token for env prod,
// and Options reading it with a private base of the test's own.
type streamFixture struct {
	srv  *miniotest.Server
	base string
	o    Options
}

const streamPass = "stream test passphrase"

func newStreamFixture(t *testing.T) *streamFixture {
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "vault")
	tok, err := s3bundle.Token{Bucket: "vault", Prefix: "app", Env: "prod", Endpoint: srv.Endpoint, PathStyle: true,
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	env := map[string]string{"VSYNC_CONFIG": tok, "VSYNC_PASSPHRASE": streamPass, "XDG_RUNTIME_DIR": base}
	return &streamFixture{srv: srv, base: base, o: options(env, t.TempDir())}
}

// put stores raw as current.pgp of env prod.
func (f *streamFixture) put(t *testing.T, raw []byte) {
	t.Helper()
	key := (&s3bundle.Store{Prefix: "app", Env: "prod"}).CurrentKey()
	if _, err := f.srv.Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("vault"), Key: aws.String(key), Body: bytes.NewReader(raw)}); err != nil {
		t.Fatal(err)
	}
}

// leftover fails when the private base holds anything.
func (f *streamFixture) leftover(t *testing.T, what string) {
	t.Helper()
	if entries, _ := os.ReadDir(f.base); len(entries) != 0 {
		t.Errorf("%s: the private base holds %d entries", what, len(entries))
	}
}

// watch has Prepare, on o, check that nothing under base has a name
// once the bundle's data was written (before it is trusted), with
// anonymous files or without (noAnon: as where there are none). The
// counter it returns says how often it looked.
func watch(o Options, base, what string, t *testing.T, noAnon bool) (Options, *int) {
	n := new(int)
	o.streamTest = func(e *earlyDir, st *vault.StreamFiles) {
		e.noAnon = noAnon
		st.AfterWrites = func() {
			*n++
			testsupport.NoNamedContent(t, base, what)
		}
	}
	return o, n
}

func streamFiles() []vault.File {
	big := make([]byte, 3<<20+11)
	rand.Read(big)
	return []vault.File{
		{Path: ".env.prod", Mode: 0o600, Data: []byte("A=1\n")},
		{Path: "big.bin", Mode: 0o600, Data: big},
		{Path: "tls/key.pem", Mode: 0o600, Data: []byte("KEY")},
	}
}

// TestPrepareStreams: the files of a big bundle are written into the
// private directory as it is decrypted, unnamed until the bundle was
// checked, and are the bundle's with mode 0600; without anonymous files
// (written after the check) the same.
func TestPrepareStreams(t *testing.T) {
	f := newStreamFixture(t)
	files := streamFiles()
	f.put(t, testsupport.SealedBundle(t, "prod", 1, streamPass, files...))
	for _, noAnon := range []bool{false, true} {
		what := fmt.Sprintf("noAnon %v", noAnon)
		o, looked := watch(f.o, f.base, what, t, noAnon)
		p, err := Prepare(context.Background(), o, true)
		if err != nil {
			t.Fatal(err)
		}
		if *looked != 1 {
			t.Errorf("%s: AfterWrites called %d times", what, *looked)
		}
		// Without anonymous files, none is streamed: all are written after.
		if p.Private == nil || !noAnon && (len(p.Vault.streamed) != 2 || !p.Vault.streamed["big.bin"] || !p.Vault.streamed["tls/key.pem"]) {
			t.Fatalf("%s: streamed %v, want big.bin and tls/key.pem", what, p.Vault.streamed)
		}
		for _, file := range files[1:] {
			data, err := os.ReadFile(p.Private.FilePath(file.Path))
			fi, serr := os.Stat(p.Private.FilePath(file.Path))
			if err != nil || serr != nil || !bytes.Equal(data, file.Data) || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: %s: not the bundle's content with mode 0600 (%v, %v)", what, file.Path, err, serr)
			}
		}
		if fi, err := os.Stat(filepath.Dir(p.Private.FilePath("tls/key.pem"))); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: tls/: %v, want mode 0700", what, err)
		}
		if _, err := os.Stat(p.Private.FilePath(".env.prod")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: the dotenv was written as a private file: %v", what, err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		f.leftover(t, what+": after Close")
	}
}

// TestPrepareStreamRefused: a big bundle whose MDC fails (a flipped bit),
// that is cut short, whose file differs from its manifest, or that is not
// startable leaves nothing in the private base, however much of it was
// written while it was decrypted; and none of it ever had a name.
func TestPrepareStreamRefused(t *testing.T) {
	f := newStreamFixture(t)
	files := streamFiles()
	good := testsupport.SealedBundle(t, "prod", 1, streamPass, files...)
	flipped := bytes.Clone(good)
	flipped[len(flipped)-100] ^= 1
	m := vault.NewManifest(vault.Manifest{Env: "prod", Generation: 1}, files)
	lying := bytes.Clone(files[1].Data)
	lying[len(lying)/2] ^= 1
	payload, err := vault.MarshalPayload(&vault.Bundle{Manifest: m, Files: files})
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(payload, files[1].Data, lying, 1)
	var tampered bytes.Buffer
	if err := vault.Encrypt(&tampered, bad, []byte(streamPass), vault.SealOptions{S2KCount: 1024}); err != nil {
		t.Fatal(err)
	}
	reserved := append(streamFiles(), vault.File{Path: ".vsync-x", Mode: 0o600, Data: []byte("x")})
	for _, c := range []struct {
		name string
		raw  []byte
		is   error
	}{
		{"a flipped bit", flipped, vault.ErrIntegrity},
		{"cut short", good[:len(good)-30], vault.ErrIntegrity},
		{"a file unlike its manifest", tampered.Bytes(), vault.ErrManifest},
		{"not startable", testsupport.SealedBundle(t, "prod", 1, streamPass, reserved...), nil},
	} {
		f.put(t, c.raw)
		for _, noAnon := range []bool{false, true} {
			what := fmt.Sprintf("%s, noAnon %v", c.name, noAnon)
			o, looked := watch(f.o, f.base, what, t, noAnon)
			p, err := Prepare(context.Background(), o, true)
			if err == nil || c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("%s: %v, want %v", what, err, c.is)
			}
			if *looked != 1 {
				t.Errorf("%s: AfterWrites called %d times", what, *looked)
			}
			if p != nil {
				p.Close()
			}
			f.leftover(t, what)
		}
	}
}

// TestEarlyDirTake: an early directory holding a file made but not
// checked is removed, and the files are written afresh. The directory is
// made at the first file but the dotenv, once before (BeforeWrite)
// returned, and not before.
func TestEarlyDirTake(t *testing.T) {
	base := t.TempDir()
	befores := 0
	e := &earlyDir{getenv: func(k string) string { return map[string]string{"XDG_RUNTIME_DIR": base}[k] }, before: func() {
		if entries, _ := os.ReadDir(base); len(entries) != 0 {
			t.Errorf("%d entries in the private base before BeforeWrite returned", len(entries))
		}
		befores++
	}}
	st := e.stream("prod")
	if st == nil {
		t.Fatal("nothing to stream with")
	}
	if w, err := st.Create(".env.prod", 4); w != nil || err != nil || e.dir != nil || befores != 0 {
		t.Fatalf("the dotenv was given a writer (%v, %v) or made the directory (%v, %d)", w, err, e.dir, befores)
	}
	w, err := st.Create("half.bin", 10)
	if err != nil {
		t.Fatal(err)
	}
	if e.dir == nil || befores != 1 {
		t.Fatalf("directory %v after BeforeWrite called %d times, want one of each", e.dir, befores)
	}
	w.Write([]byte("half"))
	w.Close()
	lv := &Loaded{}
	lv.Files = []vault.File{{Path: "half.bin", Mode: 0o600, Data: []byte("the whole!")}}
	d, rest, err := e.take(lv)
	if err != nil || d != nil || len(rest) != 1 {
		t.Fatalf("took a directory holding an unchecked file (%d files left to write)", len(rest))
	}
	if entries, _ := os.ReadDir(base); len(entries) != 0 {
		t.Errorf("the early directory was not removed: %d entries in the base", len(entries))
	}
	e.remove()
}

// TestEarlyDirTakeLinkTaken: a checked file streamed into an anonymous
// file whose name something else took meanwhile is an error (linkat
// never replaces), and the directory is removed.
func TestEarlyDirTakeLinkTaken(t *testing.T) {
	base := t.TempDir()
	e := &earlyDir{getenv: func(k string) string { return map[string]string{"XDG_RUNTIME_DIR": base}[k] }}
	defer e.remove()
	st := e.stream("prod")
	if st == nil {
		t.Fatal("nothing to stream with")
	}
	w, err := st.Create("x.bin", 4)
	if err != nil || e.dir == nil {
		t.Fatalf("no early directory (%v)", err)
	}
	if len(e.pending) == 0 {
		t.Skip("no anonymous files on this filesystem")
	}
	w.Write([]byte("data"))
	w.Close()
	testsupport.NoNamedContent(t, base, "before take")
	if _, err := e.dir.WriteFile("x.bin", []byte("other")); err != nil {
		t.Fatal(err)
	}
	lv := &Loaded{streamed: map[string]bool{"x.bin": true}}
	lv.Files = []vault.File{{Path: "x.bin", Mode: 0o600, Data: []byte("data")}}
	if d, _, err := e.take(lv); !errors.Is(err, fs.ErrExist) || d != nil {
		t.Errorf("take over a name taken = %v, want EEXIST", err)
	}
	if entries, _ := os.ReadDir(base); len(entries) != 0 {
		t.Errorf("the early directory was not removed: %d entries in the base", len(entries))
	}
}

// TestPrepareBeforeWrite: Prepare calls BeforeWrite once, before anything
// is made in the private base, whether the files are streamed (a big
// bundle) or written after the fetch (a small one).
func TestPrepareBeforeWrite(t *testing.T) {
	f := newStreamFixture(t)
	small := []vault.File{{Path: ".env.prod", Mode: 0o600, Data: []byte("A=1\n")}, {Path: "key.pem", Mode: 0o600, Data: []byte("KEY")}}
	for _, c := range []struct {
		name  string
		files []vault.File
	}{{"big", streamFiles()}, {"small", small}} {
		f.put(t, testsupport.SealedBundle(t, "prod", 1, streamPass, c.files...))
		o, befores := f.o, 0
		o.BeforeWrite = func() {
			if entries, _ := os.ReadDir(f.base); len(entries) != 0 {
				t.Errorf("%s: %d entries in the private base before BeforeWrite returned", c.name, len(entries))
			}
			befores++
		}
		p, err := Prepare(context.Background(), o, true)
		if err != nil {
			t.Fatal(err)
		}
		if befores != 1 || p.Private == nil {
			t.Errorf("%s: BeforeWrite called %d times (private directory %v), want once", c.name, befores, p.Private)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		f.leftover(t, c.name)
	}
}
