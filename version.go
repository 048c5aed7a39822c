package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// buildVersion is what `vsync version` and `vsync --version` print, all
// from the build info the Go toolchain embeds: the module version ("v1.2.3"
// from `go install` at a tag, a pseudo-version or "(devel)" from a
// checkout), the VCS revision, its time and whether the tree had local
// changes (stamped by `go build` and `go install` in a git checkout), and
// the Go version and platform.
type buildVersion struct {
	Version  string // "(devel)" when unknown
	Commit   string // "unknown" when not stamped (go run, -buildvcs=false, a test binary)
	Time     string // the commit's time, RFC 3339; "" when not stamped
	Modified bool   // the tree had uncommitted changes
	Go       string // runtime.Version()
	Platform string // GOOS/GOARCH
}

// readBuildVersion reads the running binary's build info.
func readBuildVersion() buildVersion {
	v := buildVersion{Version: "(devel)", Commit: "unknown", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// print writes three lines: "vsync VERSION", "commit REV (TIME, modified)",
// "go GOVERSION GOOS/GOARCH".
func (v buildVersion) print(w io.Writer) {
	fmt.Fprintf(w, "vsync %s\n", v.Version)
	commit := "commit " + v.Commit
	switch {
	case v.Time != "" && v.Modified:
		commit += " (" + v.Time + ", modified)"
	case v.Time != "":
		commit += " (" + v.Time + ")"
	case v.Modified:
		commit += " (modified)"
	}
	fmt.Fprintln(w, commit)
	fmt.Fprintf(w, "go %s %s\n", v.Go, v.Platform)
}

// versionFlag is the application's --version (-v stays unused, as in
// urfave/cli's own flag it replaces).
func versionFlag() cli.Flag {
	return &cli.BoolFlag{Name: "version", Usage: "print the version, commit and Go version (as \"vsync version\")"}
}

func versionCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print the version, commit and Go version of this binary",
		UsageText: "vsync version (or vsync --version)",
		Action: func(c *cli.Context) error {
			if _, err := args(c, 0, 0, ""); err != nil {
				return err
			}
			readBuildVersion().print(sys.Stdout)
			return nil
		},
	}
}
