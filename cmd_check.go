package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"vsync/procfile"
)

const checkDescription = `Parses the Procfile and prints its process types in order on one line:
   valid Procfile "Procfile": web, worker, clock
Every bad line is reported, each on its own "vsync: error:" line with its
file and number, not only the first; nothing is run.`

// checkOptions are the flags of `vsync check`.
type checkOptions struct {
	Procfile string
}

func checkCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:        "check",
		Usage:       "check a Procfile and list its process types",
		UsageText:   "vsync check [-f FILE]",
		Description: checkDescription + "\n\n" + exitCodesHelpFor("0", "65", "66"),
		Flags:       []cli.Flag{procfileFlag()},
		Action: func(c *cli.Context) error {
			if _, err := args(c, 0, 0, "[-f FILE]"); err != nil {
				return err
			}
			return runCheck(sys, checkOptions{Procfile: c.String("procfile")})
		},
	}
}

// runCheck is `vsync check`.
func runCheck(sys *world, o checkOptions) error {
	pf, err := procfile.ReadFile(o.Procfile)
	if err != nil {
		return err
	}
	fmt.Fprintf(sys.Stdout, "valid Procfile %q: %s\n", o.Procfile, strings.Join(pf.Names(), ", "))
	return nil
}
