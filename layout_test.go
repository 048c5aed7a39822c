package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The documentation of the code layout cannot drift from the tree: every
// Go package directory of the module has its line in README.md's "Code
// layout" and its section in docs/design.md, and neither names a
// directory that is gone.
func TestCodeLayoutDocumented(t *testing.T) {
	pkgs := packageDirs(t)
	readme := layoutSection(t)
	listed := regexp.MustCompile(`(?m)^(\S+)/\s`).FindAllStringSubmatch(readme, -1)
	for _, dir := range pkgs {
		if !slices.ContainsFunc(listed, func(m []string) bool { return m[1] == dir }) {
			t.Errorf("README.md's \"Code layout\" has no line %q for the package directory", dir+"/")
		}
	}
	for _, m := range listed {
		if _, err := os.Stat(m[1]); err != nil {
			t.Errorf("README.md's \"Code layout\" names %q: %v", m[1]+"/", err)
		}
	}
	design := designPackages(t)
	for _, dir := range pkgs {
		if _, ok := design[dir]; !ok {
			t.Errorf("docs/design.md has no section \"### `%s/`\" for the package directory", dir)
		}
	}
	for dir := range design {
		if !slices.Contains(pkgs, dir) {
			t.Errorf("docs/design.md has a section for %q, which is not a package directory", dir+"/")
		}
	}
}

// Every package imports only what docs/design.md says it may import, and
// nothing below package main imports urfave/cli.
func TestDesignImports(t *testing.T) {
	design := designPackages(t)
	for _, dir := range packageDirs(t) {
		allowed, ok := design[dir]
		if !ok {
			continue // TestCodeLayoutDocumented says so
		}
		for _, imp := range packageImports(t, dir) {
			if strings.HasPrefix(imp, "github.com/urfave/cli") {
				t.Errorf("%s/ imports %s: only package main knows the CLI", dir, imp)
			}
			local, ok := strings.CutPrefix(imp, "vsync/")
			if ok && !slices.Contains(allowed, local) {
				t.Errorf("%s/ imports %s, which its \"May import\" line in docs/design.md does not allow: "+
					"import something it allows, or change the design (the line and the drawing)", dir, imp)
			}
		}
	}
}

// packageDirs lists the directories of the module, relative and with
// slashes, that hold a Go file other than a test: its packages, package
// main (".") aside. testdata, examples and python hold no package of the
// module.
func packageDirs(t *testing.T) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
				name == "testdata" || name == "examples" || name == "python" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if dir != "." && strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") && !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no package directory found")
	}
	return dirs
}

// packageImports lists what the non-test Go files of dir import.
func packageImports(t *testing.T, dir string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(filepath.FromSlash(dir), "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var imports []string
	fset := token.NewFileSet()
	for _, path := range matches {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range f.Imports {
			p, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(imports, p) {
				imports = append(imports, p)
			}
		}
	}
	return imports
}

// layoutSection is the "Code layout" section of README.md.
func layoutSection(t *testing.T) string {
	t.Helper()
	return section(t, "README.md", "## Code layout")
}

// designPackages reads the "Packages" section of docs/design.md: for each
// "### `DIR/`" heading, the packages (without "vsync/") named in
// backquotes on its "May import:" line, which may run on over the lines
// that follow up to a blank one; "nothing of vsync" names none.
func designPackages(t *testing.T) map[string][]string {
	t.Helper()
	sec := section(t, "docs/design.md", "## Packages")
	heading := regexp.MustCompile("(?m)^### `([^`]+)/`$")
	pkgs := map[string][]string{}
	locs := heading.FindAllStringSubmatchIndex(sec, -1)
	for i, loc := range locs {
		dir := sec[loc[2]:loc[3]]
		end := len(sec)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		_, line, ok := strings.Cut(sec[loc[1]:end], "May import:")
		if !ok {
			t.Errorf("docs/design.md: the section of %q has no \"May import:\" line", dir+"/")
			continue
		}
		line, _, _ = strings.Cut(line, "\n\n")
		allowed := []string{}
		for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(line, -1) {
			allowed = append(allowed, m[1])
		}
		if len(allowed) == 0 && !strings.Contains(line, "nothing of vsync") {
			t.Errorf("docs/design.md: the \"May import:\" line of %q names nothing: write \"nothing of vsync\"", dir+"/")
		}
		pkgs[dir] = allowed
	}
	return pkgs
}

// section is the part of file from the line heading (e.g. "## Code
// layout") up to the next heading of the same level.
func section(t *testing.T, file, heading string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no %q section", file, heading)
	}
	level := heading[:strings.IndexByte(heading, ' ')+1]
	rest, _, _ = strings.Cut(rest, "\n"+level)
	return rest
}
