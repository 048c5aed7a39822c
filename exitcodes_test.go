package main

import (
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// README.md's "Exit codes" table has exactly the rows of exitCodeDocs, in
// its order and with the same text (README may put `backticks` around
// names: the row is compared without them), and `vsync --help` prints
// each of them.
func TestExitCodesMatchReadme(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Exit codes\n")
	if !ok {
		t.Fatal(`README.md has no "## Exit codes" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var readme []string
	for _, m := range regexp.MustCompile(`(?m)^\| ([0-9, ]+|other) \| (.*) \|$`).FindAllStringSubmatch(section, -1) {
		readme = append(readme, m[1]+" | "+strings.ReplaceAll(m[2], "`", ""))
	}
	var docs []string
	for _, d := range exitCodeDocs() {
		docs = append(docs, d.codes+" | "+d.meaning)
	}
	if !slices.Equal(readme, docs) {
		t.Fatalf("README's exit codes (backticks removed):\n%s\nexitCodeDocs:\n%s", strings.Join(readme, "\n"), strings.Join(docs, "\n"))
	}
	help := strings.Join(strings.Fields(exitCodesHelp()), " ")
	for _, d := range exitCodeDocs() {
		if !strings.Contains(help, d.codes+" "+strings.Join(strings.Fields(d.meaning), " ")) {
			t.Errorf("--help lacks the row %q", d.codes)
		}
	}
}

// The help of a command that lists exit codes ends with exitCodesHelpFor
// of them: each row is exitCodeDocs' own text, restated in no other words.
func TestCommandHelpExitCodesFromTable(t *testing.T) {
	row := regexp.MustCompile(`(?m)^   (other|[0-9]+(?:, [0-9]+)?) `)
	for _, cmd := range newApp(newWorld(nil, io.Discard, io.Discard)).Commands {
		i := strings.Index(cmd.Description, "Exit codes:")
		if i < 0 {
			continue
		}
		exits := cmd.Description[i:]
		var codes []string
		for _, m := range row.FindAllStringSubmatch(exits, -1) {
			codes = append(codes, m[1])
		}
		if want := exitCodesHelpFor(codes...); exits != want {
			t.Errorf("vsync %s --help's exit codes:\n%s\nnot exitCodeDocs' rows:\n%s", cmd.Name, exits, want)
		}
	}
}

// Every code an error rule gives is a documented one (0: the rule gives
// only a hint).
func TestErrorRulesUseDocumentedCodes(t *testing.T) {
	documented := map[string]bool{}
	for _, d := range exitCodeDocs() {
		for _, c := range strings.Split(d.codes, ", ") {
			documented[c] = true
		}
	}
	for i, r := range errorRules() {
		if r.code != 0 && !documented[strconv.Itoa(r.code)] {
			t.Errorf("rule %d gives exit code %d, not in exitCodeDocs", i, r.code)
		}
	}
}

func padRight(s string, n int) string { return s + strings.Repeat(" ", max(0, n-len(s))) }
