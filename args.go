package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"vsync/internal/supervise"
)

// arrangeArgs prepares argv (argv[0] is the program name) for urfave/cli:
//
//   - for `vsync run`, whose arguments are a command line: vsync's flags
//     end at the first argument that is not a flag (or at "--"), as in
//     `honcho run` and `foreman run`; a flag that takes a value takes the
//     next argument (--env prod). Everything from the first other argument
//     on is the command, passed on untouched behind a "--" (so `vsync run
//     python manage.py migrate --noinput` and `vsync run sh -c '...'`
//     work, and a command named "help" or "h" is run, not the help);
//   - for every other leaf command, its flags are moved in front of its
//     positional arguments, so that `vsync push prod --note x` works as the
//     usage texts show (Go's flag package stops at the first positional
//     argument), up to a "--";
//   - in both, among vsync's own flags, a bare --preserve-env becomes
//     --preserve-env=all and a bare --watch becomes --watch=30s, so those
//     flags can be given with or without a value as the README and their --help write them
//     (--preserve-env[=K,...], --watch[=INTERVAL]).
func arrangeArgs(app *cli.App, argv []string) []string {
	if len(argv) < 2 {
		return argv
	}
	out := []string{argv[0]}
	rest := argv[1:]
	var path []string
	var leaf *cli.Command
	// Walk down the command path: leading flags are global.
	for len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		var next *cli.Command
		if leaf == nil {
			next = app.Command(rest[0])
		} else {
			next = leaf.Command(rest[0])
		}
		if next == nil {
			break
		}
		leaf, path = next, append(path, next.Name)
		out = append(out, rest[0])
		rest = rest[1:]
	}
	if leaf == nil {
		return append(out, rest...)
	}
	takesValue := map[string]bool{}
	for _, f := range leaf.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	commandLine := strings.Join(path, " ") == "run"
	var fl, pos []string
	for i := 0; i < len(rest); i++ {
		tok := rest[i]
		if tok == "--" {
			pos = append(pos, rest[i:]...)
			break
		}
		if !strings.HasPrefix(tok, "-") || tok == "-" {
			if commandLine {
				pos = append(pos, "--")
				pos = append(pos, rest[i:]...)
				break
			}
			pos = append(pos, tok)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(tok, "-"), "=")
		switch {
		case hasValue:
		case name == "preserve-env":
			tok = "--preserve-env=all"
		case name == "watch":
			tok = "--watch=" + supervise.DefaultInterval.String()
		case takesValue[name] && i+1 < len(rest):
			fl = append(fl, tok)
			tok = rest[i+1]
			i++
		}
		fl = append(fl, tok)
	}
	return append(append(out, fl...), pos...)
}
