package procfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Entry is one process type of a Procfile.
type Entry struct {
	Name    string // letters, digits, '_' and '-'
	Command string // trimmed, never empty
	Line    int    // 1-based line number in the Procfile
}

// Procfile is a parsed Procfile: its entries in file order. The order
// matters, since a type's index in it decides its ports.
type Procfile struct {
	Entries []Entry
}

// ErrNoProcesses is returned by Parse for a Procfile with no entries.
var ErrNoProcesses = errors.New("no processes defined")

// SyntaxError is one bad line of a Procfile.
type SyntaxError struct {
	Line   int    // 1-based
	Reason string // lower case, no final period; never quotes the command
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// SyntaxErrors is every bad line of a Procfile, in line order. Parse
// returns it as its error when there is at least one bad line; errors.As
// finds both it and its first *SyntaxError.
type SyntaxErrors []*SyntaxError

func (es SyntaxErrors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap gives the individual errors to errors.Is and errors.As.
func (es SyntaxErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Lookup returns the entry named name and its index in the Procfile, or
// -1 when there is none.
func (p *Procfile) Lookup(name string) (Entry, int) {
	for i, e := range p.Entries {
		if e.Name == name {
			return e, i
		}
	}
	return Entry{}, -1
}

// Names returns the process type names in Procfile order.
func (p *Procfile) Names() []string {
	out := make([]string, len(p.Entries))
	for i, e := range p.Entries {
		out[i] = e.Name
	}
	return out
}

// Parse reads a Procfile (see the package documentation for the grammar).
// On any bad line it returns a nil *Procfile and a SyntaxErrors holding
// every bad line; an input with no entries gives ErrNoProcesses; a read
// error is returned as is.
func Parse(r io.Reader) (*Procfile, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))

	var (
		pf    Procfile
		errs  SyntaxErrors
		first = map[string]int{} // name → line of its first definition
	)
	lines := strings.Split(string(data), "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1] // the newline ending the last line
	}
	for i, line := range lines {
		num := i + 1
		line = strings.TrimSuffix(line, "\r")
		e, reason := parseLine(line)
		switch {
		case reason != "":
			errs = append(errs, &SyntaxError{Line: num, Reason: reason})
		case e.Name == "":
			// blank or comment
		case first[e.Name] != 0:
			errs = append(errs, &SyntaxError{Line: num, Reason: fmt.Sprintf(
				"duplicate process name %q (first defined on line %d)", e.Name, first[e.Name])})
		default:
			first[e.Name] = num
			e.Line = num
			pf.Entries = append(pf.Entries, e)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if len(pf.Entries) == 0 {
		return nil, ErrNoProcesses
	}
	return &pf, nil
}

// parseLine returns the entry on line, a zero Entry for a blank or comment
// line, or a reason why the line is bad.
func parseLine(line string) (Entry, string) {
	trimmed := strings.TrimLeftFunc(line, unicode.IsSpace)
	if trimmed == "" || trimmed[0] == '#' {
		return Entry{}, ""
	}
	if trimmed != line {
		return Entry{}, "process name must start at the beginning of the line"
	}
	n := 0
	for n < len(line) && isNameByte(line[n]) {
		n++
	}
	switch {
	case n < len(line) && line[n] == ':' && n == 0:
		return Entry{}, "missing process name before ':'"
	case n < len(line) && line[n] == ':':
		// an entry
	case !strings.Contains(line[n:], ":"):
		return Entry{}, `expected "name: command" or a "#" comment`
	case strings.HasPrefix(strings.TrimLeftFunc(line[n:], unicode.IsSpace), ":") && n > 0:
		return Entry{}, "no space allowed between process name and ':'"
	default:
		r, _ := utf8.DecodeRuneInString(line[n:])
		return Entry{}, fmt.Sprintf("invalid character %q in process name (allowed: letters, digits, '_' and '-')", r)
	}
	name := line[:n]
	cmd := strings.TrimSpace(line[n+1:])
	switch {
	case name == "all":
		return Entry{}, `process name "all" is reserved (-c all=N means every process)`
	case cmd == "":
		return Entry{}, fmt.Sprintf("empty command for process %q", name)
	case strings.IndexByte(cmd, 0) >= 0:
		return Entry{}, fmt.Sprintf("command for process %q contains a NUL byte", name)
	}
	if err := checkCommand(cmd); err != nil {
		return Entry{}, fmt.Sprintf("command for process %q: %v", name, err)
	}
	return Entry{Name: name, Command: cmd}, ""
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

// ValidName reports whether s is a valid process type name.
func ValidName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}
