package childenv

import "vsync/vault"

// Vault is what a child gets from a vault: the env's dotenv and its other
// files, which are written as private files.
type Vault struct {
	Env        string
	Generation uint64
	Dotenv     []byte       // the env's .env.ENV, nil when the bundle has none
	Files      []vault.File // every other file, to be written as private files
}

// SplitBundle separates the env's top-level dotenv (vault.DotenvPath) from
// the other files of generation gen, once CheckStartable accepted them:
// every runtime gets its vault here.
func SplitBundle(env string, gen uint64, files []vault.File) (Vault, error) {
	if err := CheckStartable(env, files); err != nil {
		return Vault{}, err
	}
	v := Vault{Env: env, Generation: gen}
	for _, f := range files {
		if f.Path == vault.DotenvPath(env) {
			v.Dotenv = f.Data
			continue
		}
		v.Files = append(v.Files, f)
	}
	return v, nil
}
