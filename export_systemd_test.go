package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"vsync/internal/miniotest"
)

// systemdAnalyze returns the path of systemd-analyze, or skips the test
// without it, unless VSYNC_TEST_REQUIRE_S3=1 (CI installs systemd), where
// that is a failure.
func systemdAnalyze(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv(miniotest.RequireEnv) == "1" {
			t.Fatalf("systemd-analyze is required (%s=1): apt-get install systemd", miniotest.RequireEnv)
		}
		t.Skip("systemd-analyze not installed (apt-get install systemd)")
	}
	return p
}

// TestExportSystemdVerifies: `systemd-analyze verify` accepts every unit
// `vsync export systemd` writes, without a single warning (it exits 0
// on unknown keys and bad values, and says so): for a project with a vault
// (credentials) and a one-off type, for a dotenv-only one, and for a
// Procfile whose commands hold what systemd would otherwise expand ($, %,
// quotes, backslashes) in a directory with a space and a '%' in its name.
func TestExportSystemdVerifies(t *testing.T) {
	analyze := systemdAnalyze(t)
	for _, tc := range []struct {
		name     string
		vault    bool
		procfile string
		args     []string
	}{
		{"vault-release", true, "web: puma -p $PORT\nworker: sleep 10\nrelease: ./migrate\n", []string{"-c", "web=2,worker=1,release=1"}},
		{"dotenv-only", false, "web: puma -p $PORT\nrelease: ./migrate\n", nil},
		{"awkward-commands", true, `web: echo "100% ${HOME} $(date) \"q\" 'it'\''s' back\\slash" %n %%` + "\n", []string{"--credentials", "/etc/vsync/50% off"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "my app 100%")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			writeProcfile(t, dir, tc.procfile)
			if tc.vault {
				vaultProject(t, dir)
			}
			out := exportTo(t, dir, "systemd", append([]string{"-a", "shop", "--vsync", os.Args[0]}, tc.args...)...)
			units, err := filepath.Glob(filepath.Join(out, "shop*"))
			if err != nil || len(units) < 2 {
				t.Fatalf("units %q (%v)", units, err)
			}
			cmd := exec.Command(analyze, append([]string{"verify", "--man=no"}, units...)...)
			b, err := cmd.CombinedOutput()
			if err != nil || len(strings.TrimSpace(string(b))) > 0 {
				t.Errorf("systemd-analyze verify: %v\n%s", err, b)
			}
			for _, u := range units {
				data, err := os.ReadFile(u)
				if err != nil {
					t.Fatal(err)
				}
				want := tc.vault && strings.HasSuffix(u, ".service")
				if got := strings.Contains(string(data), "LoadCredential="); got != want {
					t.Errorf("%s: LoadCredential lines %v, want %v", filepath.Base(u), got, want)
				}
			}
		})
	}
}
