// Command vsync keeps per-environment secrets (a dotenv file plus any other
// files) as numbered, encrypted generations in an S3-compatible bucket or a
// local directory, and gives them to unmodified applications at runtime.
//
// This package is wiring only: it builds the urfave/cli application, copies
// flags into options structs, calls one plain function per command, and maps
// errors to the exit codes of exitcodes.go. Only this package prints.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, newSysEnv(os.Stdin, os.Stdout, os.Stderr))
	stop()
	os.Exit(code)
}
