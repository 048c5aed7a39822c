package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"vsync/internal/miniotest"
	"vsync/internal/runtimevault"
	"vsync/vault"
)

// envCLI runs `vsync env ARGS...` in this process with only the variables
// of getenv visible to discovery (the process environment is still the
// "process" layer) and returns stdout.
func envCLI(t *testing.T, getenv map[string]string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	sys := newSysEnv(strings.NewReader(""), &out, &errb)
	dir := t.TempDir()
	sys.Getwd = func() (string, error) { return dir, nil }
	sys.Getenv = func(k string) string { return getenv[k] }
	if code := run(context.Background(), append([]string{"vsync", "env"}, args...), sys); code != 0 {
		t.Fatalf("vsync env: exit %d: %s", code, errb.String())
	}
	return out.String()
}

// TestEnvTextColumnsAndMasking: the value column starts at the same place
// on every line, an env file's quoted path included, and only what can be
// a secret (env files, the vault) is masked: --default and process values
// show.
func TestEnvTextColumnsAndMasking(t *testing.T) {
	const canary = "CANARY-env-file-7f3a"
	f := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(f, []byte("FROM_FILE="+canary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := envCLI(t, nil, "-e", f, "--default", "ONLY_DEFAULT=shown-default")
	if strings.Contains(out, canary) {
		t.Fatal("an env file's value is printed without --reveal")
	}
	want := map[string]string{ // key -> value column
		"FROM_FILE":    runtimevault.Masked,
		"ONLY_DEFAULT": "shown-default",
		"PATH":         os.Getenv("PATH"),
	}
	col := -1
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		key, _, _ := strings.Cut(line, " ")
		v, ok := want[key]
		if !ok {
			continue
		}
		delete(want, key)
		if !strings.HasSuffix(line, "  "+v) {
			t.Errorf("%s: value column is not %q", key, v)
			continue
		}
		at := len(line) - len(v)
		if col >= 0 && at != col {
			t.Errorf("%s: value at column %d, others at %d:\n%s", key, at, col, strings.ReplaceAll(out, canary, "CANARY"))
		}
		col = at
	}
	if len(want) > 0 {
		t.Errorf("lines missing for %v", want)
	}
}

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
// dotenvKey(i)=dotenvQuote(value), as `vsync env --format dotenv` does.
func writeDotenvFile(t *testing.T, applies func(string) bool) string {
	t.Helper()
	var b strings.Builder
	for i, v := range dotenvRoundTripValues {
		if !utf8.ValidString(v) || !applies(v) {
			continue
		}
		b.WriteString(dotenvKey(i) + "=" + dotenvQuote(v) + "\n")
	}
	f := filepath.Join(t.TempDir(), "out.env")
	if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func dotenvKey(i int) string { return "V" + string(rune('A'+i/26)) + string(rune('a'+i%26)) }

// TestDotenvQuoteReadBack reads what dotenvQuote writes with vsync's own
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
	vars, err := vault.ParseDotenv("out.env", data, func(string) (string, bool) { return "EXPANDED", true })
	if err != nil {
		t.Fatalf("vsync's parser: %v", err)
	}
	got := map[string]string{}
	for _, v := range vars {
		got[v.Key] = v.Value
	}
	checkReadBack(t, "vsync", got, all)

	py := needExampleTool(t, examplePython, "python3")
	if err := exec.Command(py, "-c", "import dotenv").Run(); err != nil {
		if os.Getenv(miniotest.RequireEnv) == "1" {
			t.Fatalf("%s=1 and python-dotenv is missing (apt-get install python3-dotenv)", miniotest.RequireEnv)
		}
		t.Skip("python-dotenv is missing (apt-get install python3-dotenv)")
	}
	pyHolds := func(v string) bool {
		q := dotenvQuote(v)
		return !strings.Contains(v, "${") && !(strings.HasPrefix(q, `"`) && strings.Contains(q, `\$`)) &&
			!(q != v && strings.HasSuffix(v, `\`))
	}
	readJSON(t, exec.Command(py, "-c", "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps(dotenv_values(sys.argv[1])))", writeDotenvFile(t, pyHolds)), &got)
	checkReadBack(t, "python-dotenv", got, pyHolds)
	// The exception README and `env --help` give, exactly as they give it.
	f := filepath.Join(t.TempDir(), "exception.env")
	if err := os.WriteFile(f, []byte("V="+dotenvQuote("it's $5 $HOME")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	readJSON(t, exec.Command(py, "-c", "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps(dotenv_values(sys.argv[1])))", f), &got)
	if want := `it's $5 \$HOME`; got["V"] != want {
		t.Errorf("python-dotenv reads %s as %q, not %q as documented", dotenvQuote("it's $5 $HOME"), got["V"], want)
	}

	ruby := needExampleTool(t, "ruby", "ruby-foreman")
	foremanHolds := func(v string) bool {
		return !strings.ContainsAny(v, "\r\n") && !(strings.HasPrefix(dotenvQuote(v), `"`) && strings.Contains(v, `\n`))
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
			t.Errorf("%s reads %q back as %q (written %s)", reader, v, g, dotenvQuote(v))
		}
	}
}

// FuzzDotenvQuote: whatever the value (an environment value holds no NUL),
// vsync's parser reads back exactly what dotenvQuote wrote, with every
// variable of the lookup set, so that an unescaped reference would show.
func FuzzDotenvQuote(f *testing.F) {
	for _, v := range dotenvRoundTripValues {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.IndexByte(v, 0) >= 0 {
			return
		}
		line := "K=" + dotenvQuote(v) + "\n"
		vars, err := vault.ParseDotenv("out.env", []byte(line), func(string) (string, bool) { return "EXPANDED", true })
		if err != nil {
			t.Fatalf("%q written as %q: %v", v, line, err)
		}
		if len(vars) != 1 || vars[0].Value != v {
			t.Fatalf("%q written as %q reads back differently", v, line)
		}
	})
}
