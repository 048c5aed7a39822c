package envops

import (
	"context"
	"errors"
	"testing"

	"vsync/internal/childenv"
	"vsync/internal/history"
	"vsync/internal/workspace"
)

// TestPushPull pushes the folder, refuses a push with nothing changed,
// keeps a local edit from a pull unless forced, and pulls an older
// generation back.
func TestPushPull(t *testing.T) {
	ctx := context.Background()
	e := openTestEnv(t, map[string]string{".env.dev": "A=1\n", "certs/ca.pem": "ca\n"})
	push := PushOptions{Note: "first", Author: "tester", S2KCount: testS2K}
	p, err := Push(ctx, e, push)
	if err != nil {
		t.Fatal(err)
	}
	if p.Gen != 1 || p.Files != 2 || !p.Published {
		t.Errorf("Push = %+v, want generation 1 of 2 files, published", *p)
	}
	var unchanged *history.UnchangedError
	if _, err := Push(ctx, e, push); !errors.As(err, &unchanged) {
		t.Errorf("a push with nothing changed = %v, want *history.UnchangedError", err)
	}

	writeFolder(t, e.Project, map[string]string{".env.dev": "A=2\n"})
	push.Note = "second"
	if p, err = Push(ctx, e, push); err != nil || p.Gen != 2 {
		t.Fatalf("second Push = %+v, %v", p, err)
	}
	st, err := e.Project.LoadState("dev")
	if err != nil || st.Generation != 2 {
		t.Fatalf("local state after the push: %+v, %v", st, err)
	}

	writeFolder(t, e.Project, map[string]string{".env.dev": "A=3\n"})
	var edits *workspace.LocalEditsError
	if _, err := Pull(ctx, e, PullOptions{Generation: 1}); !errors.As(err, &edits) {
		t.Errorf("a pull over local edits = %v, want *workspace.LocalEditsError", err)
	}
	got, err := Pull(ctx, e, PullOptions{Generation: 1, Force: true})
	if err != nil || got.Gen != 1 || got.Files != 2 {
		t.Fatalf("forced Pull of generation 1 = %+v, %v", got, err)
	}
	if st, err = e.Project.LoadState("dev"); err != nil || st.Generation != 1 {
		t.Errorf("local state after the pull: %+v, %v", st, err)
	}
	var stale *history.StaleBaseError
	if _, err := Push(ctx, e, push); !errors.As(err, &stale) {
		t.Errorf("a push from generation 1 with 2 pushed = %v, want *history.StaleBaseError", err)
	}
	if got, err = Pull(ctx, e, PullOptions{}); err != nil || got.Gen != 2 {
		t.Errorf("Pull of the newest = %+v, %v", got, err)
	}
}

// TestPushRefusesUnstartable: a folder vsync run could not start from (a
// name vsync reserves for its own files)
// is not pushed.
func TestPushRefusesUnstartable(t *testing.T) {
	e := openTestEnv(t, map[string]string{".env.dev": "A=1\n", ".vsync-socket": "a name vsync keeps\n"})
	if _, err := Push(context.Background(), e, PushOptions{Note: "n", Author: "a", S2KCount: testS2K}); !errors.Is(err, childenv.ErrNotStartable) {
		t.Errorf("a push of a folder with a name vsync reserves = %v, want childenv.ErrNotStartable", err)
	}
}
