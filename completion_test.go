package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// completionEnv returns an environment whose PATH starts with a directory
// holding "vsync" (this test binary as vsync), and that directory.
func completionEnv(t *testing.T) ([]string, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(os.Args[0], filepath.Join(dir, "vsync")); err != nil {
		t.Fatal(err)
	}
	return []string{
		"PATH=" + dir + ":/usr/local/bin:/usr/bin:/bin",
		"HOME=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"VSYNC_TEST_AS_VSYNC=1",
		"GORACE=atexit_sleep_ms=0",
	}, dir
}

// shellOut runs shell with args in env and returns its stdout.
func shellOut(t *testing.T, env []string, dir, shell string, args ...string) string {
	t.Helper()
	cmd := exec.Command(shell, args...)
	cmd.Env, cmd.Dir = env, dir
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s %q: %v\n%s%s", shell, args, err, out, stderr)
	}
	return string(out)
}

// TestCompletionBash sources `vsync completion bash` in bash and calls its
// completion function as bash's programmable completion would, with
// COMP_WORDS and COMP_CWORD set.
func TestCompletionBash(t *testing.T) {
	env, dir := completionEnv(t)
	complete := func(words ...string) []string {
		t.Helper()
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+w+"'")
		}
		script := `eval "$(vsync completion bash)" || exit 1
complete -p vsync >/dev/null || exit 1
COMP_WORDS=(` + strings.Join(quoted, " ") + `); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_vsync_complete
printf '%s\n' "${COMPREPLY[@]}"`
		return strings.Fields(shellOut(t, env, dir, "bash", "-c", script))
	}
	check := func(got []string, want ...string) {
		t.Helper()
		for _, w := range want {
			found := false
			for _, g := range got {
				found = found || g == w
			}
			if !found {
				t.Errorf("completion %q lacks %q", got, w)
			}
		}
	}
	check(complete("vsync", ""), "profile", "init", "push", "pull", "run", "start", "version", "completion")
	got := complete("vsync", "pu")
	check(got, "push", "pull")
	if len(got) != 2 {
		t.Errorf("vsync pu<TAB>: %q, want push and pull only", got)
	}
	check(complete("vsync", "profile", ""), "add", "list", "remove")
	check(complete("vsync", "push", "--n"), "--note")
	check(complete("vsync", "profile", "add", "--"), "--bucket", "--dir", "--endpoint")

	// Completing a command line of vsync run or start runs nothing.
	marker := filepath.Join(dir, "ran")
	complete("vsync", "run", "touch", marker, "")
	complete("vsync", "run", "--", "touch", marker, "")
	complete("vsync", "run", "sh", "-c", "touch "+marker, "-")
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("completing a vsync run command line ran the command")
	}
}

// TestCompletionZshFish loads the zsh script in zsh (with compinit) and
// the fish script in fish, where `complete -C` lists the candidates.
func TestCompletionZshFish(t *testing.T) {
	env, dir := completionEnv(t)
	t.Run("zsh", func(t *testing.T) {
		zsh := needExampleTool(t, "zsh", "zsh")
		out := shellOut(t, env, dir, zsh, "-f", "-c",
			`autoload -U compinit && compinit -u -D && eval "$(vsync completion zsh)" && whence -w _vsync && print -r -- ${_comps[vsync]}`)
		if !strings.Contains(out, "_vsync: function") || !strings.Contains(out, "\n_vsync\n") {
			t.Errorf("zsh: the script does not define _vsync as vsync's completion: %q", out)
		}
		if out := shellOut(t, env, dir, zsh, "-n", "-c", `eval "$(vsync completion zsh)"`); out != "" {
			t.Errorf("zsh -n: %q", out)
		}
	})
	t.Run("fish", func(t *testing.T) {
		fish := needExampleTool(t, "fish", "fish")
		out := shellOut(t, env, dir, fish, "--no-config", "-c", `vsync completion fish | source; complete -C 'vsync pro'; complete -C 'vsync profile add --bu'`)
		if !strings.Contains(out, "profile\t") || !strings.Contains(out, "--bucket") {
			t.Errorf("fish: complete -C gave %q, want profile and --bucket", out)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		cmd := exec.Command("vsync", "completion", "tcsh")
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage || !strings.Contains(string(out), `no completion for shell "tcsh": bash, zsh or fish`) {
			t.Errorf("vsync completion tcsh: %v %q", err, out)
		}
	})
}
