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
