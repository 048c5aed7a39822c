// The dotenv files of an env are read by ParseDotenv with this grammar,
// which follows what Docker Compose, python-dotenv and shells agree on:
//
//   - The file is UTF-8 text; a UTF-8 byte order mark at the start is
//     ignored, and CRLF line endings are read as LF (also inside quotes).
//     A NUL byte anywhere is an error.
//   - Blank lines (spaces and tabs only) are ignored. A line whose first
//     non-blank character is '#' is a comment.
//   - An assignment is KEY=VALUE, optionally preceded by "export " (one or
//     more spaces or tabs after "export"). KEY matches
//     [A-Za-z_][A-Za-z0-9_.]*. Spaces and tabs before KEY and around '='
//     are ignored. "export=1" assigns the key "export".
//   - An unquoted VALUE runs to the end of the line, leading and trailing
//     spaces and tabs trimmed. A '#' preceded by a space or tab starts a
//     comment; any other '#' is part of the value (A=b#c is "b#c",
//     A=b #c is "b"). Quotes in it are literal, and so are backslashes
//     except in \$, which is a literal '$' (A=\$HOME is "$HOME").
//   - A single-quoted VALUE ('...') is literal: no escapes, no
//     interpolation; it may span lines and cannot contain a single quote.
//   - A double-quoted VALUE ("...") may span lines (PEM keys) and knows the
//     escapes \n \r \t \" \\ and \$; a backslash before any other character
//     is kept as is, with that character.
//   - After a closing quote only spaces, tabs and an optional '#' comment
//     may follow on that line.
//   - In unquoted and double-quoted values, ${NAME} and $NAME are replaced
//     by the value of NAME: a key assigned earlier in the same file, else
//     the lookup function, else the empty string. ${NAME} takes a key name
//     (dots allowed); $NAME takes [A-Za-z_][A-Za-z0-9_]* (so "$HOST.local"
//     is $HOST then ".local"). A '$' not followed by '{' or a name start is
//     literal.
//   - Parameter expansion as in Docker Compose (compose-go's template
//     package), where "set" means assigned earlier in the file or known
//     to the lookup function, even if empty:
//     ${NAME:-word} is word when NAME is unset or empty, else its value;
//     ${NAME-word} is word only when NAME is unset;
//     ${NAME:+word} is word when NAME is set and not empty, else empty;
//     ${NAME+word} is word when NAME is set, else empty.
//     word runs to the matching '}', may hold references itself
//     (${A:-${B:-x}}) and the escapes of the value it is in; it cannot hold
//     a '}' of its own. Other forms (${NAME:?err}, ${NAME/a/b}, ...) and a
//     "${" without a valid name and closing '}' are errors.
//   - Empty values are allowed: A=, A='' and A="".
//   - A key assigned twice takes the later value, as in shells.
//
// Errors are *SyntaxError values naming the file and line and a fixed
// reason; they never contain a value.

package vault

import (
	"fmt"
	"strings"
)

// Var is one assignment of a dotenv file.
type Var struct {
	Key   string
	Value string
	Line  int // 1-based line where the assignment starts
}

// SyntaxError is a dotenv syntax error. It names the file and line, never
// the value.
type SyntaxError struct {
	File   string
	Line   int
	Reason string
}

// Error returns "FILE:LINE: REASON".
func (e *SyntaxError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason) }

// Reasons of dotenv syntax errors; none of them contains file content.
const (
	reasonInvalidKey   = "invalid key"
	reasonMissingEq    = "missing '='"
	reasonUntermSingle = "unterminated single quote"
	reasonUntermDouble = "unterminated double quote"
	reasonAfterQuote   = "unexpected character after closing quote"
	reasonBadRef       = "invalid ${...} variable reference"
	reasonDeepRef      = "${...} references nested deeper than 1000"
	reasonNUL          = "NUL byte in file"
)

// ParseDotenv parses a dotenv file's content (grammar in the package doc of
// dotenv.go). lookup resolves ${VAR} that no earlier key defines (normally
// os.LookupEnv of the would-be child environment; nil means none). name is
// used only in errors. Later duplicates win, as in shells.
//
// The result has one Var per key, in the order keys first appear, with the
// value and line of the last assignment.
func ParseDotenv(name string, data []byte, lookup func(string) (string, bool)) ([]Var, error) {
	s := strings.TrimPrefix(string(data), "\ufeff")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if i := strings.IndexByte(s, 0); i >= 0 {
		return nil, &SyntaxError{File: name, Line: 1 + strings.Count(s[:i], "\n"), Reason: reasonNUL}
	}
	p := &dotenvParser{name: name, s: s, line: 1, lookup: lookup, index: map[string]int{}}
	for p.i < len(p.s) {
		if err := p.statement(); err != nil {
			return nil, err
		}
	}
	return p.vars, nil
}

type dotenvParser struct {
	name   string
	s      string
	i      int
	line   int
	lookup func(string) (string, bool)
	vars   []Var
	index  map[string]int // key -> position in vars (its value so far)
}

func (p *dotenvParser) fail(line int, reason string) error {
	return &SyntaxError{File: p.name, Line: line, Reason: reason}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func isNameStart(c byte) bool { return c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' }

func isNameChar(c byte) bool { return isNameStart(c) || '0' <= c && c <= '9' }

func isKeyChar(c byte) bool { return isNameChar(c) || c == '.' }

func (p *dotenvParser) skipBlanks() int {
	start := p.i
	for p.i < len(p.s) && isBlank(p.s[p.i]) {
		p.i++
	}
	return p.i - start
}

// skipLine moves past the rest of the line and its newline.
func (p *dotenvParser) skipLine() {
	if j := strings.IndexByte(p.s[p.i:], '\n'); j >= 0 {
		p.i += j + 1
		p.line++
		return
	}
	p.i = len(p.s)
}

func (p *dotenvParser) key() string {
	start := p.i
	if p.i < len(p.s) && isNameStart(p.s[p.i]) {
		p.i++
		for p.i < len(p.s) && isKeyChar(p.s[p.i]) {
			p.i++
		}
	}
	return p.s[start:p.i]
}

// statement parses one blank line, comment or assignment.
func (p *dotenvParser) statement() error {
	p.skipBlanks()
	if p.i == len(p.s) {
		return nil
	}
	if c := p.s[p.i]; c == '\n' || c == '#' {
		p.skipLine()
		return nil
	}
	line := p.line
	key := p.key()
	if key == "export" && p.i < len(p.s) && isBlank(p.s[p.i]) {
		save := p.i
		p.skipBlanks()
		if p.i < len(p.s) && isNameStart(p.s[p.i]) {
			key = p.key()
		} else {
			p.i = save
		}
	}
	if key == "" {
		return p.fail(line, reasonInvalidKey)
	}
	if p.i < len(p.s) && !isBlank(p.s[p.i]) && p.s[p.i] != '=' && p.s[p.i] != '\n' {
		return p.fail(line, reasonInvalidKey)
	}
	p.skipBlanks()
	if p.i == len(p.s) || p.s[p.i] != '=' {
		return p.fail(line, reasonMissingEq)
	}
	p.i++
	blanks := p.skipBlanks()
	var value string
	var err error
	switch {
	case p.i < len(p.s) && p.s[p.i] == '\'':
		value, err = p.singleQuoted(line)
	case p.i < len(p.s) && p.s[p.i] == '"':
		value, err = p.doubleQuoted(line)
	default:
		value, err = p.unquoted(blanks > 0)
	}
	if err != nil {
		return err
	}
	p.set(key, value, line)
	return nil
}

func (p *dotenvParser) set(key, value string, line int) {
	if j, ok := p.index[key]; ok {
		p.vars[j].Value, p.vars[j].Line = value, line
		return
	}
	p.index[key] = len(p.vars)
	p.vars = append(p.vars, Var{Key: key, Value: value, Line: line})
}

// unquoted reads a value to the end of the line. afterBlank says whether
// blanks preceded it, so that a leading '#' starts a comment.
func (p *dotenvParser) unquoted(afterBlank bool) (string, error) {
	end := strings.IndexByte(p.s[p.i:], '\n')
	if end < 0 {
		end = len(p.s) - p.i
	}
	raw := p.s[p.i : p.i+end]
	for k := 0; k < len(raw); k++ {
		if raw[k] == '#' && (k == 0 && afterBlank || k > 0 && isBlank(raw[k-1])) {
			raw = raw[:k]
			break
		}
	}
	for len(raw) > 0 && isBlank(raw[len(raw)-1]) {
		raw = raw[:len(raw)-1]
	}
	line := p.line
	p.skipLine()
	x := expander{p: p, s: raw, line: line}
	return x.all()
}

func (p *dotenvParser) resolve(name string) (string, bool) {
	if j, ok := p.index[name]; ok {
		return p.vars[j].Value, true
	}
	if p.lookup != nil {
		if v, ok := p.lookup(name); ok {
			return v, true
		}
	}
	return "", false
}

func (p *dotenvParser) singleQuoted(line int) (string, error) {
	p.i++ // opening quote
	j := strings.IndexByte(p.s[p.i:], '\'')
	if j < 0 {
		return "", p.fail(line, reasonUntermSingle)
	}
	v := p.s[p.i : p.i+j]
	p.line += strings.Count(v, "\n")
	p.i += j + 1
	return v, p.afterQuote()
}

// doubleQuoted reads a double-quoted value: it finds the closing quote
// (one not escaped by a backslash), then expands the text between.
func (p *dotenvParser) doubleQuoted(line int) (string, error) {
	p.i++ // opening quote
	start := p.i
	for {
		if p.i >= len(p.s) {
			return "", p.fail(line, reasonUntermDouble)
		}
		switch p.s[p.i] {
		case '\\':
			if p.i+1 >= len(p.s) {
				return "", p.fail(line, reasonUntermDouble)
			}
			p.i += 2
			continue
		case '"':
		default:
			p.i++
			continue
		}
		break
	}
	x := expander{p: p, s: p.s[start:p.i], line: line, dq: true}
	p.line += strings.Count(x.s, "\n")
	p.i++ // closing quote
	v, err := x.all()
	if err != nil {
		return "", err
	}
	return v, p.afterQuote()
}

var dqEscapes = map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', '"': '"', '\\': '\\', '$': '$'}

// afterQuote accepts blanks and an optional comment up to the end of line.
func (p *dotenvParser) afterQuote() error {
	p.skipBlanks()
	if p.i == len(p.s) {
		return nil
	}
	switch p.s[p.i] {
	case '\n', '#':
		p.skipLine()
		return nil
	}
	return p.fail(p.line, reasonAfterQuote)
}
