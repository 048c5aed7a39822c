package main

import (
	"path/filepath"

	"github.com/urfave/cli/v2"
)

// procfileFlag is -f, shared by start, check and export.
func procfileFlag() cli.Flag {
	return &cli.StringFlag{Name: "procfile", Aliases: []string{"f"}, Value: "Procfile", Usage: "read the processes from `FILE`"}
}

// procfilePath is -f, else DIR/Procfile with -d DIR, else ./Procfile, as
// in Foreman.
func procfilePath(c *cli.Context) string {
	if !c.IsSet("procfile") && c.String("root") != "" {
		return filepath.Join(c.String("root"), "Procfile")
	}
	return c.String("procfile")
}
