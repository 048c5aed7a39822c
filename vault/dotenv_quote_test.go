package vault

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"vsync/internal/miniotest"
)

// dotenvRoundTripValues are values `vsync env --format dotenv` must write
// so that readers read them back unchanged.
var dotenvRoundTripValues = []string{
	"plain", "", "two words", "tab\there", "nbsp\u00a0x", "\u00a0lead", "trail ", " lead", "\u2003em",
	"hash #x", "a#b", "#start", "it's", `say "hi"`, `"`, "'", "$HOME", "${HOME}", "cost $5", "a$", "$",
	`C:\path\x`, `back\\slash`, `end\`, `\`, `\n literal`, "multi\nline", "cr\rx", "crlf\r\nx",
	"it's $HOME", "it's $5 $HOME", `it's C:\x`, `quote' and \\`, "é✓", "=eq", "`tick`", "*", "x;y|z&", "{}", "-dash",
	"-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n",
}

// writeDotenvFile writes the values for which applies holds (a reader
// cannot hold the others, and one may break its reading of the rest) as
// dotenvKey(i)=DotenvQuote(value), as `vsync env --format dotenv` does.
func writeDotenvFile(t *testing.T, applies func(string) bool) string {
	t.Helper()
	var b strings.Builder
	for i, v := range dotenvRoundTripValues {
		if !utf8.ValidString(v) || !applies(v) {
			continue
		}
		b.WriteString(dotenvKey(i) + "=" + DotenvQuote(v) + "\n")
	}
	f := filepath.Join(t.TempDir(), "out.env")
	if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func dotenvKey(i int) string { return "V" + string(rune('A'+i/26)) + string(rune('a'+i%26)) }

// TestDotenvQuoteReadBack reads what DotenvQuote writes with vsync's own
// parser, python-dotenv (Debian python3-dotenv) and Foreman's .env reader
// (ruby-foreman): each reads every value back unchanged, but for what a
// reader cannot hold in any form: Foreman, line breaks and, in double
// quotes, a backslash before 'n'; python-dotenv 0.21, "${" (expanded even
// in single quotes), a quoted value ending in a backslash, and a '$' that
// must be escaped in double quotes (it keeps the backslash).
func TestDotenvQuoteReadBack(t *testing.T) {
	all := func(string) bool { return true }
	data, err := os.ReadFile(writeDotenvFile(t, all))
	if err != nil {
		t.Fatal(err)
	}
	vars, err := ParseDotenv("out.env", data, func(string) (string, bool) { return "EXPANDED", true })
	if err != nil {
		t.Fatalf("vsync's parser: %v", err)
	}
	got := map[string]string{}
	for _, v := range vars {
		got[v.Key] = v.Value
	}
	checkReadBack(t, "vsync", got, all)

	py := miniotest.NeedTool(t, "/usr/bin/python3", "python3") // Debian's, which has python3-dotenv
	if err := exec.Command(py, "-c", "import dotenv").Run(); err != nil {
		if os.Getenv(miniotest.RequireEnv) == "1" {
			t.Fatalf("%s=1 and python-dotenv is missing (apt-get install python3-dotenv)", miniotest.RequireEnv)
		}
		t.Skip("python-dotenv is missing (apt-get install python3-dotenv)")
	}
	pyHolds := func(v string) bool {
		q := DotenvQuote(v)
		return !strings.Contains(v, "${") && !(strings.HasPrefix(q, `"`) && strings.Contains(q, `\$`)) &&
			!(q != v && strings.HasSuffix(v, `\`))
	}
	readJSON(t, exec.Command(py, "-c", "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps(dotenv_values(sys.argv[1])))", writeDotenvFile(t, pyHolds)), &got)
	checkReadBack(t, "python-dotenv", got, pyHolds)
	// The exception README and `env --help` give, exactly as they give it.
	f := filepath.Join(t.TempDir(), "exception.env")
	if err := os.WriteFile(f, []byte("V="+DotenvQuote("it's $5 $HOME")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	readJSON(t, exec.Command(py, "-c", "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps(dotenv_values(sys.argv[1])))", f), &got)
	if want := `it's $5 \$HOME`; got["V"] != want {
		t.Errorf("python-dotenv reads %s as %q, not %q as documented", DotenvQuote("it's $5 $HOME"), got["V"], want)
	}

	ruby := miniotest.NeedTool(t, "ruby", "ruby-foreman")
	foremanHolds := func(v string) bool {
		return !strings.ContainsAny(v, "\r\n") && !(strings.HasPrefix(DotenvQuote(v), `"`) && strings.Contains(v, `\n`))
	}
	readJSON(t, exec.Command(ruby, "-rjson", "-rforeman/env", "-e", "h = {}; Foreman::Env.new(ARGV[0]).entries { |k, v| h[k] = v }; puts JSON.generate(h)", writeDotenvFile(t, foremanHolds)), &got)
	checkReadBack(t, "foreman", got, foremanHolds)
}

func readJSON(t *testing.T, cmd *exec.Cmd, into *map[string]string) {
	t.Helper()
	cmd.Env = append(os.Environ(), "HOME=EXPANDED")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", cmd.Args[0], err)
	}
	*into = map[string]string{}
	if err := json.Unmarshal(out, into); err != nil {
		t.Fatalf("%s: %v", cmd.Args[0], err)
	}
}

func checkReadBack(t *testing.T, reader string, got map[string]string, applies func(string) bool) {
	t.Helper()
	for i, v := range dotenvRoundTripValues {
		if !utf8.ValidString(v) || !applies(v) {
			continue
		}
		if g := got[dotenvKey(i)]; g != v {
			t.Errorf("%s reads %q back as %q (written %s)", reader, v, g, DotenvQuote(v))
		}
	}
}

// FuzzDotenvQuote: whatever the value (an environment value holds no NUL),
// vsync's parser reads back exactly what DotenvQuote wrote, with every
// variable of the lookup set, so that an unescaped reference would show.
func FuzzDotenvQuote(f *testing.F) {
	for _, v := range dotenvRoundTripValues {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.IndexByte(v, 0) >= 0 {
			return
		}
		line := "K=" + DotenvQuote(v) + "\n"
		vars, err := ParseDotenv("out.env", []byte(line), func(string) (string, bool) { return "EXPANDED", true })
		if err != nil {
			t.Fatalf("%q written as %q: %v", v, line, err)
		}
		if len(vars) != 1 || vars[0].Value != v {
			t.Fatalf("%q written as %q reads back differently", v, line)
		}
	})
}
