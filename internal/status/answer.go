package status

import (
	"crypto/sha256"
	"encoding/hex"

	"vsync/internal/childenv"
)

// SocketName is the status socket's file name inside a running vsync's
// private directory (childenv.StatusSocketVar points the child at it).
const SocketName = ".vsync-status.sock"

// Answer is what the status socket of a running vsync sends: the report,
// the identity of the vault it runs from, by which `vsync status` beside
// the app tells its own vsync from another app's, and where each variable
// of the running child came from (for `vsync env` in the child). Fields
// are only ever added, so that older clients keep reading it.
type Answer struct {
	Report
	// Vault is vaultID of the vault's location; a hash, so that the
	// socket tells no one (the child included) where the vault lives.
	Vault string `json:"vault,omitempty"`
	// Sources are the running child's variables, by key, each with its
	// source: never a value.
	Sources []Source `json:"sources,omitempty"`
}

// Source is where one variable of a child came from, without its value.
type Source struct {
	Key    string `json:"key"`
	Source string `json:"source"`
	From   string `json:"from,omitempty"`
}

// SourcesOf is vars without their values.
func SourcesOf(vars []childenv.Var) []Source {
	out := make([]Source, len(vars))
	for i, v := range vars {
		out[i] = Source{Key: v.Key, Source: v.Source, From: v.From}
	}
	return out
}

// vaultID is the identity of the vault at location (location, endpoint,
// prefix, env: workspace.VaultLocation) as the status socket gives it.
func vaultID(location string) string {
	sum := sha256.Sum256([]byte("vsync status vault\x00" + location))
	return hex.EncodeToString(sum[:16])
}
