package procfile

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"web: a\nworker: b\n",
		"# c\n\nweb:x\r\n",
		"\xef\xbb\xbfweb: a $PORT ${X}\n",
		"web a\n  b: c\nweb:\n",
		"a-b_c: 'q' \"r\" | s\n",
		"x: $(\n",
		"y: ${\n",
		"web: exec uvicorn app.main:app --port $PORT\n",
		"a: . ./env.sh\nb: 'cd' x\nc: export A=1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := Parse(bytes.NewReader(data))
		if err != nil {
			var errs SyntaxErrors
			if pf != nil || !(errors.As(err, &errs) || errors.Is(err, ErrNoProcesses)) {
				t.Fatalf("pf=%v err=%T %v", pf, err, err)
			}
			for _, e := range errs {
				if e.Line < 1 {
					t.Fatalf("line %d", e.Line)
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, e := range pf.Entries {
			if !ValidName(e.Name) || e.Name == "all" || seen[e.Name] {
				t.Fatalf("bad name %q", e.Name)
			}
			seen[e.Name] = true
			if e.Command == "" || e.Command != strings.TrimSpace(e.Command) || strings.ContainsAny(e.Command, "\n\x00") {
				t.Fatalf("bad command %q", e.Command)
			}
			argv, err := Command(e, []string{"PORT=5000", "X=a b"})
			if err != nil || len(argv) == 0 {
				t.Fatalf("Command(%q) = %q, %v", e.Command, argv, err)
			}
			if argv[0] != Shell && (isShellWord(argv[0]) || strings.Contains(argv[0], "$")) {
				t.Fatalf("Command(%q) = %q: run directly", e.Command, argv)
			}
		}
	})
}

// FuzzCommand: `vsync check` and `vsync start` agree on every line. A
// command line that Parse accepts is one Command turns into an argv (for
// any environment), and one that Parse refuses for its command is one
// Command refuses too; a direct argv never starts with a shell's word.
func FuzzCommand(f *testing.F) {
	for _, s := range []string{
		"gunicorn app:wsgi -w 4", "exec uvicorn app.main:app --port $PORT", ". ./env.sh",
		"'exec' x", "run 'a", "cd /srv && exec run", "run $X", "$X run", "FOO=1 run", "if",
	} {
		f.Add(s, "a b")
	}
	f.Fuzz(func(t *testing.T, cmd, x string) {
		if strings.ContainsAny(cmd, "\n\x00") || strings.TrimSpace(cmd) == "" {
			return
		}
		_, perr := Parse(strings.NewReader("p: " + cmd + "\n"))
		argv, cerr := Command(Entry{Name: "p", Command: cmd}, []string{"PORT=5000", "X=" + x})
		if (perr == nil) != (cerr == nil) {
			t.Fatalf("%q: Parse says %v, Command says %v", cmd, perr, cerr)
		}
		if cerr != nil {
			return
		}
		if len(argv) == 0 {
			t.Fatalf("Command(%q): empty argv", cmd)
		}
		if argv[0] != Shell && (isShellWord(argv[0]) || strings.Contains(argv[0], "$")) {
			t.Fatalf("Command(%q) = %q: run directly", cmd, argv)
		}
	})
}

// FuzzParseFormation: any -c value and names either fail with one of the
// documented errors or give every type a count from 0 to MaxInstances.
func FuzzParseFormation(f *testing.F) {
	for _, s := range []string{"", "web=2", "web=2,all=1", " web = 3 , clock=0 ", "all=0", "web=-1", "web", "=", ",", "web=1,web=2", "web=999999999999999999999"} {
		f.Add(s, "worker")
	}
	pf, err := Parse(strings.NewReader("web: a\nworker: b\nclock: c\n"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, spec, name string) {
		var selected []string
		if _, i := pf.Lookup(name); i >= 0 {
			selected = []string{name}
		}
		got, err := ParseFormation(spec, pf, selected)
		if err != nil {
			if !errors.Is(err, ErrBadFormation) && !errors.Is(err, ErrUnknownProcess) {
				t.Fatalf("ParseFormation(%q): %T %v", spec, err, err)
			}
			return
		}
		if len(got) != len(pf.Entries) {
			t.Fatalf("ParseFormation(%q) = %v: not every type", spec, got)
		}
		for _, e := range pf.Entries {
			if n, ok := got[e.Name]; !ok || n < 0 || n > MaxInstances {
				t.Fatalf("ParseFormation(%q) = %v", spec, got)
			}
		}
	})
}
