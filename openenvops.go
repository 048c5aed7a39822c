package main

import "vsync/internal/envops"

// ops is the env v for the operator's workflows (internal/envops); it
// shares v's history.Env.
func (v *envVault) ops(sys *world, env string) *envops.Env {
	return &envops.Env{Env: &v.Env, Name: env, Project: v.Project, Profile: v.Profile, Home: home(sys)}
}
