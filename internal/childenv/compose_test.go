package childenv

import (
	"errors"
	"strings"
	"testing"
)

func TestComposeEnvPrecedence(t *testing.T) {
	layers := Layers{
		Defaults: []string{"A=default", "B=default", "C=default", "D=default", "E=default"},
		Process:  []string{"B=process", "C=process", "D=process", "E=process", "VSYNC_PASSPHRASE=pp", "VSYNC_CONFIG_FILE=/x", "HOME=/h"},
		DotenvFiles: []DotenvFile{
			{Path: "one.env", Data: []byte("C=file1\nD=file1\nE=file1\nFROM_FILE=${HOME}/x\n")},
			{Path: "two.env", Data: []byte("D=file2\n")},
		},
		Vault:     []byte("E=vault\nV=${D}-${A}\nVSYNC_CONFIG=nope\n"),
		VaultName: "vault:prod/.env.prod",
		Extra:     []Var{{Key: "VSYNC_ENV", Value: "prod", Source: SourceVsync}},
	}
	vars, err := layers.compose()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Var{}
	for _, v := range vars {
		got[v.Key] = v
	}
	want := map[string][2]string{
		"A":         {"default", SourceDefault},
		"B":         {"process", SourceProcess},
		"C":         {"file1", SourceFile},
		"D":         {"file2", SourceFile},
		"E":         {"vault", SourceVault},
		"V":         {"file2-default", SourceVault},
		"FROM_FILE": {"/h/x", SourceFile},
		"VSYNC_ENV": {"prod", SourceVsync},
	}
	for k, w := range want {
		if got[k].Value != w[0] || got[k].Source != w[1] {
			t.Errorf("%s = %q from %s, want %q from %s", k, got[k].Value, got[k].Source, w[0], w[1])
		}
	}
	for _, k := range ScrubbedVars() {
		if _, ok := got[k]; ok {
			t.Errorf("%s reached the child", k)
		}
	}
	for i := 1; i < len(vars); i++ {
		if vars[i-1].Key >= vars[i].Key {
			t.Fatalf("not sorted at %s", vars[i].Key)
		}
	}
}

func TestComposeEnvPreserve(t *testing.T) {
	base := Layers{
		Process:     []string{"A=process", "B=process"},
		DotenvFiles: []DotenvFile{{Path: "f", Data: []byte("A=file\nB=file\nC=file\n")}},
		Vault:       []byte("A=vault\nB=vault\nC=vault\n"),
	}
	for _, tc := range []struct {
		name    string
		all     bool
		keys    map[string]bool
		a, b, c string
	}{
		{"none", false, nil, "vault", "vault", "vault"},
		{"all", true, nil, "process", "process", "vault"},
		{"named", false, map[string]bool{"B": true, "C": true}, "vault", "process", "vault"},
	} {
		l := base
		l.PreserveAll, l.Preserve = tc.all, tc.keys
		vars, err := l.compose()
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(Environ(vars), " ")
		want := "A=" + tc.a + " B=" + tc.b + " C=" + tc.c
		if got != want {
			t.Errorf("%s: got %s, want %s", tc.name, got, want)
		}
	}
}

func TestComposeEnvBadDefault(t *testing.T) {
	_, err := (Layers{Defaults: []string{"NOEQUALS"}}).compose()
	if !errors.Is(err, ErrBadDefault) || err.Error() != `--default "NOEQUALS": want KEY=VALUE` {
		t.Fatalf("got %v, want ErrBadDefault", err)
	}
}

// TestComposeEnvNoScrubbedInterpolation: a dotenv line that references a
// scrubbed variable (${VSYNC_PASSPHRASE}, $VSYNC_CONFIG, the *_FILE forms)
// gets the empty string, in an -e file as in the vault, so the child never
// sees what vsync keeps from it.
func TestComposeEnvNoScrubbedInterpolation(t *testing.T) {
	const canary = "CANARY_9d1e_scrubbed"
	process := []string{"HOME=/h"}
	for _, k := range ScrubbedVars() {
		process = append(process, k+"="+canary+"_"+k)
	}
	refs := "A=${VSYNC_PASSPHRASE}\nB=$VSYNC_PASSPHRASE\nC=${VSYNC_CONFIG}\nD=x$VSYNC_CONFIG_FILE\nE=\"${VSYNC_PASSPHRASE_FILE}\"\nH=${HOME}\n"
	vars, err := (Layers{
		Process:     process,
		DotenvFiles: []DotenvFile{{Path: "leak.env", Data: []byte("F_" + strings.ReplaceAll(strings.TrimSuffix(refs, "\n"), "\n", "\nF_"))}},
		Vault:       []byte(refs),
	}).compose()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vars {
		if strings.Contains(v.Value, canary) {
			t.Errorf("%s (from %s) carries a scrubbed variable's value", v.Key, v.Source)
		}
	}
	if got := strings.Join(Environ(vars), " "); !strings.Contains(got, "H=/h") || !strings.Contains(got, "D=x") {
		t.Error("other references broke: want H=/h and D=x")
	}
}

// TestComposeEnvCredentialsDirectory: when vsync's token or passphrase file
// is in $CREDENTIALS_DIRECTORY (the units of `vsync export systemd`), the
// child is not told where that directory is; otherwise it is.
func TestComposeEnvCredentialsDirectory(t *testing.T) {
	for _, tc := range []struct {
		file string
		kept bool
	}{
		{"VSYNC_PASSPHRASE_FILE=/run/credentials/web.service/vsync-passphrase", false},
		{"VSYNC_CONFIG_FILE=/run/credentials/web.service/sub/../vsync-config", false},
		{"VSYNC_CONFIG_FILE=/etc/vsync/web/vsync-config", true},
		{"VSYNC_CONFIG_FILE=/run/credentials/web.service.other/vsync-config", true},
	} {
		vars, err := (Layers{
			Process: []string{"CREDENTIALS_DIRECTORY=/run/credentials/web.service", tc.file},
			Vault:   []byte("WHERE=${CREDENTIALS_DIRECTORY}\n"),
		}).compose()
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(Environ(vars), " ")
		if kept := strings.Contains(got, "CREDENTIALS_DIRECTORY=/run"); kept != tc.kept {
			t.Errorf("%s: CREDENTIALS_DIRECTORY kept %v, want %v (%s)", tc.file, kept, tc.kept, got)
		}
		if leaked := strings.Contains(got, "WHERE=/run"); leaked != tc.kept {
			t.Errorf("%s: ${CREDENTIALS_DIRECTORY} expanded: %s", tc.file, got)
		}
	}
}
