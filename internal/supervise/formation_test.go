package supervise

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"vsync/internal/childenv"
	"vsync/procfile"
)

// TestFormation: the root, the ports (-p, else PORT of the environment,
// else 5000), a formation of nothing, and a command line that gives no
// argv, each with its error.
func TestFormation(t *testing.T) {
	dir := t.TempDir()
	pf := filepath.Join(dir, "Procfile")
	if err := os.WriteFile(pf, []byte("web: ./serve\nworker: ./work\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if root, err := FormationRoot("", pf); err != nil || root != dir {
		t.Errorf("FormationRoot = %q, %v; want %q", root, err, dir)
	}
	if _, err := FormationRoot(filepath.Join(dir, "none"), pf); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing root: %v", err)
	}
	var nd *NotDirError
	if _, err := FormationRoot(pf, pf); !errors.As(err, &nd) {
		t.Errorf("a file as root: %v", err)
	}

	plan, err := procfile.ReadPlan(pf, "", []string{"worker"})
	if err != nil {
		t.Fatal(err)
	}
	port := []childenv.Var{{Key: "PORT", Value: "6000", Source: childenv.SourceProcess}}
	for _, tc := range []struct {
		base int
		vars []childenv.Var
		want int
	}{{0, nil, 5100}, {0, port, 6100}, {7000, port, 7100}} {
		in, err := PlanInstances(plan, tc.base, tc.vars)
		if err != nil || len(in) != 1 || in[0].Port != tc.want {
			t.Errorf("base %d: %+v, %v; want worker.1 on %d", tc.base, in, err, tc.want)
		}
	}
	bad := []childenv.Var{{Key: "PORT", Value: "x", Source: childenv.SourceProcess}}
	if _, err := PlanInstances(plan, 0, bad); !errors.Is(err, procfile.ErrBadPort) {
		t.Errorf("a bad PORT: %v", err)
	}
	none, err := procfile.ReadPlan(pf, "web=0", []string{"web"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PlanInstances(none, 0, nil); !errors.Is(err, ErrNothingToStart) {
		t.Errorf("web=0: %v", err)
	}

	var ce *CommandError
	f := Formation{Root: dir, Instances: []procfile.Instance{{Name: "web.1", Command: " "}}, Stdout: io.Discard}
	if err := f.Check(nil); !errors.As(err, &ce) || ce.Process != "web.1" || !errors.Is(err, procfile.ErrEmptyCommand) {
		t.Errorf("an empty command: %v", err)
	}
}
