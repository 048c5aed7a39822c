package runtimevault

import (
	"context"
	"sort"
	"strings"

	"vsync/internal/childenv"
	"vsync/internal/status"
)

// Masked stands in for a value that may be a secret (Mask).
const Masked = "********"

// composesNothing reports whether o leaves the environment as vsync run
// gave it: no flag that would compose another.
func (o Options) composesNothing() bool {
	return o.Env == "" && len(o.EnvFiles) == 0 && len(o.Defaults) == 0 && !o.PreserveAll &&
		len(o.Preserve) == 0 && len(o.FileEnv) == 0
}

// ListChild is what `vsync env` lists inside a child of vsync run, when o
// composes nothing of its own and the child's status socket sock is set or
// inChild says the process is a child: the child's own environment
// environ, each key with its source as the parent tells on sock, or, when
// no one answers, every value masked but vsync's own (Mask). ok is false
// outside a child: list what Prepare composes.
func ListChild(ctx context.Context, o Options, sock string, inChild bool, environ []string, reveal bool) (vars []childenv.Var, ok bool) {
	if !o.composesNothing() || sock == "" && !inChild {
		return nil, false
	}
	// A child of vsync run: its environment holds the vault's values as
	// "process" ones, unless the parent says where each came from.
	if sock != "" {
		if a, err := status.Ask(ctx, sock); err == nil && a.Sources != nil {
			return Mask(withSources(environ, a.Sources), reveal, false), true
		}
	}
	// No one to ask: the child's own environment, all masked.
	return Mask(withSources(environ, nil), reveal, true), true
}

// Mask returns vars with the values that may be secrets, the vault's and
// the env files', masked, or with all every value but vsync's own;
// reveal masks nothing.
func Mask(vars []childenv.Var, reveal, all bool) []childenv.Var {
	if reveal {
		return vars
	}
	out := make([]childenv.Var, len(vars))
	for i, v := range vars {
		if all && v.Source != childenv.SourceVsync || maySecret(v.Source) {
			v.Value = Masked
		}
		out[i] = v
	}
	return out
}

// maySecret reports whether a value from source may be a secret.
func maySecret(source string) bool {
	return source == childenv.SourceVault || source == childenv.SourceFile
}

// withSources lists the environment env (K=V) sorted by key, each key with
// its source in sources; a key not there (set by the child itself) is
// process. Scrubbed keys are left out, as vsync run leaves them out.
func withSources(env []string, sources []status.Source) []childenv.Var {
	by := make(map[string]status.Source, len(sources))
	for _, s := range sources {
		by[s.Key] = s
	}
	out := make([]childenv.Var, 0, len(env))
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || childenv.IsScrubbed(k) {
			continue
		}
		src := status.Source{Source: childenv.SourceProcess}
		if s, ok := by[k]; ok {
			src = s
		}
		out = append(out, childenv.Var{Key: k, Value: v, Source: src.Source, From: src.From})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
