package procfile

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mattn/go-shellwords"
)

// Shell is the shell that runs commands with shell syntax.
const Shell = "/bin/sh"

// shellBytes send a command to the shell wherever they appear. The list is
// deliberately wider than what is strictly needed (a '#' inside a word, or a
// '!' that is not a word of its own, means nothing to sh): running a command
// under sh is always correct, running it directly is only an optimisation.
//
//	| & ; < > ( )   operators, subshells
//	` \             command substitution, escapes (go-shellwords reads "\n"
//	                as a newline where sh reads "n")
//	* ? [ ]         globs
//	# ~ { } !       comments, tilde expansion, groups, negation
//	\n \r           go-shellwords splits on these, sh does not split on "\r"
const shellBytes = "|&;<>()`\\*?[]#~{}!\n\r"

// ErrEmptyCommand is returned by Command for a command that is empty.
var ErrEmptyCommand = errors.New("empty command")

// Command returns the argv that runs e.Command with the environment env
// ("KEY=VALUE" entries as os/exec takes them; the last of a repeated key
// wins, as in exec). env must be the process's final environment, PORT
// included.
//
// A command runs directly, split into words by go-shellwords, when it has
// no shell syntax, which means all of:
//
//   - none of the bytes | & ; < > ( ) ` \ * ? [ ] # ~ { } ! newline or
//     carriage return appears in it (except the braces of ${NAME});
//   - every '$' starts a plain reference $NAME or ${NAME}, NAME being a
//     letter or '_' then letters, digits or '_' (so no $1, $?, $(...),
//     ${X:-y});
//   - it does not both quote (' or ") and refer to a variable, since the
//     quoting decides how the reference expands;
//   - its first word has no '=' (FOO=bar cmd is an assignment) and no '$':
//     the program is named in the Procfile itself, so that vsync's own
//     "command not found" never prints a variable's value;
//   - its first word is not a shell reserved word or built-in (exec, cd,
//     export, ".", source, ulimit, if, for, ...; see isShellWord), which
//     no program in PATH stands for;
//   - no variable it refers to has a value holding a blank, newline or a
//     glob character, which sh would split or expand.
//
// A direct command's references are expanded from env before it runs; an
// unset or empty reference standing alone as a word removes the word, as
// in sh. Anything else returns {Shell, "-c", command}, and the shell expands
// $PORT and the rest from the same env, which the caller must pass to the
// process. '%' and '=' after the first word mean nothing to sh and do not
// count.
//
// Errors never include a variable's value.
func Command(e Entry, env []string) ([]string, error) {
	cmd := strings.TrimSpace(e.Command)
	if cmd == "" {
		return nil, fmt.Errorf("process %q: %w", e.Name, ErrEmptyCommand)
	}
	words, refs, err := direct(cmd)
	if err != nil {
		return nil, fmt.Errorf("process %q: %w", e.Name, err)
	}
	if words == nil {
		return shellArgv(cmd), nil
	}
	if !refs {
		return words, nil
	}
	vars := envMap(env)
	needShell := false
	out := make([]string, 0, len(words))
	for _, w := range words {
		x := os.Expand(w, func(k string) string {
			v := vars[k]
			if strings.ContainsAny(v, " \t\n*?[") {
				needShell = true
			}
			return v
		})
		if x != "" {
			out = append(out, x)
		}
	}
	if needShell || len(out) == 0 {
		return shellArgv(cmd), nil
	}
	return out, nil
}

// Argv is Command for the instance's command.
func (in Instance) Argv(env []string) ([]string, error) {
	return Command(Entry{Name: in.Name, Command: in.Command}, env)
}

func shellArgv(cmd string) []string { return []string{Shell, "-c", cmd} }

// classify reports whether cmd refers to variables and whether it can run
// without a shell (before looking at the variables' values).
func classify(cmd string) (refs, direct bool) {
	quotes := false
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case c == '$':
			n := refLen(cmd[i:])
			if n == 0 {
				return false, false
			}
			refs = true
			i += n - 1
		case c == '\'' || c == '"':
			quotes = true
		case strings.IndexByte(shellBytes, c) >= 0:
			return false, false
		}
	}
	if refs && quotes {
		return refs, false
	}
	first, _, _ := strings.Cut(strings.ReplaceAll(cmd, "\t", " "), " ")
	if strings.Contains(first, "=") {
		return refs, false
	}
	return refs, true
}

// refLen returns the length of the reference $NAME or ${NAME} at the start
// of s, or 0 when s does not start with one.
func refLen(s string) int {
	braced := strings.HasPrefix(s, "${")
	start := 1
	if braced {
		start = 2
	}
	n := start
	for n < len(s) && (s[n] == '_' || 'a' <= s[n] && s[n] <= 'z' || 'A' <= s[n] && s[n] <= 'Z' ||
		n > start && '0' <= s[n] && s[n] <= '9') {
		n++
	}
	if n == start {
		return 0
	}
	if braced {
		if n == len(s) || s[n] != '}' {
			return 0
		}
		n++
	}
	return n
}

var errUnbalancedQuotes = errors.New("unbalanced quotes")

func split(cmd string) ([]string, error) {
	p := shellwords.NewParser()
	p.ParseEnv = false
	p.ParseBacktick = false
	words, err := p.Parse(cmd)
	if err != nil || p.Position >= 0 {
		return nil, errUnbalancedQuotes
	}
	return words, nil
}

// direct decides, from the text of cmd alone, how it runs: split into
// words (refs: with $NAME references still to expand) when it may run
// directly, nil words when it runs under the shell, or an error when it
// should run directly but does not split. Command and checkCommand (Parse,
// `vsync check`) both ask it, so that a line `vsync check` accepts is one
// `vsync start` can run.
func direct(cmd string) (words []string, refs bool, err error) {
	refs, ok := classify(cmd)
	if !ok {
		return nil, false, nil
	}
	if words, err = split(cmd); err != nil {
		return nil, false, err
	}
	if len(words) == 0 || strings.Contains(words[0], "$") || isShellWord(words[0]) {
		return nil, false, nil
	}
	return words, refs, nil
}

// checkCommand reports what Parse can tell about a command without an
// environment: a direct command must split.
func checkCommand(cmd string) error {
	_, _, err := direct(cmd)
	return err
}

func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
