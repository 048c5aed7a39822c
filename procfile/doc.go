// Package procfile parses Procfiles and computes which process instances
// `vsync start` runs, with which PORT and which argv. It runs nothing:
// ReadFile and ReadPlan read a Procfile from a file (errors name it, see
// FileError) and plan what runs, for start, check and export.
//
// # Grammar
//
// The grammar is Foreman's, /^([A-Za-z0-9_-]+):\s*(.+)$/ (Honcho uses the
// same without '-'), read one line at a time:
//
//	# a comment                 ignored
//	                            blank (or only white space): ignored
//	web: gunicorn app:wsgi      an entry: NAME ":" optional blanks COMMAND
//
// Where Foreman and Honcho silently skip a line that does not match, Parse
// reports it as a *SyntaxError with its 1-based line number, and it reports
// every such line, not just the first. In detail:
//
//   - A UTF-8 byte order mark at the start of the input is dropped.
//   - Lines end at "\n"; one "\r" before it is dropped (CRLF files, as
//     Foreman does). A last line with no newline is an ordinary line.
//   - A comment is a line whose first non-blank character is '#'. A '#'
//     later in a command is left to the shell (see Command).
//   - An entry's name starts in column one: an indented entry is an error,
//     not a silently different Procfile, because Foreman and Honcho would
//     skip it.
//   - No blank is allowed between the name and ':' ("web : x" is an error).
//   - The command is trimmed of surrounding white space; an empty command
//     ("web:" or "web:   ") is an error. A command with a NUL byte is an error
//     (no exec can carry it).
//   - A name may appear once (Honcho agrees; Foreman lets the last one win);
//     a duplicate is an error naming both lines.
//   - The name "all" is reserved, because "-c all=N" means every process.
//   - A direct command (see Command) whose quotes do not balance is an
//     error. Shell commands are left to the shell to judge.
//   - A file with no entries at all gives ErrNoProcesses.
//
// # Formation and ports
//
// ParseFormation reads Foreman's "-c web=2,worker=1" and "all=N". With no
// spec every type runs once; a spec, as in Foreman, says everything that
// runs: "web=2" runs two web and no other type, "web=2,all=1" runs the
// others once too (Honcho would run the others once either way). A type
// named on the command line runs once unless the spec says otherwise.
// Port follows Foreman's formula,
// base + 100 × the type's index in the Procfile + instance − 1, where the
// index is the position in the whole Procfile, so a type keeps its ports
// whichever other types are started (Honcho instead counts only the started
// types).
//
// # Commands
//
// Command decides between running a command directly, split into argv
// with github.com/mattn/go-shellwords, and running it under /bin/sh -c: a
// command with shell syntax, or whose first word is a shell's own (exec,
// cd, export, ".", ulimit, if, ...), runs under the shell. See its
// documentation for the exact rule. Parse asks the same function about
// every line, so that a Procfile it accepts is one whose every command
// Command can run.
//
// It prints nothing and knows no exit code: errors are sentinel
// (ErrNoProcesses, ErrUnknownProcess, ErrBadFormation, ErrBadPort) or typed
// (*FileError, SyntaxErrors). It imports github.com/mattn/go-shellwords and
// the standard library, nothing of vsync.
package procfile
