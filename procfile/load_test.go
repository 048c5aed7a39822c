package procfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func writeProcfile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "Procfile")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadFileErrorsNameTheFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "Procfile")
	_, err := ReadFile(missing)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != missing || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
	if want := "Procfile " + `"` + missing + `"` + ": file does not exist"; err.Error() != want {
		t.Errorf("missing: %q, want %q", err, want)
	}

	_, err = ReadFile(writeProcfile(t, "web: a\nbad line\n x: y\n"))
	var se SyntaxErrors
	if !errors.As(err, &fe) || !errors.As(err, &se) || len(se) != 2 || se[0].Line != 2 {
		t.Errorf("bad lines: %v", err)
	}

	_, err = ReadFile(writeProcfile(t, "# nothing\n"))
	if !errors.As(err, &fe) || !errors.Is(err, ErrNoProcesses) {
		t.Errorf("empty: %v", err)
	}
}

func TestReadPlan(t *testing.T) {
	p := writeProcfile(t, "web: a\nworker: b\nclock: c\n")
	plan, err := ReadPlan(p, "", []string{"clock", "web"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"web", "clock"}; !reflect.DeepEqual(plan.Selected, want) {
		t.Errorf("selected %q, want %q", plan.Selected, want)
	}
	if want := map[string]int{"web": 1, "worker": 1, "clock": 1}; !reflect.DeepEqual(plan.Formation, want) {
		t.Errorf("formation %v, want %v", plan.Formation, want)
	}

	if _, err := ReadPlan(p, "", []string{"nope"}); !errors.Is(err, ErrUnknownProcess) {
		t.Errorf("unknown name: %v", err)
	}
	_, err = ReadPlan(p, "web=x", nil)
	if !errors.Is(err, ErrBadFormation) || err.Error()[:11] != `-c "web=x":` {
		t.Errorf("bad spec: %v", err)
	}
}
