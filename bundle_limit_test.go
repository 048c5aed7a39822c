package main

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"vsync/internal/testpgp"
	"vsync/internal/testsupport"
	"vsync/s3bundle"
)

// These tests run the real vsync binary against MinIO with bundles a
// bucket writer without the passphrase made, and measure what they cost:
// the peak RSS of the vsync process (getrusage of the child), and the
// bytes MinIO sent it (through a counting proxy).

// countingProxy forwards TCP connections to target and counts the bytes
// sent from target to the client.
type countingProxy struct {
	ln   net.Listener
	down atomic.Int64
}

func startCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(up, c); up.Close() }()
			go func() { defer wg.Done(); io.Copy(countWriter{c, &p.down}, up); c.Close() }()
		}
	}()
	return p
}

// URL is the proxy's endpoint.
func (p *countingProxy) URL() string { return "http://" + p.ln.Addr().String() }

type countWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n.Add(int64(n))
	return n, err
}

// peakRun runs vsync under /usr/bin/time and returns its stderr, exit
// code and peak RSS in bytes. The getrusage of a child of the test binary
// itself would not do: Go starts children with vfork, and the kernel
// counts the parent's own peak in the child's ru_maxrss.
func peakRun(t *testing.T, u *user, dir string, args ...string) (string, int, int64) {
	t.Helper()
	timeBin := needTool(t, "/usr/bin/time")
	rss := filepath.Join(t.TempDir(), "rss")
	cmd := exec.Command(timeBin, append([]string{"-q", "-f", "%M", "-o", rss, u.bin}, args...)...)
	cmd.Dir, cmd.Env = dir, u.env
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(rss)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		t.Fatalf("/usr/bin/time wrote %q", out)
	}
	return errb.String(), code, kb * 1024
}

// flipLiteralLength is what a bucket writer without the passphrase makes
// of ct: the literal data packet's first length octet XORed through the
// malleable CFB stream to octet, and filler bytes appended to the SEIPD
// packet, re-framed with one definite length. The writer knows the
// octet's plaintext from the format (vsync's writer always starts with a
// five-octet definite length); the test reads it with pass, the
// passphrase, to depend on no writer's habits.
func flipLiteralLength(t *testing.T, ct, pass []byte, octet byte, filler int) []byte {
	t.Helper()
	p, err := packet.Read(bytes.NewReader(ct))
	ske, ok := p.(*packet.SymmetricKeyEncrypted)
	if err != nil || !ok {
		t.Fatalf("not a bundle: %v", err)
	}
	key, _, err := ske.Decrypt(pass)
	if err != nil {
		t.Fatal(err)
	}
	if ct[0] != 0xC3 || ct[1] >= 192 {
		t.Fatalf("not a bundle: passphrase packet header % x", ct[:2])
	}
	start := 2 + int(ct[1])
	if ct[start] != 0xD2 {
		t.Fatalf("not a bundle: SEIPD tag %#x", ct[start])
	}
	body, _ := testpgp.Dechunk(ct[start+1:])
	// body[0] is the SEIPD version; then 18 bytes of prefix, the literal
	// packet's tag and its first length octet.
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	var pt [20]byte
	cipher.NewCFBDecrypter(block, make([]byte, aes.BlockSize)).XORKeyStream(pt[:], body[1:21])
	if pt[18] != 0xCB {
		t.Fatalf("literal data packet tag %#x", pt[18])
	}
	body = append(body, make([]byte, filler)...)
	body[1+19] ^= pt[19] ^ octet
	out := append([]byte{}, ct[:start]...)
	out = binary.BigEndian.AppendUint32(append(out, 0xD2, 0xFF), uint32(len(body)))
	return append(out, body...)
}

// sizeLimitSetup is an env "prod" pushed through a counting proxy in front
// of MinIO: a dotenv and a 128 KiB file.
func sizeLimitSetup(t *testing.T) (*user, string, s3bundle.Backend, *countingProxy) {
	t.Helper()
	srv, awsEnv := minioEnv(t, "vault")
	proxy := startCountingProxy(t, strings.TrimPrefix(srv.Endpoint, "http://"))
	u := newUser(t, awsEnv...)
	proj := t.TempDir()
	u.must(proj, "profile", "add", "m", "--bucket", "vault", "--endpoint", proxy.URL(), "--path-style")
	u.must(proj, "init", "prod", "--profile", "m", "--prefix", "p")
	blob := make([]byte, 128<<10)
	rand.Read(blob)
	writeFile(t, filepath.Join(proj, "infra/vault/prod/.env.prod"), []byte("GREETING=hello\n"), 0o600)
	writeFile(t, filepath.Join(proj, "infra/vault/prod/blob.bin"), blob, 0o600)
	u.must(proj, "push", "prod", "--note", "first")
	return u, proj, testsupport.MinioBackend(t, srv, "vault"), proxy
}

// replaceCurrent overwrites current.pgp as a bucket writer can.
func replaceCurrent(t *testing.T, be s3bundle.Backend, data []byte) {
	t.Helper()
	if _, err := be.Put(context.Background(), "p/prod/current.pgp", data, s3bundle.PutOptions{Generation: 1}); err != nil {
		t.Fatal(err)
	}
}

func currentObject(t *testing.T, be s3bundle.Backend) []byte {
	t.Helper()
	data, _ := readObject(t, be, "p/prod/current.pgp")
	return data
}

// TestHostileLiteralLength: a bundle whose literal length a bucket writer
// flipped, with 64 MiB of filler appended, is refused with 68 by run, pull
// and verify; a claim beyond the limit is refused before the filler is
// read (the process stays small), a claim the filler covers costs at most
// twice the object. On the vsync before the size checks, run read the whole
// filler into a buffer that doubled as it grew.
func TestHostileLiteralLength(t *testing.T) {
	u, proj, be, _ := sizeLimitSetup(t)
	orig := currentObject(t, be)
	const filler = 64 << 20
	for _, tc := range []struct {
		name    string
		octet   byte
		want    string // in stderr
		maxPeak int64
	}{
		// 2^30: over the 256 MiB limit.
		{"claim 1 GiB", 0xFE, "1073741824 bytes, over the maximum bundle size of 268435456 bytes", 40 << 20},
		// 2^25: inside the object; the next length octet is garbage.
		{"claim 32 MiB", 0xF9, "", 2*(filler+int64(len(orig))) + 32<<20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evil := flipLiteralLength(t, orig, u.storedPassphrase("prod"), tc.octet, filler)
			replaceCurrent(t, be, evil)
			for _, args := range [][]string{
				{"run", "--env", "prod", "--", "true"},
				{"pull", "prod", "--force"},
				{"verify", "prod"},
			} {
				stderr, code, peak := peakRun(t, u, proj, args...)
				if code != exitTampered {
					t.Errorf("vsync %s: exit %d, want %d\n%s", args[0], code, exitTampered, stderr)
				}
				if tc.want != "" && !strings.Contains(stderr, tc.want) {
					t.Errorf("vsync %s: stderr does not say %q:\n%s", args[0], tc.want, stderr)
				}
				if peak > tc.maxPeak {
					t.Errorf("vsync %s: peak RSS %d MB, want at most %d MB for a %d MB object", args[0], peak>>20, tc.maxPeak>>20, len(evil)>>20)
				}
				t.Logf("vsync %s: peak RSS %.1f MB", args[0], float64(peak)/(1<<20))
			}
		})
	}
	if _, err := os.Stat(filepath.Join(proj, "infra/vault/prod/blob.bin")); err != nil {
		t.Errorf("a refused pull touched the folder: %v", err)
	}
}

// TestBundleOverLimitNotDownloaded: an object over the maximum bundle size
// (--max-bundle-size, or max_bundle_size in the profile) is refused with
// 68 from the GET's announced size, before its body is transferred: MinIO
// sends a small part of it at most. A push over the limit exits 65 and
// sends nothing.
func TestBundleOverLimitNotDownloaded(t *testing.T) {
	u, proj, be, proxy := sizeLimitSetup(t)
	big := make([]byte, 48<<20)
	replaceCurrent(t, be, big)
	check := func(t *testing.T, args ...string) {
		t.Helper()
		proxy.down.Store(0)
		stderr, code, peak := peakRun(t, u, proj, args...)
		if code != exitTampered {
			t.Errorf("exit %d, want %d\n%s", code, exitTampered, stderr)
		}
		if !strings.Contains(stderr, "50331648 bytes, over the maximum bundle size of 1048576 bytes") ||
			!strings.Contains(stderr, "vsync: hint: the maximum bundle size is 1.0 MiB") {
			t.Errorf("stderr does not name both sizes and the way out:\n%s", stderr)
		}
		if n := proxy.down.Load(); n > 8<<20 {
			t.Errorf("MinIO sent %d MB of a 48 MB object that was refused", n>>20)
		}
		if peak > 40<<20 {
			t.Errorf("peak RSS %d MB", peak>>20)
		}
	}
	t.Run("flag", func(t *testing.T) {
		check(t, "run", "--env", "prod", "--max-bundle-size", "1MiB", "--", "true")
		check(t, "pull", "prod", "--max-bundle-size", "1MiB")
	})
	t.Run("profile", func(t *testing.T) {
		cfg := filepath.Join(envValue(u.env, "XDG_CONFIG_HOME"), "vsync", "profiles.toml")
		data, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, cfg, append(data, []byte("max_bundle_size = \"1MiB\"\n")...), 0o600)
		check(t, "run", "--env", "prod", "--", "true")
		check(t, "pull", "prod")
		// A push over the limit is refused before anything is sent.
		replaceCurrent(t, be, currentObject(t, be)[:0])
		blob := make([]byte, 2<<20)
		writeFile(t, filepath.Join(proj, "infra/vault/prod/blob.bin"), blob, 0o600)
		out, stderr, code := u.run(proj, "push", "prod", "--note", "too big")
		if code != exitDataErr || !strings.Contains(stderr, "over the maximum bundle size of 1048576 bytes; nothing pushed") {
			t.Errorf("push over the limit: exit %d, want %d\n%s%s", code, exitDataErr, out, stderr)
		}
		keys, err := be.List(context.Background(), "p/prod/generations/")
		if err != nil || len(keys) != 1 {
			t.Errorf("generations after a refused push: %v %v", keys, err)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		_, stderr, code := u.run(proj, "pull", "prod", "--max-bundle-size", "lots")
		if code != exitUsage || !strings.Contains(stderr, "--max-bundle-size") {
			t.Errorf("exit %d, want %d\n%s", code, exitUsage, stderr)
		}
	})
}

// envValue is the value of key in env (K=V entries), "" when absent.
func envValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}
