package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// Shell completion. The application has urfave/cli's EnableBashCompletion:
// any command line ending in --generate-bash-completion prints the
// candidates for its next word (subcommands, or flags after a "-") and runs
// nothing. The bash and zsh scripts below ask vsync that way, as urfave's
// own autocomplete/ scripts do, but call vsync with the words as they are
// (no eval: a word typed at the prompt is never run as shell code) and need
// no bash-completion package. Fish's script is urfave's ToFishCompletion:
// every command and flag, generated from the application itself.

// completionFlag ends a command line that asks for completion candidates.
const completionFlag = "--generate-bash-completion"

// bashCompletion is `vsync completion bash`.
const bashCompletion = `# bash completion for vsync: eval "$(vsync completion bash)"
_vsync_complete() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local -a words=("${COMP_WORDS[@]:0:COMP_CWORD}")
  local opts
  if [[ $cur == -* ]]; then
    # "-" asks for every flag as "--" would; a "--" word is the end of flags
    opts=$("${words[0]}" "${words[@]:1}" "${cur/#--/-}" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${words[0]}" "${words[@]:1}" --generate-bash-completion 2>/dev/null)
  fi
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o bashdefault -o default -F _vsync_complete vsync
`

// zshCompletion is `vsync completion zsh`.
const zshCompletion = `#compdef vsync
# zsh completion for vsync: eval "$(vsync completion zsh)" after compinit,
# or save it as _vsync in a directory of $fpath
_vsync() {
  local -a opts
  local cur=${words[-1]}
  if [[ $cur == -* ]]; then
    # "-" asks for every flag as "--" would; a "--" word is the end of flags
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur/#--/-} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ -n ${opts[1]} ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _vsync vsync
`

func completionCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh or fish",
		UsageText: "vsync completion bash|zsh|fish",
		Description: `Prints a script that completes vsync's commands and flags:

   bash:  eval "$(vsync completion bash)"     (in ~/.bashrc)
   zsh:   eval "$(vsync completion zsh)"      (in ~/.zshrc, after compinit)
   fish:  vsync completion fish > ~/.config/fish/completions/vsync.fish`,
		Action: func(c *cli.Context) error {
			a, err := args(c, 1, 1, "bash|zsh|fish")
			if err != nil {
				return err
			}
			var script string
			switch a[0] {
			case "bash":
				script = bashCompletion
			case "zsh":
				script = zshCompletion
			case "fish":
				if script, err = c.App.ToFishCompletion(); err != nil {
					return err
				}
			default:
				return usageErrorf("no completion for shell %q: bash, zsh or fish", a[0])
			}
			_, err = fmt.Fprint(sys.Stdout, script)
			return err
		},
	}
}
