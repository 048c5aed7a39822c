package workspace

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"vsync/vault"
)

// testHome is a Home whose configuration directory is a fresh temporary
// directory and whose environment holds only vars.
func testHome(t *testing.T, vars map[string]string) Home {
	t.Helper()
	cfg := t.TempDir()
	return Home{Getenv: func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return cfg
		}
		return vars[k]
	}}
}

// writeProject writes a vsync.toml into a new directory and returns it.
func writeProject(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, projectFileName), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestFindProject(t *testing.T) {
	dir := writeProject(t, "prefix = \"app\"\n[envs.prod]\nprofile = \"p\"\n[envs.dev]\nprofile = \"p\"\n")
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := FindProject(sub)
	if err != nil {
		t.Fatal(err)
	}
	if p.Dir != dir || p.Config.Prefix != "app" {
		t.Errorf("found %q prefix %q, want %q prefix app", p.Dir, p.Config.Prefix, dir)
	}
	if _, err := p.Env("prod"); err != nil {
		t.Errorf("Env(prod): %v", err)
	}
	_, err = p.Env("staging")
	var nr *NotRecordedError
	if !errors.As(err, &nr) || strings.Join(nr.Recorded, ",") != "dev,prod" {
		t.Errorf("Env(staging) = %v, want a NotRecordedError listing dev,prod", err)
	}
	if _, err := p.Env("Bad Name"); !errors.Is(err, ErrInvalidEnvName) {
		t.Errorf("Env(Bad Name) = %v, want ErrInvalidEnvName", err)
	}
	if _, err := FindProject(t.TempDir()); !errors.Is(err, ErrNoProject) {
		t.Errorf("FindProject without vsync.toml = %v, want ErrNoProject", err)
	}
}

func TestLoadProjectErrors(t *testing.T) {
	for _, content := range []string{
		"prefix = \n",                      // malformed TOML
		"prefix = \"a\"\nbucket = \"b\"\n", // unknown key
		"prefix = \"/a\"\n",                // bad prefix
		"[envs.Prod]\nprofile = \"p\"\n",   // bad env name
		"[envs.prod]\n",                    // no profile
	} {
		if _, err := FindProject(writeProject(t, content)); !errors.Is(err, ErrConfig) {
			t.Errorf("%q: %v, want ErrConfig", content, err)
		}
	}
}

func TestProjectSaveRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := &Project{Dir: dir, Config: ProjectConfig{Prefix: "a/b", Envs: map[string]EnvConfig{"prod": {Profile: "x"}, "dev": {Profile: "y"}}}}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	q, err := FindProject(dir)
	if err != nil {
		t.Fatal(err)
	}
	if q.Config.Prefix != "a/b" || q.Config.Envs["dev"].Profile != "y" || len(q.Config.Envs) != 2 {
		t.Errorf("read back %+v", q.Config)
	}
}

func TestCheckPrefix(t *testing.T) {
	for p, ok := range map[string]bool{"": true, "a": true, "a/b.c_d-e": true, "/a": false, "a/": false, "a//b": false, "a b": false} {
		if err := CheckPrefix(p); (err == nil) != ok || (err != nil && !errors.Is(err, ErrInvalidPrefix)) {
			t.Errorf("CheckPrefix(%q) = %v", p, err)
		}
	}
}

func TestProfiles(t *testing.T) {
	h := testHome(t, nil)
	c, err := h.LoadProfiles()
	if err != nil || len(c.Profiles) != 0 {
		t.Fatalf("no profiles.toml: %v, %v", c, err)
	}
	c.Profiles["s3"] = Profile{Bucket: "b", Endpoint: "http://localhost:9000/", PathStyle: true}
	c.Profiles["local"] = Profile{Dir: t.TempDir()}
	if err := h.SaveProfiles(c); err != nil {
		t.Fatal(err)
	}
	c, err = h.LoadProfiles()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Names(), ","); got != "local,s3" {
		t.Errorf("Names() = %q", got)
	}
	p, err := c.Get("s3")
	if err != nil {
		t.Fatal(err)
	}
	if got := VaultLocation(p, "app", "prod"); got != "s3://b/app/prod at http://localhost:9000" {
		t.Errorf("VaultLocation = %q", got)
	}
	if _, err := c.Get("nope"); !errors.Is(err, ErrConfig) {
		t.Errorf("Get(nope) = %v, want ErrConfig", err)
	}
	if _, err := newBackend(context.Background(), Profile{Bucket: "b", Dir: "/x"}, 0, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("newBackend of a bad profile = %v, want ErrConfig", err)
	}
}

func TestProfileCheck(t *testing.T) {
	bad := []Profile{
		{},
		{Bucket: "b", Dir: "/d"},
		{Dir: "rel"},
		{Bucket: "b", AccessKey: "k"},
		{Bucket: "b", Endpoint: "http://k:s@host"},
		{Dir: "/d", Region: "r"},
		{Bucket: "b", MaxBundleSize: "12"},
	}
	for _, p := range bad {
		if p.Check() == nil {
			t.Errorf("%+v passes Check", p)
		}
	}
	if err := (Profile{Bucket: "b", MaxBundleSize: "1MiB"}).Check(); err != nil {
		t.Error(err)
	}
	if n := (Profile{MaxBundleSize: "1MiB"}).BundleLimit(0); n != 1<<20 {
		t.Errorf("BundleLimit = %d", n)
	}
	if n := (Profile{MaxBundleSize: "1MiB"}).BundleLimit(4096); n != 4096 {
		t.Errorf("BundleLimit(flag) = %d", n)
	}
}

func TestPassphraseStore(t *testing.T) {
	h := testHome(t, nil)
	loc := "dir:/v/app/prod"
	_, err := h.ResolvePassphrase(loc, "prod")
	var np *NoPassphraseError
	if !errors.As(err, &np) || !errors.Is(err, ErrConfig) || np.Env != "prod" {
		t.Fatalf("no passphrase: %v", err)
	}
	if err := h.StorePassphrase(loc, "prod", []byte("stored-secret")); err != nil {
		t.Fatal(err)
	}
	if p, err := h.ResolvePassphrase(loc, "prod"); err != nil || string(p) != "stored-secret" {
		t.Errorf("stored passphrase does not read back (%v)", err)
	}
	path, _ := h.PassphrasePath(loc, "prod")
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("store file: %v %v", fi, err)
	}

	// The environment comes first.
	env := testHome(t, map[string]string{"VSYNC_PASSPHRASE": "from-env"})
	if p, _ := env.ResolvePassphrase(loc, "prod"); string(p) != "from-env" {
		t.Error("VSYNC_PASSPHRASE is not preferred")
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o600)
	file := testHome(t, map[string]string{"VSYNC_PASSPHRASE_FILE": empty})
	if _, err := file.ResolvePassphrase(loc, "prod"); !errors.Is(err, ErrConfig) {
		t.Errorf("empty VSYNC_PASSPHRASE_FILE: %v, want ErrConfig", err)
	}
}

func TestPendingRotation(t *testing.T) {
	h := testHome(t, nil)
	loc := "s3://b/prod"
	if pr, err := h.LoadPendingRotation(loc, "prod"); pr != nil || err != nil {
		t.Fatalf("none pending: %v %v", pr, err)
	}
	if err := h.StorePendingRotation(loc, "prod", PendingRotation{Pass: []byte("new-one"), Base: 7}); err != nil {
		t.Fatal(err)
	}
	pr, err := h.LoadPendingRotation(loc, "prod")
	if err != nil || !bytes.Equal(pr.Pass, []byte("new-one")) || pr.Base != 7 {
		t.Fatalf("pending entry does not read back (base %v, %v)", pr != nil && pr.Base == 7, err)
	}
	// The pending entry still works as a passphrase file.
	path, _ := h.PendingPath(loc, "prod")
	if p, err := ReadPassphraseFile(path); err != nil || string(p) != "new-one" {
		t.Errorf("pending entry as a passphrase file: %v", err)
	}
	os.WriteFile(path, []byte("x\nnonsense"), 0o600)
	if _, err := h.LoadPendingRotation(loc, "prod"); !errors.Is(err, ErrConfig) {
		t.Errorf("malformed pending entry: %v, want ErrConfig", err)
	}
	if err := h.RemovePendingRotation(loc, "prod"); err != nil {
		t.Fatal(err)
	}
	if err := h.RemovePendingRotation(loc, "prod"); err != nil {
		t.Errorf("removing a missing entry: %v", err)
	}
}

func TestCheckChosenPassphrase(t *testing.T) {
	if err := CheckChosenPassphrase([]byte("short"), false, "it"); !errors.Is(err, ErrWeakPassphrase) {
		t.Errorf("short: %v", err)
	}
	if err := CheckChosenPassphrase([]byte("short"), true, "it"); err != nil {
		t.Errorf("short, allowed: %v", err)
	}
	if err := CheckChosenPassphrase([]byte("a long enough passphrase\n"), true, "it"); !errors.Is(err, ErrPassphraseLineBreak) {
		t.Errorf("line break: %v", err)
	}
	if err := CheckChosenPassphrase([]byte("sixteen chars ok"), false, "it"); err != nil {
		t.Errorf("16 characters: %v", err)
	}
}

func TestLocalState(t *testing.T) {
	p := &Project{Dir: t.TempDir()}
	s, err := p.LoadState("prod")
	if err != nil || s.Env != "prod" || s.Generation != 0 {
		t.Fatalf("never written: %+v %v", s, err)
	}
	s.Generation = 3
	if _, err := s.Salt(); err != nil {
		t.Fatal(err)
	}
	if err := p.SaveState(s); err != nil {
		t.Fatal(err)
	}
	got, err := p.LoadState("prod")
	if err != nil || got.Generation != 3 || got.S2KSalt != s.S2KSalt {
		t.Errorf("read back %+v %v", got, err)
	}
	os.Rename(p.StatePath("prod"), p.StatePath("dev"))
	if _, err := p.LoadState("dev"); !errors.Is(err, ErrLocalState) {
		t.Errorf("another env's state: %v, want ErrLocalState", err)
	}
	os.WriteFile(p.StatePath("dev"), []byte("{"), 0o600)
	if _, err := p.LoadState("dev"); !errors.Is(err, ErrLocalState) {
		t.Errorf("malformed state: %v, want ErrLocalState", err)
	}
	_, err = p.ReadEnvFolder("prod")
	var nf *NoEnvFolderError
	if !errors.As(err, &nf) || nf.Env != "prod" {
		t.Errorf("missing folder: %v", err)
	}
}

func TestSameRecords(t *testing.T) {
	files := []vault.File{{Path: ".env.prod", Mode: 0o600, Data: []byte("A=1\n")}, {Path: "k.pem", Mode: 0o600, Data: []byte("k")}}
	rec := HashFiles(files)
	if !SameRecords(rec, HashFiles([]vault.File{files[1], files[0]})) {
		t.Error("the same files in another order differ")
	}
	changed := []vault.File{files[0], {Path: "k.pem", Mode: 0o600, Data: []byte("K")}}
	if SameRecords(rec, HashFiles(changed)) || SameRecords(rec, HashFiles(files[:1])) {
		t.Error("changed or missing files are the same")
	}
	m := &vault.Manifest{Files: []vault.FileEntry{{Path: rec[0].Path, Mode: rec[0].Mode, SHA256: rec[0].SHA256}, {Path: rec[1].Path, Mode: rec[1].Mode, SHA256: rec[1].SHA256}}}
	if !SameRecords(rec, ManifestFiles(m)) {
		t.Error("a manifest's records differ from the files'")
	}
}
