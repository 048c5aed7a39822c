package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"vsync/internal/childenv"
	"vsync/internal/proc"
)

// world is what a command may use of the outside world (the process has
// one, newWorld in main.go; a test makes its own). Commands read the
// environment through Getenv, LookupEnv and Environ, never the os
// package, and print only to Stdout and Stderr, so that tests can run them
// in-process.
type world struct {
	Stdin     io.Reader
	Stdout    io.Writer
	Stderr    io.Writer
	Getenv    func(string) string
	LookupEnv func(string) (string, bool) // whether a variable is set, even empty
	Environ   func() []string             // the whole environment, a child's starting point
	Getwd     func() (string, error)
	Hooks     testHooks // zero except in the test binary
	// Process takes the process-wide steps a command triggers once its
	// child runs (proc.Start made it; the zero value works the same).
	Process proc.Process
}

func newWorld(stdin io.Reader, stdout, stderr io.Writer) *world {
	return &world{Stdin: stdin, Stdout: stdout, Stderr: stderr,
		Getenv: os.Getenv, LookupEnv: os.LookupEnv, Environ: os.Environ, Getwd: os.Getwd}
}

// run runs vsync with args (args[0] is the program name) and returns the
// exit code. It is the only place that prints errors.
func run(ctx context.Context, args []string, sys *world) (code int) {
	defer func() {
		if r := recover(); r != nil {
			code = reportBug(sys, r)
		}
	}()
	if sys.Hooks.Panic {
		panic("test hook: VSYNC_TEST_PANIC")
	}
	app := newApp(sys)
	argv := args
	if n := len(args); n > 1 && args[n-1] == completionFlag {
		// Shell completion (completion.go) only prints candidates. After
		// a "--" there are none, and urfave/cli would pass the flag on
		// as an argument: of a command vsync run would start. Nor does
		// arrangeArgs insert the "--" that vsync run's command line gets.
		if slices.Contains(args[1:n-1], "--") {
			return exitOK
		}
	} else {
		argv = arrangeArgs(app, args)
	}
	err := app.RunContext(ctx, argv)
	if err == nil {
		return exitOK
	}
	var ce childExit
	if errors.As(err, &ce) {
		if ce.err != nil {
			printError(sys.Stderr, err) // why the child did not run
		}
		return ce.code // the child's status: nothing of errorRules applies
	}
	if sig, ok := proc.StoppedBy(ctx); ok && errors.Is(err, context.Canceled) {
		// SIGINT or SIGTERM ended the command's work (a fetch, a push)
		// before it finished, or before vsync run's child started: exit
		// as a process killed by it would, as the child's would.
		printError(sys.Stderr, context.Cause(ctx))
		return 128 + int(sig)
	}
	printError(sys.Stderr, err)
	return exitCode(err)
}

const appDescription = `vsync keeps each environment's secrets (a dotenv file plus any other files,
in infra/vault/ENV/) as numbered generations, encrypted with a passphrase
(OpenPGP, readable by stock gpg), in an S3-compatible bucket or a local
directory, and hands them to unmodified applications at runtime.

Where things live:
   vsync.toml                     the project (committed): prefix, and per env its profile
   infra/vault/ENV/               the env's files (gitignored)
   infra/vault/.vsync/ENV.json    local state: the generation the folder is based on
   $XDG_CONFIG_HOME/vsync/        profiles.toml and the passphrases (0600, dirs 0700)

Environment:
   VSYNC_PASSPHRASE, VSYNC_PASSPHRASE_FILE   the passphrase (else the local store)
   VSYNC_AUTHOR                              the author of a push (else git user.email, else $USER@host)
   XDG_CONFIG_HOME                           where profiles and passphrases live (default ~/.config)
   AWS_*                                     the standard AWS credential chain for S3 profiles

`

func newApp(sys *world) *cli.App {
	app := &cli.App{
		Name:                   "vsync",
		Usage:                  "twelve-factor configuration from an encrypted vault in S3",
		UsageText:              "vsync COMMAND [flags] [args]",
		Description:            appDescription + exitCodesHelp(),
		HideVersion:            true,
		Writer:                 sys.Stdout,
		ErrWriter:              sys.Stderr,
		Reader:                 sys.Stdin,
		ExitErrHandler:         func(*cli.Context, error) {}, // run prints and exits
		OnUsageError:           onUsageError,
		UseShortOptionHandling: false,
		EnableBashCompletion:   true, // completion.go
		Flags:                  []cli.Flag{versionFlag()},
		// --version before a command would otherwise be dropped and the
		// command run: refuse it, as a flag vsync does not know there is.
		Before: func(c *cli.Context) error {
			if c.Bool("version") && c.Args().Present() {
				return usageErrorf("--version takes no command (%q given); use \"vsync version\"", c.Args().First())
			}
			return nil
		},
		Action: func(c *cli.Context) error {
			if c.Bool("version") && !c.Args().Present() {
				readBuildVersion().print(sys.Stdout)
				return nil
			}
			if c.Args().Present() {
				return usageErrorf("unknown command %q", c.Args().First())
			}
			_ = cli.ShowAppHelp(c)
			return usageErrorf("no command given")
		},
		Commands: []*cli.Command{
			profileCommand(sys),
			initCommand(sys),
			pushCommand(sys),
			pullCommand(sys),
			logCommand(sys),
			diffCommand(sys),
			useCommand(sys),
			verifyCommand(sys),
			passphraseCommand(sys),
			rotatePassphraseCommand(sys),
			runCommand(sys),
			envCommand(sys),
			statusCommand(sys),
			runtimeTokenCommand(sys),
			startCommand(sys),
			checkCommand(sys),
			exportCommand(sys),
			versionCommand(sys),
			completionCommand(sys),
		},
	}
	for _, c := range app.Commands {
		setUsageHandlers(c, "")
	}
	return app
}

// setUsageHandlers makes every usage error of c and its subcommands a
// usageError, and gives a command with subcommands but no action of its
// own a help screen and exit 64. A leaf command gets no "help" (or "h")
// subcommand: only -h and --help are help there, so `vsync start help`
// starts the process named help and `vsync run h` runs h.
//
// Every error of c is also marked as c's (inCommand), so that the hint of
// a usage error names "vsync FULL NAME --help", not "vsync --help".
func setUsageHandlers(c *cli.Command, parent string) {
	name := strings.TrimSpace(parent + " " + c.Name)
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return inCommand{cmd: name, err: onUsageError(nil, err, false)}
	}
	if len(c.Subcommands) == 0 {
		c.HideHelpCommand = true
	}
	if len(c.Subcommands) > 0 && c.Action == nil {
		c.Action = func(cc *cli.Context) error {
			if cc.Args().Present() {
				return usageErrorf("unknown command %q", name+" "+cc.Args().First())
			}
			_ = cli.ShowSubcommandHelp(cc)
			return usageErrorf("%s: no subcommand given", name)
		}
	}
	if act := c.Action; act != nil {
		c.Action = func(cc *cli.Context) error {
			if err := act(cc); err != nil {
				return inCommand{cmd: name, err: err}
			}
			return nil
		}
	}
	for _, s := range c.Subcommands {
		setUsageHandlers(s, name)
	}
}

func onUsageError(_ *cli.Context, err error, _ bool) error {
	msg := longFlagRE.ReplaceAllString(err.Error(), "$1 --$2")
	msg = strings.Replace(msg, ": parse error", ": want a whole number (0, 1, 2, ...)", 1)
	msg = strings.Replace(msg, ": value out of range", ": want a whole number (0, 1, 2, ...)", 1)
	if msg != err.Error() {
		err = errors.New(msg)
	}
	return usageError{err}
}

// longFlagRE finds a long flag as Go's flag package names it in its
// errors ("flag -kill-timeout", "not defined: -bogus"), for onUsageError
// to write it as users type it ("flag --kill-timeout").
var longFlagRE = regexp.MustCompile(`(\bflag|not defined:) -([a-z][a-z0-9-]+)`)

// args checks that a command got between min and max positional arguments
// (max < 0: any number) and returns them.
func args(c *cli.Context, min, max int, names string) ([]string, error) {
	a := c.Args().Slice()
	if len(a) < min || (max >= 0 && len(a) > max) {
		return nil, usageErrorf("usage: vsync %s %s", c.Command.FullName(), names)
	}
	return a, nil
}

// inCommand marks err as an error of the command cmd ("profile add").
type inCommand struct {
	cmd string
	err error
}

func (e inCommand) Error() string { return e.err.Error() }
func (e inCommand) Unwrap() error { return e.err }

// usageError is a bad flag or argument: exitUsage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error {
	return usageError{fmt.Errorf(format, a...)}
}

// childExit is an exit status to exit with: the child's (run, start), or
// a command's own whose message is printed already. err, when not nil, is
// what ended the child (a command not found: 127, not executable: 126),
// printed with the hint errorRules give it; the code stays the child's.
type childExit struct {
	code int
	err  error
}

func (e childExit) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return "child exited with code " + strconv.Itoa(e.code)
}

func (e childExit) Unwrap() error { return e.err }

// exitOf is the error that ends a run of the child (or the processes of
// start) that returned code and err: nil for a child that exited with 0,
// else its code, with err when it did not run; an error with no code, or
// vsync's own refusal to start it (arguments and environment too large
// for execve), is vsync's own, for errorRules.
func exitOf(code int, err error) error {
	var tooLarge *childenv.ArgsTooLargeError
	switch {
	case err != nil && code == 0, errors.As(err, &tooLarge):
		return err
	case code == 0:
		return nil
	}
	return childExit{code: code, err: err}
}

// reportBug prints a panic of the command's goroutine as one error line
// (its value, never a stack: a stack holds argument words) and a hint, and
// returns exitInternal. VSYNC_DEBUG=stack adds the stack trace for a bug
// report. A panic in another goroutine still crashes the process (exit 2).
func reportBug(sys *world, r any) int {
	fmt.Fprintf(sys.Stderr, "vsync: error: a bug in vsync: %s\n", escapeControls(fmt.Sprint(r)))
	fmt.Fprintln(sys.Stderr, "vsync: hint: please report it, with the output of the same command under VSYNC_DEBUG=stack")
	if sys.Getenv("VSYNC_DEBUG") == "stack" {
		_, _ = sys.Stderr.Write(debug.Stack())
	}
	return exitInternal
}
