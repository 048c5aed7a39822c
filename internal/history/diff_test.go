package history

import (
	"errors"
	"fmt"
	"testing"

	"vsync/vault"
)

func TestDiff(t *testing.T) {
	old := []vault.File{
		{Path: ".env", Data: []byte("A=1\nB=2\n"), Mode: 0o600},
		{Path: "gone", Data: []byte("x"), Mode: 0o600},
		{Path: "same", Data: []byte("s"), Mode: 0o640},
		{Path: "mode", Data: []byte("m"), Mode: 0o600},
	}
	new := []vault.File{
		{Path: ".env", Data: []byte("A=1\nB=3\nC=4\n"), Mode: 0o600},
		{Path: "added", Data: []byte("y"), Mode: 0o600},
		{Path: "same", Data: []byte("s"), Mode: 0o600}, // group bits are not pulled
		{Path: "mode", Data: []byte("m"), Mode: 0o700},
	}
	got, err := Diff(old, new, "generation 1", "local")
	if err != nil {
		t.Fatal(err)
	}
	want := []FileChange{
		{Op: '~', Path: ".env", Keys: []KeyChange{{Op: '~', Key: "B", Old: "2", New: "3"}, {Op: '+', Key: "C", New: "4"}}},
		{Op: '+', Path: "added"},
		{Op: '-', Path: "gone"},
		{Op: '~', Path: "mode", Mode: true},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Diff:\n got %v\nwant %v", got, want)
	}
	_, err = Diff(nil, []vault.File{{Path: "sub/.env.prod", Data: []byte("not a line\n")}}, "nothing", "local")
	var se *vault.SyntaxError
	if !errors.As(err, &se) || se.File != "local:sub/.env.prod" {
		t.Errorf("syntax error: %v", err)
	}
}
