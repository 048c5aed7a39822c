// Command vsync keeps per-environment secrets (a dotenv file plus any other
// files) as numbered, encrypted generations in an S3-compatible bucket or a
// local directory, and gives them to unmodified applications at runtime.
//
// This package is wiring only: it builds the urfave/cli application, copies
// flags into options structs, calls one plain function per command, and maps
// errors to the exit codes of exitcodes.go. Only this package prints.
package main

import (
	"fmt"
	"os"

	"vsync/internal/childenv"
	"vsync/internal/proc"
)

func main() {
	os.Exit(mainWith(testHooks{}))
}

// mainWith is main with the given test hooks (the zero value outside the
// test binary); it returns the exit code.
func mainWith(hooks testHooks) int {
	ctx, stop, process, hardenErr := proc.Start(childenv.SecretVars())
	defer stop()
	sys := newWorld(os.Stdin, os.Stdout, os.Stderr)
	sys.Hooks = hooks
	sys.Process = process
	if hardenErr != nil {
		fmt.Fprintf(sys.Stderr, "vsync: warning: cannot hide vsync's environment from its child: %v\n", hardenErr)
	}
	return run(ctx, os.Args, sys)
}
