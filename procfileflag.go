package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"vsync/procfile"
)

// procfileFlag is -f, shared by start, check and export.
func procfileFlag() cli.Flag {
	return &cli.StringFlag{Name: "procfile", Aliases: []string{"f"}, Value: "Procfile", Usage: "read the processes from `FILE`"}
}

// basePort is the base port -p gives, shared by start and export (0 when
// not given); a bad one wraps procfile.ErrBadPort, a usage error of
// errorRules.
func basePort(p string) (int, error) {
	if p == "" {
		return 0, nil
	}
	base, err := procfile.ParsePort(p)
	if err != nil {
		return 0, fmt.Errorf("-p: %w", err)
	}
	return base, nil
}

// procfilePath is -f, else DIR/Procfile with -d DIR, else ./Procfile, as
// in Foreman.
func procfilePath(c *cli.Context) string {
	if !c.IsSet("procfile") && c.String("root") != "" {
		return filepath.Join(c.String("root"), "Procfile")
	}
	return c.String("procfile")
}
