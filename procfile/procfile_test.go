package procfile

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParse(t *testing.T) {
	in := "\xef\xbb\xbf# comment\r\n" +
		"web: gunicorn app:wsgi  \r\n" +
		"\n" +
		"   \t\n" +
		"   # indented comment\n" +
		"worker_2:celery worker\n" +
		"clock-x:\t  ./clock --tick=1 # inline\n" +
		"Web: other"
	pf, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Name: "web", Command: "gunicorn app:wsgi", Line: 2},
		{Name: "worker_2", Command: "celery worker", Line: 6},
		{Name: "clock-x", Command: "./clock --tick=1 # inline", Line: 7},
		{Name: "Web", Command: "other", Line: 8},
	}
	if !reflect.DeepEqual(pf.Entries, want) {
		t.Errorf("got %+v\nwant %+v", pf.Entries, want)
	}
}

func TestParseErrors(t *testing.T) {
	in := strings.Join([]string{
		"web: ok",            // 1
		"web server: x",      // 2
		"  worker: x",        // 3
		"web: again",         // 4
		"clock:",             // 5
		"clock:   ",          // 6
		"just words",         // 7
		": nameless",         // 8
		"db : spaced",        // 9
		"all: reserved",      // 10
		"w\u00e9b: accent",   // 11
		"q: echo 'unclosed",  // 12
		"n: a\x00b",          // 13
		"worker: fine",       // 14
		"worker: dup",        // 15
		"sh: echo 'a' | cat", // 16: fine (shell judges)
	}, "\n")
	pf, err := Parse(strings.NewReader(in))
	if pf != nil {
		t.Errorf("got a Procfile with errors")
	}
	var errs SyntaxErrors
	if !errors.As(err, &errs) {
		t.Fatalf("error %T %v is not SyntaxErrors", err, err)
	}
	var lines []int
	for _, e := range errs {
		lines = append(lines, e.Line)
	}
	if want := []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15}; !reflect.DeepEqual(lines, want) {
		t.Errorf("bad lines %v, want %v\n%v", lines, want, err)
	}
	var first *SyntaxError
	if !errors.As(err, &first) || first.Line != 2 {
		t.Errorf("errors.As *SyntaxError: %v", first)
	}
	if s := err.Error(); !strings.Contains(s, `line 4: duplicate process name "web" (first defined on line 1)`) ||
		!strings.Contains(s, `line 15: duplicate process name "worker" (first defined on line 14)`) {
		t.Errorf("duplicate messages missing:\n%s", s)
	}
	t.Logf("\n%s", err)
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", "\n", "# only\n\n"} {
		if _, err := Parse(strings.NewReader(in)); !errors.Is(err, ErrNoProcesses) {
			t.Errorf("Parse(%q) = %v, want ErrNoProcesses", in, err)
		}
	}
	if _, err := Parse(iotest.ErrReader(errors.New("boom"))); err == nil || err.Error() != "boom" {
		t.Errorf("read error: %v", err)
	}
}

func TestLongLine(t *testing.T) {
	cmd := "echo " + strings.Repeat("x", 1<<20)
	pf, err := Parse(strings.NewReader("web: " + cmd + "\n"))
	if err != nil || pf.Entries[0].Command != cmd {
		t.Fatalf("long line: %v", err)
	}
}
