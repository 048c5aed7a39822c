package vault

import (
	"encoding/json"
	"os"
	"testing"
)

// TestParseDotenvGolden pins ParseDotenv's grammar to the parser before
// its rewrite for speed (2016ebe): testdata/dotenv_golden.json holds what
// that parser gave (the variables with their lines, or the error) for the
// inputs that differential fuzzing of the two found interesting, the
// seeds of FuzzParseDotenv's and some by hand. References resolve through
// a lookup that knows every name but UNSET and A.
func TestParseDotenvGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/dotenv_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		In   string
		Vars []struct {
			K, V string
			L    int
		}
		Err string
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 200 {
		t.Fatalf("%d golden cases, want the file's 269", len(cases))
	}
	lookup := func(k string) (string, bool) { return "L" + k, k != "UNSET" && k != "A" }
	for i, c := range cases {
		vars, err := ParseDotenv("f", []byte(c.In), lookup)
		var got string
		if err != nil {
			got = err.Error()
		}
		if got != c.Err {
			t.Errorf("case %d %q: error %q, want %q", i, c.In, got, c.Err)
			continue
		}
		if len(vars) != len(c.Vars) {
			t.Errorf("case %d %q: %d variables, want %d", i, c.In, len(vars), len(c.Vars))
			continue
		}
		for j, v := range vars {
			w := c.Vars[j]
			if v.Key != w.K || v.Value != w.V || v.Line != w.L {
				t.Errorf("case %d %q: variable %d is %q=%q at line %d, want %q=%q at line %d", i, c.In, j, v.Key, v.Value, v.Line, w.K, w.V, w.L)
			}
		}
	}
}
