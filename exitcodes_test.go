package main

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// README.md's "Exit codes" table has exactly the rows of exitCodeDocs, in
// its order, and `vsync --help` prints each of them.
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
	for _, m := range regexp.MustCompile(`(?m)^\| ([0-9, ]+|other) \|`).FindAllStringSubmatch(section, -1) {
		readme = append(readme, m[1])
	}
	var docs []string
	for _, d := range exitCodeDocs() {
		docs = append(docs, d.codes)
	}
	if !slices.Equal(readme, docs) {
		t.Fatalf("README's exit codes %q, exitCodeDocs %q", readme, docs)
	}
	help := exitCodesHelp()
	for _, d := range exitCodeDocs() {
		first := strings.Fields(d.meaning)[0]
		if !strings.Contains(help, "   "+padRight(d.codes, 9)+first) {
			t.Errorf("--help lacks the row %q", d.codes)
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
