package vault

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestParseDotenv(t *testing.T) {
	env := map[string]string{"HOME": "/home/ada", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cases := []struct {
		name, in string
		want     []Var // Line 0 means "don't check"
	}{
		{"simple", "A=b", []Var{{"A", "b", 1}}},
		{"key chars", "_a.B_9=x", []Var{{"_a.B_9", "x", 1}}},
		{"export", "export A=b", []Var{{"A", "b", 1}}},
		{"export tabs", "export\t \tA=b", []Var{{"A", "b", 1}}},
		{"key named export", "export=1\nexport =2", []Var{{"export", "2", 2}}},
		{"spaces around =", "  A  =   b  ", []Var{{"A", "b", 1}}},
		{"tabs around =", "\tA\t=\tb\t", []Var{{"A", "b", 1}}},
		{"inner spaces kept", "A=b c  d", []Var{{"A", "b c  d", 1}}},
		{"hash without space", "A=b#c", []Var{{"A", "b#c", 1}}},
		{"comment after space", "A=b #c", []Var{{"A", "b", 1}}},
		{"comment after tab", "A=b\t#c", []Var{{"A", "b", 1}}},
		{"value starts with hash", "A=#c", []Var{{"A", "#c", 1}}},
		{"blank then hash is comment", "A= #c", []Var{{"A", "", 1}}},
		{"url fragment", "U=http://x/#frag", []Var{{"U", "http://x/#frag", 1}}},
		{"comment lines", "# c\n  # d\nA=1\n#e", []Var{{"A", "1", 3}}},
		{"blank lines", "\n\n  \t\nA=1\n\n", []Var{{"A", "1", 4}}},
		{"empty", "A=", []Var{{"A", "", 1}}},
		{"empty spaces", "A=   ", []Var{{"A", "", 1}}},
		{"empty double", `A=""`, []Var{{"A", "", 1}}},
		{"empty single", `A=''`, []Var{{"A", "", 1}}},
		{"single literal", `A='a $B ${C} \n "q" #x'`, []Var{{"A", `a $B ${C} \n "q" #x`, 1}}},
		{"single multiline", "A='l1\nl2'\nB=2", []Var{{"A", "l1\nl2", 1}, {"B", "2", 3}}},
		{"double escapes", `A="a\nb\rc\td\"e\\f\$g"`, []Var{{"A", "a\nb\rc\td\"e\\f$g", 1}}},
		{"double unknown escape kept", `A="C:\Users\x"`, []Var{{"A", `C:\Users\x`, 1}}},
		{"double multiline PEM", "K=\"-----BEGIN KEY-----\nMIIB\n-----END KEY-----\"\nN=1",
			[]Var{{"K", "-----BEGIN KEY-----\nMIIB\n-----END KEY-----", 1}, {"N", "1", 4}}},
		{"double with hash", `A="b #c" # real comment`, []Var{{"A", "b #c", 1}}},
		{"comment right after quote", `A="b"#c`, []Var{{"A", "b", 1}}},
		{"single then comment", `A='b'   # c`, []Var{{"A", "b", 1}}},
		{"quote inside unquoted", `A=it's "ok"`, []Var{{"A", `it's "ok"`, 1}}},
		{"backslash unquoted literal", `A=a\nb`, []Var{{"A", `a\nb`, 1}}},
		{"trailing backslash unquoted", `A=a\`, []Var{{"A", `a\`, 1}}},
		{"interp earlier key", "A=x\nB=${A}y\nC=$A.z", []Var{{"A", "x", 1}, {"B", "xy", 2}, {"C", "x.z", 3}}},
		{"interp dotted braces", "a.b=1\nC=${a.b}", []Var{{"a.b", "1", 1}, {"C", "1", 2}}},
		{"interp lookup", "A=$HOME/x", []Var{{"A", "/home/ada/x", 1}}},
		{"interp file wins over lookup", "HOME=/h\nA=${HOME}", []Var{{"HOME", "/h", 1}, {"A", "/h", 2}}},
		{"interp undefined empty", "A=[${NOPE}][$NOPE]", []Var{{"A", "[][]", 1}}},
		{"interp defined empty", "A=[$EMPTY]", []Var{{"A", "[]", 1}}},
		{"interp in double", `A=1` + "\n" + `B="v=${A} $A \${A}"`, []Var{{"A", "1", 1}, {"B", "v=1 1 ${A}", 2}}},
		{"no interp in single", "A=1\nB='${A}'", []Var{{"A", "1", 1}, {"B", "${A}", 2}}},
		{"literal dollars", `A=$ $1 $$ a$`, []Var{{"A", "$ $1 $$ a$", 1}}},
		{"dollar before quote", `A="x$"`, []Var{{"A", "x$", 1}}},
		{"self reference", "P=/a\nP=${P}:/b", []Var{{"P", "/a:/b", 2}}},
		{"later duplicate wins", "A=1\nB=2\nA=3", []Var{{"A", "3", 3}, {"B", "2", 2}}},
		{"CRLF", "A=1\r\nB=\"x\r\ny\"\r\n# c\r\nC=3 #c\r\n", []Var{{"A", "1", 1}, {"B", "x\ny", 2}, {"C", "3", 5}}},
		{"BOM", "\ufeffA=1", []Var{{"A", "1", 1}}},
		{"no trailing newline", "A=1\nB=2", []Var{{"A", "1", 1}, {"B", "2", 2}}},
		{"utf8 value", "A=héllo ✓", []Var{{"A", "héllo ✓", 1}}},
		{"equals in value", "A=b=c==", []Var{{"A", "b=c==", 1}}},
		{"nothing", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDotenv(".env", []byte(tc.in), lookup)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d vars, want %d", len(got), len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Key != w.Key || g.Line != w.Line {
					t.Errorf("var %d: got %s line %d, want %s line %d", i, g.Key, g.Line, w.Key, w.Line)
				}
				if g.Value != w.Value {
					t.Errorf("var %s: value mismatch", w.Key)
				}
			}
		})
	}
}

func TestParseDotenvErrors(t *testing.T) {
	cases := []struct {
		name, in string
		line     int
		reason   string
	}{
		{"no equals", "A", 1, reasonMissingEq},
		{"export without equals", "export A", 1, reasonMissingEq},
		{"space in key", "A B=1", 1, reasonMissingEq},
		{"digit start", "1A=x", 1, reasonInvalidKey},
		{"dash in key", "A-B=x", 1, reasonInvalidKey},
		{"empty key", "=x", 1, reasonInvalidKey},
		{"shell line", "echo hi", 1, reasonMissingEq},
		{"later line", "A=1\n\nB-C=2", 3, reasonInvalidKey},
		{"unterminated double", "A=1\nB=\"abc\nC=2", 2, reasonUntermDouble},
		{"unterminated double backslash", `A="abc\`, 1, reasonUntermDouble},
		{"unterminated single", "A='abc", 1, reasonUntermSingle},
		{"after double quote", `A="b"c`, 1, reasonAfterQuote},
		{"after single quote", `A='b' c`, 1, reasonAfterQuote},
		{"after multiline quote", "A=\"x\ny\" z", 2, reasonAfterQuote},
		{"bad ref unterminated", "A=${B", 1, reasonBadRef},
		{"bad ref empty", "A=${}", 1, reasonBadRef},
		{"bad ref required", "A=${B:?x}", 1, reasonBadRef},
		{"bad ref substitution", "A=${B/x/y}", 1, reasonBadRef},
		{"bad ref default unterminated", "A=${B:-${C}", 1, reasonBadRef},
		{"bad ref in unused default", "A=1\nB=${A:-${}}", 2, reasonBadRef},
		{"bad ref default past quote", `A="${B:-x"}`, 1, reasonBadRef},
		{"bad ref on later line of double", "A=\"x\ny ${B:?z}\"", 2, reasonBadRef},
		{"bad ref in double", `A="${B"`, 1, reasonBadRef},
		{"NUL", "A=1\nB=\x00", 2, reasonNUL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDotenv("conf/.env", []byte(tc.in), nil)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SyntaxError", err)
			}
			if se.File != "conf/.env" || se.Line != tc.line || se.Reason != tc.reason {
				t.Errorf("got %q line %d %q, want line %d %q", se.File, se.Line, se.Reason, tc.line, tc.reason)
			}
			if want := "conf/.env:" + strconv.Itoa(tc.line) + ": " + tc.reason; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

// TestDotenvErrorsNeverLeakValues plants a canary value in every kind of
// broken file and checks no error mentions it.
func TestDotenvErrorsNeverLeakValues(t *testing.T) {
	const canary = "CANARY-s3cr3t-v4lue"
	inputs := []string{
		"A=" + canary + "\nB",
		"A=\"" + canary,
		"A='" + canary,
		"A=\"" + canary + "\"x",
		"A='" + canary + "' x",
		"A=" + canary + "${",
		"A=\"" + canary + "${B:?" + canary + "}\"",
		"A=${B:-" + canary + "${C\"",
		"A=\"${B:+" + canary + "\"",
		canary + "=1",
		"A-" + canary + "=1",
		"A=" + canary + "\x00",
		"export " + canary,
	}
	for _, in := range inputs {
		_, err := ParseDotenv(".env", []byte(in), func(string) (string, bool) { return canary, true })
		if err == nil {
			t.Errorf("broken input accepted")
			continue
		}
		if strings.Contains(err.Error(), canary) || strings.Contains(err.Error(), "s3cr3t") {
			t.Error("the error holds the value (the canary)")
		}
	}
}

// TestParseDotenvParameterExpansion checks ${NAME:-word}, ${NAME-word},
// ${NAME:+word} and ${NAME+word} against compose-go's semantics: SET is
// set and not empty, EMPTY is set to "", UNSET is not set (in the file
// or the lookup).
func TestParseDotenvParameterExpansion(t *testing.T) {
	lookup := func(k string) (string, bool) {
		switch k {
		case "SET":
			return "v", true
		case "EMPTY":
			return "", true
		}
		return "", false
	}
	cases := []struct{ in, want string }{
		{"${SET:-d}", "v"}, {"${EMPTY:-d}", "d"}, {"${UNSET:-d}", "d"},
		{"${SET-d}", "v"}, {"${EMPTY-d}", ""}, {"${UNSET-d}", "d"},
		{"${SET:+a}", "a"}, {"${EMPTY:+a}", ""}, {"${UNSET:+a}", ""},
		{"${SET+a}", "a"}, {"${EMPTY+a}", "a"}, {"${UNSET+a}", ""},
		{"${UNSET:-}", ""}, {"${UNSET:-a b}", "a b"}, {"x${UNSET:-d}y", "xdy"},
		{"${UNSET:-${SET}}", "v"}, {"${UNSET:-${ALSO:-deep}}", "deep"}, {"${UNSET:-$SET.x}", "v.x"},
		{"${SET:+<$SET>}", "<v>"}, {"${UNSET:-a-b:-c}", "a-b:-c"}, {"${UNSET:-{x}", "{x"},
		{"${UNSET:-=:+}", "=:+"}, {`${UNSET:-\$SET}`, "$SET"},
		// Text that stands for itself around references and escapes (a
		// '}' is a brace only inside one).
		{"a}b", "a}b"}, {"${SET}}", "v}"}, {"${UNSET:-}}", "}"}, {"${UNSET:-d}}x", "d}x"},
		{"${UNSET:-ab}cd${SET}ef", "abcdvef"}, {"}${UNSET:-x}{", "}x{"}, {`ab\$cd`, "ab$cd"},
	}
	for _, tc := range cases {
		for _, quoted := range []bool{false, true} {
			in := "A=" + tc.in
			if quoted {
				in = `A="` + tc.in + `"`
			}
			got, err := ParseDotenv(".env", []byte(in), lookup)
			if err != nil {
				t.Errorf("%s: %v", in, err)
				continue
			}
			if len(got) != 1 || got[0].Value != tc.want {
				t.Errorf("%s: got %q, want %q", in, got[0].Value, tc.want)
			}
		}
	}
	// A key set earlier in the file counts as set, even when empty.
	got, err := ParseDotenv(".env", []byte("E=\nF=${E-d}\nG=${E:-d}\nH=${F+set}"), lookup)
	if err != nil {
		t.Fatal(err)
	}
	if got[1].Value != "" || got[2].Value != "d" || got[3].Value != "set" {
		t.Errorf("earlier keys: got %q %q %q", got[1].Value, got[2].Value, got[3].Value)
	}
	// In double quotes the word knows the escapes; single quotes stay literal.
	got, err = ParseDotenv(".env", []byte(`A="${UNSET:-a\tb\"c}"`+"\nB='${UNSET:-x}'"), lookup)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Value != "a\tb\"c" || got[1].Value != "${UNSET:-x}" {
		t.Errorf("quoted words: got %q %q", got[0].Value, got[1].Value)
	}
}

// TestParseDotenvEscapedDollar: \$ is a literal '$' in an unquoted value
// as in a double-quoted one, and nothing after it is expanded; other
// backslashes of an unquoted value stay.
func TestParseDotenvEscapedDollar(t *testing.T) {
	lookup := func(k string) (string, bool) { return "EXPANDED", k == "FROM_ENV" }
	for in, want := range map[string]string{
		`A=\$FROM_ENV`:   "$FROM_ENV",
		`A=\${FROM_ENV}`: "${FROM_ENV}",
		`A="\$FROM_ENV"`: "$FROM_ENV",
		`A=p\$s\w\\$x`:   `p$s\w\$x`,
		`A=C:\new\$`:     `C:\new$`,
		`A=x\`:           `x\`,
		`A=$FROM_ENV\$`:  "EXPANDED$",
		`A=\$$FROM_ENV`:  "$EXPANDED",
	} {
		got, err := ParseDotenv(".env", []byte(in), lookup)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got[0].Value != want {
			t.Errorf("%s: got %q, want %q", in, got[0].Value, want)
		}
	}
}

// References nest up to maxRefDepth; deeper is a syntax error at its
// line, not a stack exhausted (a vault written by someone holding the
// passphrase, or an -e file, could nest millions deep).
func TestParseDotenvNestingBounded(t *testing.T) {
	nested := func(n int) []byte {
		return []byte("X=" + strings.Repeat("${A:-", n) + "x" + strings.Repeat("}", n) + "\n")
	}
	vars, err := ParseDotenv(".env", nested(maxRefDepth), nil)
	if err != nil || len(vars) != 1 || vars[0].Value != "x" {
		t.Fatalf("%d levels: %v, %v", maxRefDepth, vars, err)
	}
	_, err = ParseDotenv(".env", nested(5_000_000), nil)
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 1 || !strings.Contains(err.Error(), "nested deeper than 1000") {
		t.Fatalf("5,000,000 levels: %v, want a syntax error at line 1", err)
	}
}
