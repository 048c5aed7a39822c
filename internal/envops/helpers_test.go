package envops

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"vsync/internal/history"
	"vsync/internal/workspace"
)

// testPass is a chosen passphrase (iterated S2K, testS2K rounds).
const (
	testPass = "a chosen test passphrase"
	testS2K  = 1024
)

// openTestEnv records env "dev" in a new project whose profile is a
// directory backend, writes its folder with files (path → content) when
// not nil, and opens it as the CLI does.
func openTestEnv(t *testing.T, files map[string]string) *Env {
	t.Helper()
	cfg, dir := t.TempDir(), t.TempDir()
	home := workspace.Home{Getenv: func(k string) string {
		switch k {
		case "XDG_CONFIG_HOME":
			return cfg
		case "VSYNC_PASSPHRASE":
			return testPass
		}
		return ""
	}}
	profiles, err := home.LoadProfiles()
	if err != nil {
		t.Fatal(err)
	}
	profiles.Profiles["local"] = workspace.Profile{Dir: t.TempDir()}
	if err := home.SaveProfiles(profiles); err != nil {
		t.Fatal(err)
	}
	proj, err := workspace.RecordEnv(dir, workspace.NewEnv{Env: "dev", Profile: "local", Prefix: "app", PrefixSet: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := proj.Save(); err != nil {
		t.Fatal(err)
	}
	writeFolder(t, proj, files)
	return openEnv(t, home, proj)
}

// openEnv opens env "dev" of proj again, as another command would.
func openEnv(t *testing.T, home workspace.Home, proj *workspace.Project) *Env {
	t.Helper()
	we, err := home.OpenEnv(context.Background(), proj, "dev", workspace.OpenOptions{NeedPassphrase: true})
	if err != nil {
		t.Fatal(err)
	}
	return &Env{
		Env:  &history.Env{Store: we.Store, Passphrase: we.Passphrase, Location: we.Location},
		Name: "dev", Project: we.Project, Profile: we.Profile, Home: home,
	}
}

// writeFolder writes files (path → content) into the env's folder.
func writeFolder(t *testing.T, proj *workspace.Project, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(proj.EnvDir("dev"), filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
