package main

import (
	"github.com/urfave/cli/v2"

	"vsync/internal/supervise"
)

// watchHelp is the part of run's and start's --help about --watch.
const watchHelp = `Watching (--watch, --watch=INTERVAL): every INTERVAL (default 30s, at least
100ms; each wait drawn within +-10% so that a fleet does not poll in step)
vsync asks the bucket for current.pgp with If-None-Match and the ETag it
holds: one request, no body while nothing changed. A new generation is
fetched, decrypted and verified in full (passphrase, integrity, manifest,
dotenv syntax, --file-env sources) before anything is touched; one that fails
is refused and the running child keeps the last good secrets. Then:
   no variable and no file changed   nothing to do;
   only file contents changed        with --reload-signal SIG, each changed
                                     private file is replaced in place (written
                                     beside it, renamed over it: readers see the
                                     old or the new content whole) and SIG goes
                                     to the child (vsync run: its process group
                                     with --signal-group; vsync start: each
                                     process); without --reload-signal the
                                     child is restarted;
   variables changed (a file added   the child is restarted: stop signal (TERM),
   or removed changes *_FILE too)    --kill-timeout, SIGKILL to its group, then
                                     started again with the new environment.
The files of a restart are written before the old child is stopped, into a
fresh private directory (new *_FILE paths), so a directory that becomes a
file, or the reverse, applies as any change does; files that cannot be
replaced in place restart the child that way. A generation whose files
cannot be written is refused: the old child keeps its files. One whose child
cannot start (command not found on its PATH) is refused once tried: vsync
goes back to the generation that ran before.
A restart waits for the old child to be gone, and starts with the newest
generation accepted by then: one a newer generation made stale is skipped.
A stop signal during a restart ends vsync instead. A child that exits by
itself is not restarted: vsync exits with its code. With --cache, each
generation accepted is cached as a start would cache it.
Each event is one line on stderr, naming generations, never values:
   vsync: generation 8: restarted (variables changed)
   vsync: generation 9: files replaced, sent SIGHUP
   vsync: generation 9: restarted (files changed, no --reload-signal)
   vsync: generation 9: restarted (files changed, not replaceable in place: ...)
   vsync: generation 10: nothing to reload (no variable or file changed)
   vsync: generation 11: skipped (generation 12 is newer)
   vsync: generation 13: refused: wrong passphrase; keeping generation 12
   vsync: generation 14: refused: cannot start: ...; back to generation 12
   vsync: watch: cannot read current.pgp: bucket unreachable; keeping generation 12
   vsync: watch: current.pgp readable again
VSYNC_GENERATION is the generation the child was started with; the status
socket (vsync status) answers with the generation applied, files replaced in
place included, against the bucket's: stale while a refused generation is
the newest, with the reason ("generation 13 refused: wrong passphrase"). With "vsync start", the child is every process: a restart stops
and starts them all (-t is the kill timeout), the reload signal goes to
every process group.
A bare --watch means 30s; an interval is given as --watch=10s (with "=").`

// watchFlags are the cli flags behind supervise.Options.
func watchFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "watch", Usage: "poll the bucket every `INTERVAL` (bare --watch: 30s) and apply new generations (see below)"},
		&cli.StringFlag{Name: "reload-signal", Usage: "with --watch: when only files changed, replace them in place and send `SIG` (HUP, USR1, ...: a forwarded signal, not TERM, INT or QUIT) instead of restarting"},
	}
}

// watchOptionsFrom parses the flags of watchFlags. A bare --watch reaches
// here as --watch=30s (arrangeArgs).
func watchOptionsFrom(c *cli.Context) (supervise.Options, error) {
	var watch, reload *string
	if c.IsSet("watch") {
		s := c.String("watch")
		watch = &s
	}
	if c.IsSet("reload-signal") {
		s := c.String("reload-signal")
		reload = &s
	}
	return supervise.ParseOptions(watch, reload, parseDuration)
}
