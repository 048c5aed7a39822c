package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"vsync/internal/workspace"
)

func useCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:      "use",
		Usage:     "point .env (a symlink) at the env's dotenv file",
		UsageText: "vsync use ENV",
		Description: `Makes .env in the project's root a symlink to infra/vault/ENV/.env.ENV, for
tools that read a plain .env. An existing .env symlink is replaced; a regular
.env file is never touched (exit 73).`,
		Action: func(c *cli.Context) error {
			a, err := args(c, 1, 1, "ENV")
			if err != nil {
				return err
			}
			return runUse(sys, a[0])
		},
	}
}

// runUse is `vsync use ENV`.
func runUse(sys *world, env string) error {
	cwd, err := sys.Getwd()
	if err != nil {
		return err
	}
	target, err := workspace.LinkDotenv(cwd, env)
	if err != nil {
		return err
	}
	fmt.Fprintf(sys.Stdout, ".env -> %s\n", target)
	return nil
}
