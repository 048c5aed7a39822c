package procfile

// isShellWord reports whether a command whose first word is w must run
// under Shell: only a shell can run it, and run directly it would be looked
// up as a program in PATH ("exec": command not found, 127). The words are
//
//   - POSIX's reserved words, and those some shells reserve besides
//     ("[[", "function", "select");
//   - POSIX's special built-ins, which act on the shell itself: exec
//     replaces it, export and set change what it passes on, "." and eval
//     read more commands;
//   - POSIX's intrinsic utilities and regular built-ins, which change or
//     need the shell's state (cd, ulimit, umask, wait), true, false, pwd
//     and kill included although programs of those names exist: the
//     shell's own is what Foreman and a Dockerfile's CMD run;
//   - the built-ins of bash, ksh and zsh that no program provides (source,
//     local, declare, ...), so that such a line meets the shell's verdict,
//     as under Foreman, not vsync's "command not found".
//
// "time" is not among them: bash reserves it, but /bin/sh (dash) runs the
// program of that name, as a direct command does. Running any command under
// the shell is correct; the list only says when the direct path, an
// optimisation, must not be taken.
func isShellWord(w string) bool {
	switch w {
	case "!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi",
		"for", "if", "in", "then", "until", "while",
		"[[", "]]", "function", "select":
		return true // reserved words
	case "break", ":", "continue", ".", "eval", "exec", "exit", "export",
		"readonly", "return", "set", "shift", "times", "trap", "unset":
		return true // special built-ins
	case "alias", "bg", "cd", "command", "false", "fc", "fg", "getopts",
		"hash", "jobs", "kill", "newgrp", "pwd", "read", "true", "type",
		"ulimit", "umask", "unalias", "wait":
		return true // intrinsic utilities and regular built-ins
	case "source", "local", "declare", "typeset", "let", "builtin", "shopt",
		"pushd", "popd", "dirs", "disown", "enable", "logout", "suspend",
		"mapfile", "readarray", "caller", "compgen", "complete", "history":
		return true // other shells' built-ins
	}
	return false
}
