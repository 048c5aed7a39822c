package envops

import (
	"context"
	"testing"
)

// TestDiff names and compares the sides: nothing pushed, the newest
// generation, a given one, the local folder.
func TestDiff(t *testing.T) {
	ctx := context.Background()
	e := openTestEnv(t, map[string]string{".env.dev": "A=1\n"})
	local := DiffOptions{Cwd: e.Project.Dir}
	d, err := Diff(ctx, e, local)
	if err != nil || d.LeftName != "nothing pushed yet" || d.RightName != "local infra/vault/dev" || len(d.Changes) != 1 {
		t.Fatalf("Diff before a push = %+v, %v", d, err)
	}
	push := PushOptions{Note: "n", Author: "a", S2KCount: testS2K}
	for _, v := range []string{"A=1\n", "A=2\n"} {
		writeFolder(t, e.Project, map[string]string{".env.dev": v})
		if _, err := Push(ctx, e, push); err != nil {
			t.Fatal(err)
		}
	}
	if d, err = Diff(ctx, e, local); err != nil || d.LeftName != "generation 2" || len(d.Changes) != 0 {
		t.Errorf("Diff of the newest with the folder pushed = %+v, %v", d, err)
	}
	d, err = Diff(ctx, e, DiffOptions{A: 1, B: 2})
	if err != nil || d.LeftName != "generation 1" || d.RightName != "generation 2" || len(d.Changes) != 1 {
		t.Errorf("Diff of generations 1 and 2 = %+v, %v", d, err)
	}
}
