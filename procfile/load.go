package procfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// FileError is an error about the Procfile at Path, read
// `Procfile "PATH": ERR`. Err is fs.ErrNotExist for a missing file, a
// SyntaxErrors for bad lines, ErrNoProcesses, or the error reading it.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("Procfile %q: %v", e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// ReadFile reads and parses the Procfile at path. Every error is a
// *FileError naming path.
func ReadFile(path string) (*Procfile, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = fs.ErrNotExist // the path is in FileError's text already
		}
		return nil, &FileError{Path: path, Err: err}
	}
	defer f.Close()
	pf, err := Parse(f)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return pf, nil
}

// Plan is what `vsync start` and `vsync export` derive from a Procfile and
// their arguments before anything runs.
type Plan struct {
	Procfile *Procfile
	// Formation is the count of every type (see ParseFormation).
	Formation map[string]int
	// Selected are the types named (see Procfile.Select): every type
	// when none is.
	Selected []string
}

// ReadPlan reads the Procfile at path (as ReadFile), the types names
// (every one when empty) and the formation spec, Foreman's -c: a type
// named runs once at least. An unknown name wraps ErrUnknownProcess; a
// bad spec reads `-c "SPEC": ...` and wraps ErrBadFormation or
// ErrUnknownProcess.
func ReadPlan(path, spec string, names []string) (*Plan, error) {
	pf, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	selected, err := pf.Select(names)
	if err != nil {
		return nil, err
	}
	var named []string // types named on the command line run once at least
	if len(names) > 0 {
		named = selected
	}
	formation, err := ParseFormation(spec, pf, named)
	if err != nil {
		return nil, fmt.Errorf("-c %q: %w", spec, err)
	}
	return &Plan{Procfile: pf, Formation: formation, Selected: selected}, nil
}
