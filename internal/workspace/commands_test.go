package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecordEnv: a new project takes its prefix from its directory's
// name; an existing one keeps its prefix and its envs' profiles.
func TestRecordEnv(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "My App!")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := RecordEnv(dir, NewEnv{Env: "prod", Profile: "p"})
	if err != nil || p.Config.Prefix != "my-app" || p.Config.Envs["prod"].Profile != "p" {
		t.Fatalf("new project: %+v, %v", p, err)
	}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := RecordEnv(dir, NewEnv{Env: "dev", Profile: "p", Prefix: "other", PrefixSet: true}); !errors.Is(err, ErrPrefixConflict) {
		t.Errorf("other prefix: %v, want ErrPrefixConflict", err)
	}
	if _, err := RecordEnv(dir, NewEnv{Env: "prod", Profile: "q"}); !errors.Is(err, ErrProfileConflict) {
		t.Errorf("other profile: %v, want ErrProfileConflict", err)
	}
	if _, err := RecordEnv(dir, NewEnv{Env: "Prod", Profile: "p"}); !errors.Is(err, ErrInvalidEnvName) {
		t.Errorf("bad name: %v, want ErrInvalidEnvName", err)
	}
}

// TestInitEnv: the store, vsync.toml, .gitignore (kept, completed once),
// the env folder with its dotenv file and local state.
func TestInitEnv(t *testing.T) {
	h := testHome(t, nil)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("node_modules"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := RecordEnv(dir, NewEnv{Env: "prod", Profile: "p"})
	if err != nil {
		t.Fatal(err)
	}
	ip, err := h.InitPassphrase("dir:/v/prod", "prod", "p", 0, false)
	if err != nil || !ip.Generated || ip.Stored {
		t.Fatalf("InitPassphrase: %+v, %v", ip.Stored, err)
	}
	for range 2 {
		if err := h.InitEnv(p, "prod", "dir:/v/prod", ip, true); err != nil {
			t.Fatal(err)
		}
	}
	gi, _ := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if want := "node_modules\n# vsync: secrets stay out of git\ninfra/vault/\n.env\n"; string(gi) != want {
		t.Errorf(".gitignore = %q, want %q", gi, want)
	}
	if fi, err := os.Stat(filepath.Join(dir, ".gitignore")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf(".gitignore mode changed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(p.EnvDir("prod"), ".env.prod")); err != nil {
		t.Error(err)
	}
	if st, err := p.LoadState("prod"); err != nil || len(st.Files) != 1 {
		t.Errorf("state: %+v, %v", st, err)
	}
	if again, err := h.InitPassphrase("dir:/v/prod", "prod", "p", 0, false); err != nil || !again.Stored {
		t.Errorf("second init does not find the stored passphrase: %v", err)
	}
	var pn *PassphraseNeededError
	_, err = h.InitPassphrase("dir:/v/other", "other", "p", 2, false)
	if !errors.As(err, &pn) || !strings.Contains(err.Error(), "already has 2 generations") {
		t.Errorf("generations, no passphrase: %v", err)
	}
	weak := testHome(t, map[string]string{"VSYNC_PASSPHRASE": "short"})
	if _, err := weak.InitPassphrase("dir:/v/prod", "prod", "p", 0, false); !errors.Is(err, ErrWeakPassphrase) {
		t.Errorf("weak chosen passphrase: %v", err)
	}
}

// TestAddProfile: names, an existing profile, a --dir created or refused.
func TestAddProfile(t *testing.T) {
	h := testHome(t, nil)
	dir := filepath.Join(t.TempDir(), "vaults")
	if _, _, err := h.AddProfile("Bad", Profile{Dir: dir}, false); !errors.Is(err, ErrInvalidProfileName) {
		t.Errorf("bad name: %v", err)
	}
	var bp *BadProfileError
	if _, _, err := h.AddProfile("p", Profile{}, false); !errors.As(err, &bp) || bp.Err != ErrNoLocation {
		t.Errorf("no location: %v", err)
	}
	p, created, err := h.AddProfile("p", Profile{Dir: dir}, false)
	if err != nil || !created || p.Dir != dir {
		t.Fatalf("add: %+v %v %v", p, created, err)
	}
	var pe *ProfileExistsError
	if _, _, err := h.AddProfile("p", Profile{Dir: dir}, false); !errors.As(err, &pe) {
		t.Errorf("again without force: %v", err)
	}
	if _, created, err := h.AddProfile("p", Profile{Dir: dir}, true); err != nil || created {
		t.Errorf("again with force: %v %v", created, err)
	}
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var nd *NotDirError
	if _, _, err := h.AddProfile("q", Profile{Dir: file}, false); !errors.As(err, &nd) {
		t.Errorf("a file as --dir: %v", err)
	}
	if err := h.RemoveProfile("p"); err != nil {
		t.Fatal(err)
	}
	var np *NoProfileError
	if err := h.RemoveProfile("p"); !errors.Is(err, ErrNothingToRemove) || !errors.As(err, &np) {
		t.Errorf("remove twice: %v", err)
	}
}

// TestLinkDotenv: a symlink, replaced; a regular .env is never touched.
func TestLinkDotenv(t *testing.T) {
	dir := writeProject(t, "prefix = \"app\"\n[envs.prod]\nprofile = \"p\"\n")
	var nd *NoDotenvError
	if _, err := LinkDotenv(dir, "prod"); !errors.As(err, &nd) {
		t.Errorf("not pulled: %v", err)
	}
	var nr *NotRecordedError
	if _, err := LinkDotenv(dir, "dev"); !errors.As(err, &nr) {
		t.Errorf("not recorded: %v", err)
	}
	if err := createEnvFolder(filepath.Join(dir, "infra", "vault", "prod"), "prod"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		target, err := LinkDotenv(dir, "prod")
		if err != nil || target != "infra/vault/prod/.env.prod" {
			t.Fatalf("link: %q, %v", target, err)
		}
	}
	if l, err := os.Readlink(filepath.Join(dir, ".env")); err != nil || l != "infra/vault/prod/.env.prod" {
		t.Errorf(".env -> %q, %v", l, err)
	}
	os.Remove(filepath.Join(dir, ".env"))
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("A=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var rd *RegularDotenvError
	if _, err := LinkDotenv(dir, "prod"); !errors.As(err, &rd) {
		t.Errorf("regular .env: %v", err)
	}
}

// TestRotationLocalSide: a pending entry whose passphrase the store holds
// is finished; one the environment gives is refused; the state advances
// only from the rotated generation.
func TestRotationLocalSide(t *testing.T) {
	h := testHome(t, nil)
	loc, pass := "dir:/v/prod", []byte("the new passphrase of prod")
	if err := h.StorePendingRotation(loc, "prod", PendingRotation{Pass: pass, Base: 2}); err != nil {
		t.Fatal(err)
	}
	if err := h.FinishRotation(loc, "prod", pass); !errors.Is(err, ErrPendingFromEnv) {
		t.Errorf("not stored: %v", err)
	}
	if err := h.CompleteRotation(loc, "prod", pass); err != nil {
		t.Fatal(err)
	}
	if pr, err := h.LoadPendingRotation(loc, "prod"); pr != nil || err != nil {
		t.Errorf("pending entry left: %v", err)
	}
	if err := h.FinishRotation(loc, "prod", pass); err != nil {
		t.Errorf("stored: %v", err)
	}
	p := &Project{Dir: t.TempDir()}
	if err := p.SaveState(&LocalState{Env: "prod", Generation: 2}); err != nil {
		t.Fatal(err)
	}
	if err := p.AdvanceState("prod", 1, 3, "aa"); err != nil {
		t.Fatal(err)
	}
	if st, _ := p.LoadState("prod"); st.Generation != 2 {
		t.Errorf("advanced from another generation: %d", st.Generation)
	}
	if err := p.AdvanceState("prod", 2, 3, "aa"); err != nil {
		t.Fatal(err)
	}
	if st, _ := p.LoadState("prod"); st.Generation != 3 || st.PayloadSHA256 != "aa" {
		t.Errorf("state %+v", st)
	}
}
