package main

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
)

func TestEscapeControls(t *testing.T) {
	for in, want := range map[string]string{
		"plain name.txt":       "plain name.txt",
		"café/naïve ✓":         "café/naïve ✓",
		"a\nb":                 `a\nb`,
		"\x1b[8mhidden\x1b[0m": `\x1b[8mhidden\x1b[0m`,
		"over\rwrite\t":        `over\rwrite\t`,
		"bidi\u202egnp.exe":    `bidi\u202egnp.exe`,
		"c1\u009bx":            `c1\u009bx`,
		"bad\xff\xfeutf8":      `bad\xff\xfeutf8`,
		"del\x7f":              `del\x7f`,
	} {
		if got := escapeControls(in); got != want {
			t.Errorf("escapeControls(%q) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"tls/server.crt": "tls/server.crt",
		"a\nb":           `"a\nb"`,
		`"quoted"`:       `"\"quoted\""`,
	} {
		if got := displayName(in); got != want {
			t.Errorf("displayName(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestPrintErrorEscapes: an error holding text from outside (a bucket's
// answer, a file name) prints on one line with no raw control character.
func TestPrintErrorEscapes(t *testing.T) {
	var buf bytes.Buffer
	printError(&buf, errors.New("reading \"x\x1b[8m\": bad\rvsync: error: forged\nsecond"))
	want := "vsync: error: reading \"x\\x1b[8m\": bad\\rvsync: error: forged; second\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

// FuzzEscapeControls: whatever a bundle holds, what a listing prints has
// no rune that does not print as itself, and a quoted name reads back as
// the name.
func FuzzEscapeControls(f *testing.F) {
	for _, s := range []string{"", "plain", "a\nb", "\x1b[8m", "\xff", "\u202e", `"q"`, "tab\there"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e := escapeControls(s); !isPrintable(e) {
			t.Errorf("escapeControls(%q) = %q holds a control", s, e)
		}
		d := displayName(s)
		if !isPrintable(d) {
			t.Errorf("displayName(%q) = %q holds a control", s, d)
		}
		if d != s {
			if u, err := strconv.Unquote(d); err != nil || u != s {
				t.Errorf("displayName(%q) = %s does not read back: %q, %v", s, d, u, err)
			}
		}
	})
}
