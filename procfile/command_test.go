package procfile

import (
	"reflect"
	"testing"
)

func TestCommand(t *testing.T) {
	env := []string{"PORT=5000", "PORT=5100", "NAME=app", "SPACED=a b", "GLOB=*.py", "EMPTY=", "noequals"}
	sh := func(s string) []string { return []string{"/bin/sh", "-c", s} }
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"gunicorn app:wsgi -w 4", []string{"gunicorn", "app:wsgi", "-w", "4"}},
		{"  ./bin/web\t--x  ", []string{"./bin/web", "--x"}},
		{"run --port $PORT", []string{"run", "--port", "5100"}}, // last PORT wins
		{"run --bind=0.0.0.0:${PORT} $NAME", []string{"run", "--bind=0.0.0.0:5100", "app"}},
		{"run $EMPTY x $UNSET", []string{"run", "x"}},
		{"run --opt=$EMPTY", []string{"run", "--opt="}},
		{"run $PORT-$NAME", []string{"run", "5100-app"}},
		{"run 100% done", []string{"run", "100%", "done"}},
		{`run "a b" 'c d'`, []string{"run", "a b", "c d"}},
		{`run ""`, []string{"run", ""}},
		// shell syntax
		{"run $SPACED", sh("run $SPACED")},
		{"run $GLOB", sh("run $GLOB")},
		{"$EMPTY", sh("$EMPTY")},
		{"$NAME --port $PORT", sh("$NAME --port $PORT")}, // the program from a variable
		{"${NAME}d run", sh("${NAME}d run")},
		{`run "$PORT"`, sh(`run "$PORT"`)},
		{`run '$PORT'`, sh(`run '$PORT'`)},
		{"FOO=1 run", sh("FOO=1 run")},
		{"a | b", sh("a | b")},
		{"a && b", sh("a && b")},
		{"a; b", sh("a; b")},
		{"a > log", sh("a > log")},
		{"a 2>&1", sh("a 2>&1")},
		{"a $(b)", sh("a $(b)")},
		{"a `b`", sh("a `b`")},
		{"a $1", sh("a $1")},
		{"a $$", sh("a $$")},
		{"a $", sh("a $")},
		{"a ${X:-y}", sh("a ${X:-y}")},
		{"a ${X", sh("a ${X")},
		{`a \n`, sh(`a \n`)},
		{"a *.py", sh("a *.py")},
		{"a ~/x", sh("a ~/x")},
		{"a # c", sh("a # c")},
		{"a {b,c}", sh("a {b,c}")},
		{"! a", sh("! a")},
		{"(a)", sh("(a)")},
		{"a\rb", sh("a\rb")},
		// a shell's own words: no program in PATH runs them
		{"exec uvicorn app.main:app --port $PORT", sh("exec uvicorn app.main:app --port $PORT")},
		{"exec gunicorn app:wsgi", sh("exec gunicorn app:wsgi")},
		{`'exec' x`, sh(`'exec' x`)},
		{"cd /srv", sh("cd /srv")},
		{"export A=1", sh("export A=1")},
		{". ./env.sh", sh(". ./env.sh")},
		{"source ./env.sh", sh("source ./env.sh")},
		{"ulimit -n 1024", sh("ulimit -n 1024")},
		{"umask 077", sh("umask 077")},
		{"trap '' HUP", sh("trap '' HUP")},
		{"set -e", sh("set -e")},
		{"eval run", sh("eval run")},
		{"if", sh("if")},
		{"for", sh("for")},
		{"while", sh("while")},
		{"case", sh("case")},
		{": ready", sh(": ready")},
		{"exit 3", sh("exit 3")},
		{"wait", sh("wait")},
		// only the first word counts; a name that merely starts like one
		{"run exec cd", []string{"run", "exec", "cd"}},
		{"executor --x", []string{"executor", "--x"}},
		{"./exec", []string{"./exec"}},
	} {
		got, err := Command(Entry{Name: "p", Command: tc.cmd}, env)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Command(%q) = %q, %v; want %q", tc.cmd, got, err, tc.want)
		}
	}
	if _, err := Command(Entry{Name: "p", Command: "a 'b"}, env); err == nil {
		t.Errorf("unbalanced quote: no error")
	}
	if _, err := Command(Entry{Name: "p", Command: " "}, env); err == nil {
		t.Errorf("empty: no error")
	}
}
