package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"vsync/internal/workspace"
	"vsync/procfile"
)

const exportDescription = `Writes, into DIR, service definitions in which every Procfile process runs
under "vsync run -- /bin/sh -c CMD", so that it gets the vault's secrets at
start-up from a runtime token ("vsync runtime-token"). The token and the
passphrase are never written into the files:

   systemd      one unit per process instance (APP-web-1.service ...) and
                APP.target grouping them; the token and passphrase come from
                systemd credentials: LoadCredential=vsync-config:CREDDIR/vsync-config
                and vsync-passphrase, read through VSYNC_CONFIG_FILE=%d/vsync-config
                and VSYNC_PASSPHRASE_FILE=%d/vsync-passphrase
   supervisord  APP.conf: one [program:APP-TYPE] per type, numprocs from -c,
                VSYNC_CONFIG_FILE and VSYNC_PASSPHRASE_FILE under CREDDIR
   kubernetes   APP-TYPE.yaml: a Deployment per type, replicas from -c,
                VSYNC_CONFIG and VSYNC_PASSPHRASE from the Secret --secret
                (keys "config" and "passphrase") by secretKeyRef; create it
                with: kubectl create secret generic APP-vsync
                --from-file=config=FILE --from-file=passphrase=FILE

Token or dotenv only: the units pass the token and passphrase when the
project has a vault, that is when a vsync.toml recording an env is found
from the root up (or --credentials or --secret is given); otherwise vsync
run reads the root's .env and the units name no credential at all.
--token or --token=false decides instead.

One-off types: the types --one-off names (default "release", Heroku's
release phase) run once to completion instead of being restarted: a
systemd Type=oneshot unit that the other units are ordered after, a
supervisord program with autorestart=false, a kubernetes Job (restartPolicy
Never, backoffLimit 0; completions and parallelism from -c, suspended
when -c gives it none) instead of a Deployment. A Job's template cannot
change: delete the old Job before applying a new one. --one-off ""
makes every type long-running.

-c and PORT follow the rules of "vsync start": a -c that names some types
gives the others none unless it has all=N (-c web=2 exports two web
instances and nothing else; kubernetes writes replicas: 0 for the others);
PORT is -p + 100 per type + 1 per instance; PS is the instance name
("web.1"; the type under kubernetes, where replicas are alike). With -d DIR
and no -f, the Procfile is DIR/Procfile. Each file is written to a new
temporary file in DIR and renamed into place: a symlink at its name is
replaced, never followed.

Exit codes: 64 bad flags, unknown format or process; 65 malformed Procfile
(every bad line); 66 Procfile missing; 78 malformed vsync.toml; 1 DIR cannot
be written.`

// exportOptions are the flags of `vsync export`.
type exportOptions struct {
	Format      string
	Dir         string
	Procfile    string
	Root        string // WorkingDirectory; empty: the Procfile's absolute directory
	App         string // empty: the root's base name
	Port        string
	Concurrency string
	User        string
	Vsync       string // the vsync binary in the units
	CredDir     string // systemd/supervisord: where the token and passphrase files are
	Image       string // kubernetes
	Secret      string // kubernetes
	PassToken   *bool  // --token; nil: decide (exportToken)
	OneOff      []string
	CheckOneOff bool // --one-off given: each of OneOff must be a type
}

func exportCommand(sys *sysEnv) *cli.Command {
	return &cli.Command{
		Name:        "export",
		Usage:       "write systemd, supervisord or kubernetes definitions running each process under vsync run",
		UsageText:   "vsync export [flags] systemd|supervisord|kubernetes DIR",
		Description: exportDescription,
		Flags: []cli.Flag{
			procfileFlag(),
			&cli.StringFlag{Name: "root", Aliases: []string{"d"}, Usage: "the processes' working `DIR`, and DIR/Procfile unless -f (default: the Procfile's directory)"},
			&cli.StringFlag{Name: "app", Aliases: []string{"a"}, Usage: "application `NAME` prefixing every unit (default: the root's name)"},
			&cli.StringFlag{Name: "port", Aliases: []string{"p"}, Value: strconv.Itoa(procfile.DefaultBasePort), Usage: "base `PORT`"},
			&cli.StringFlag{Name: "concurrency", Aliases: []string{"c", "formation", "m"}, Usage: "instances per type, `SPEC` such as web=2,worker=1 (-m and --formation as in Foreman; types not named: none, unless all=N)"},
			&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "run the processes as `USER` (systemd, supervisord)"},
			&cli.StringFlag{Name: "vsync", Value: "/usr/local/bin/vsync", Usage: "`PATH` of vsync on the target"},
			&cli.StringFlag{Name: "credentials", Usage: "`DIR` holding the files vsync-config and vsync-passphrase (systemd, supervisord; default /etc/vsync/APP)"},
			&cli.StringFlag{Name: "image", Usage: "container `IMAGE` (kubernetes; default APP:latest)"},
			&cli.StringFlag{Name: "secret", Usage: "`NAME` of the Secret with keys config and passphrase (kubernetes; default APP-vsync)"},
			&cli.BoolFlag{Name: "token", Usage: "pass the runtime token and passphrase; --token=false for a dotenv-only project (default: when a vsync.toml with an env is found from the root up, or --credentials or --secret is given)"},
			&cli.StringFlag{Name: "one-off", Value: "release", Usage: "`TYPES` (comma-separated) that run once to completion: oneshot, no autorestart, a kubernetes Job"},
		},
		Action: func(c *cli.Context) error {
			a, err := args(c, 2, 2, "[flags] systemd|supervisord|kubernetes DIR")
			if err != nil {
				return err
			}
			var token *bool
			switch {
			case c.IsSet("token"):
				t := c.Bool("token")
				token = &t
			case c.IsSet("credentials") || c.IsSet("secret"):
				t := true
				token = &t
			}
			var oneOff []string
			if s := c.String("one-off"); s != "" {
				oneOff = strings.Split(s, ",")
			}
			return runExport(sys, exportOptions{
				Format: a[0], Dir: a[1],
				Procfile:    procfilePath(c),
				Root:        c.String("root"),
				App:         c.String("app"),
				Port:        c.String("port"),
				Concurrency: c.String("concurrency"),
				User:        c.String("user"),
				Vsync:       c.String("vsync"),
				CredDir:     c.String("credentials"),
				Image:       c.String("image"),
				Secret:      c.String("secret"),
				PassToken:   token,
				OneOff:      oneOff,
				CheckOneOff: c.IsSet("one-off"),
			})
		},
	}
}

// exportFile is one file runExport writes.
type exportFile struct {
	name, content string
}

// runExport is `vsync export`.
func runExport(sys *sysEnv, o exportOptions) error {
	var gen func(exportPlan) []exportFile
	switch o.Format {
	case "systemd":
		gen = exportSystemd
	case "supervisord":
		gen = exportSupervisord
	case "kubernetes":
		gen = exportKubernetes
	default:
		return usageErrorf("unknown export format %q (want systemd, supervisord or kubernetes)", o.Format)
	}
	plan, err := procfile.ReadPlan(o.Procfile, o.Concurrency, nil)
	if err != nil {
		return err
	}
	base, err := procfile.ParsePort(o.Port)
	if err != nil {
		return usageErrorf("-p: %w", err)
	}
	instances, err := procfile.Instances(plan.Procfile, plan.Formation, nil, base)
	if err != nil {
		return usageErrorf("%w", err)
	}
	root := o.Root
	if root == "" {
		root = filepath.Dir(o.Procfile)
	}
	if root, err = filepath.Abs(root); err != nil {
		return err
	}
	app := o.App
	if app == "" {
		app = filepath.Base(root)
	}
	if !procfile.ValidName(app) {
		return usageErrorf("app name %q: use letters, digits, '_' and '-' (-a NAME)", app)
	}
	oneOff := map[string]bool{}
	for _, t := range o.OneOff {
		if o.CheckOneOff && !slices.ContainsFunc(plan.Procfile.Entries, func(e procfile.Entry) bool { return e.Name == t }) {
			// Named on purpose: a typo must not leave a migration
			// restarting forever.
			return usageErrorf("--one-off: no type %q in the Procfile %q", t, o.Procfile)
		}
		oneOff[t] = true
	}
	token, err := exportToken(o.PassToken, root)
	if err != nil {
		return err
	}
	ep := exportPlan{exportOptions: o, App: app, Root: root, Base: base, PF: plan.Procfile, Formation: plan.Formation,
		Instances: instances, Token: token, OneOffTypes: oneOff}
	if ep.CredDir == "" {
		ep.CredDir = "/etc/vsync/" + app
	}
	if ep.Image == "" {
		ep.Image = app + ":latest"
	}
	if ep.Secret == "" {
		ep.Secret = app + "-vsync"
	}
	files := gen(ep)
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return fmt.Errorf("export directory %q: %w", o.Dir, err)
	}
	for _, f := range files {
		p := filepath.Join(o.Dir, f.name)
		// A new temporary file renamed over p: a symlink planted at p is
		// replaced, never followed.
		if err := workspace.WriteFileAtomic(p, []byte(f.content), 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(sys.Stdout, "wrote %s\n", p)
	}
	return nil
}

// exportToken reports whether the units pass a runtime token and a
// passphrase: as told, else when a vsync.toml recording an env is found
// from root up (the project has a vault). Without one, vsync run reads the
// root's .env, and a credential naming a file that never exists would
// keep a systemd unit from starting at all.
func exportToken(told *bool, root string) (bool, error) {
	if told != nil {
		return *told, nil
	}
	p, err := workspace.FindProject(root)
	if errors.Is(err, workspace.ErrNoProject) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return len(p.Config.Envs) > 0, nil
}

// exportPlan is what the generators work from.
type exportPlan struct {
	exportOptions
	App         string
	Root        string
	Base        int
	PF          *procfile.Procfile
	Formation   map[string]int
	Instances   []procfile.Instance
	Token       bool            // pass the token and passphrase
	OneOffTypes map[string]bool // types that run once to completion
}

// exportSystemd writes APP-TYPE-N.service per instance and APP.target.
// A one-off instance is a Type=oneshot unit the others are ordered after.
func exportSystemd(p exportPlan) []exportFile {
	var files []exportFile
	var units, oneOffs []string
	unitName := func(in procfile.Instance) string { return fmt.Sprintf("%s-%s-%d.service", p.App, in.Type, in.Num) }
	for _, in := range p.Instances {
		if p.OneOffTypes[in.Type] {
			oneOffs = append(oneOffs, unitName(in))
		}
	}
	for _, in := range p.Instances {
		unit := unitName(in)
		units = append(units, unit)
		oneOff := p.OneOffTypes[in.Type]
		var b strings.Builder
		fmt.Fprintf(&b, "[Unit]\nDescription=%s %s (vsync run)\nPartOf=%s.target\nAfter=network-online.target\nWants=network-online.target\n", p.App, in.Name, p.App)
		if !oneOff && len(oneOffs) > 0 {
			// As Heroku's release phase: started together, the
			// long-running units wait for the one-off ones to finish.
			fmt.Fprintf(&b, "After=%s\n", strings.Join(oneOffs, " "))
		}
		if oneOff {
			b.WriteString("\n[Service]\nType=oneshot\n")
		} else {
			b.WriteString("\n[Service]\nType=simple\n")
		}
		if p.User != "" {
			fmt.Fprintf(&b, "User=%s\n", p.User)
		}
		fmt.Fprintf(&b, "WorkingDirectory=%s\n", systemdEscape(p.Root))
		fmt.Fprintf(&b, "Environment=PORT=%d\nEnvironment=PS=%s\n", in.Port, in.Name)
		if p.Token {
			// The token and passphrase reach vsync as systemd
			// credentials: files under $CREDENTIALS_DIRECTORY (%d),
			// never in this text.
			fmt.Fprintf(&b, "LoadCredential=vsync-config:%s\n", systemdEscape(filepath.Join(p.CredDir, "vsync-config")))
			fmt.Fprintf(&b, "LoadCredential=vsync-passphrase:%s\n", systemdEscape(filepath.Join(p.CredDir, "vsync-passphrase")))
			b.WriteString("Environment=VSYNC_CONFIG_FILE=%d/vsync-config\n")
			b.WriteString("Environment=VSYNC_PASSPHRASE_FILE=%d/vsync-passphrase\n")
		}
		fmt.Fprintf(&b, "ExecStart=%s\n", systemdArgs(p.Vsync, "run", "--", "/bin/sh", "-c", in.Command))
		if !oneOff {
			b.WriteString("Restart=always\nRestartSec=1\n")
		}
		b.WriteString("KillMode=mixed\nTimeoutStopSec=15\n")
		fmt.Fprintf(&b, "\n[Install]\nWantedBy=%s.target\n", p.App)
		files = append(files, exportFile{unit, b.String()})
	}
	var t strings.Builder
	fmt.Fprintf(&t, "[Unit]\nDescription=%s (vsync)\n", p.App)
	if len(units) > 0 {
		fmt.Fprintf(&t, "Wants=%s\n", strings.Join(units, " "))
	}
	t.WriteString("\n[Install]\nWantedBy=multi-user.target\n")
	files = append(files, exportFile{p.App + ".target", t.String()})
	return files
}

// systemdEscape escapes the specifier character % for a unit file value.
func systemdEscape(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// systemdArgs quotes a command line for ExecStart: each word in double
// quotes with \ and " escaped, $ and % doubled so that systemd substitutes
// neither variables nor specifiers.
func systemdArgs(words ...string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `$$`, `%`, `%%`)
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = `"` + r.Replace(w) + `"`
	}
	return strings.Join(q, " ")
}

// exportSupervisord writes APP.conf: a program per type, numprocs from the
// formation, and a group.
func exportSupervisord(p exportPlan) []exportFile {
	var b strings.Builder
	var programs []string
	for i, e := range p.PF.Entries {
		n := p.Formation[e.Name]
		if n == 0 {
			continue
		}
		prog := p.App + "-" + e.Name
		programs = append(programs, prog)
		first := procfile.Port(p.Base, i, 1)
		// supervisord knows only process_num (1..n): a small shell
		// computes PORT and PS from it, and the Procfile command reaches
		// the inner shell as $0, with no second level of quoting.
		script := fmt.Sprintf(`export PORT=$((%d + %%(process_num)d - 1)) PS=%s.%%(process_num)d; exec "$1" run -- /bin/sh -c "$0"`, first, e.Name)
		command := "/bin/sh -c " + shQuote(script) + " " + shQuote(supervisorEscape(e.Command)) + " " + shQuote(supervisorEscape(p.Vsync))
		fmt.Fprintf(&b, "[program:%s]\n", prog)
		fmt.Fprintf(&b, "command=%s\n", command)
		fmt.Fprintf(&b, "process_name=%%(program_name)s-%%(process_num)d\nnumprocs=%d\nnumprocs_start=1\n", n)
		fmt.Fprintf(&b, "directory=%s\n", supervisorEscape(p.Root))
		if p.User != "" {
			fmt.Fprintf(&b, "user=%s\n", p.User)
		}
		if p.Token {
			fmt.Fprintf(&b, "environment=VSYNC_CONFIG_FILE=%s,VSYNC_PASSPHRASE_FILE=%s\n",
				supervisorValue(filepath.Join(p.CredDir, "vsync-config")), supervisorValue(filepath.Join(p.CredDir, "vsync-passphrase")))
		}
		if p.OneOffTypes[e.Name] {
			// Runs once; an exit 0 however soon is success, not FATAL.
			b.WriteString("autostart=true\nautorestart=false\nstartsecs=0\nexitcodes=0\n")
		} else {
			b.WriteString("autostart=true\nautorestart=true\n")
		}
		b.WriteString("stopsignal=TERM\nstopwaitsecs=15\nstopasgroup=true\nkillasgroup=true\nredirect_stderr=true\n\n")
	}
	if len(programs) > 0 {
		fmt.Fprintf(&b, "[group:%s]\nprograms=%s\n", p.App, strings.Join(programs, ","))
	}
	return []exportFile{{p.App + ".conf", b.String()}}
}

// shQuote quotes s for /bin/sh (and supervisord's shlex) in single quotes.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }

// supervisorEscape doubles % so that supervisord's %(name)s expansion
// leaves s alone.
func supervisorEscape(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// supervisorValue is s as a quoted value of environment=.
func supervisorValue(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(supervisorEscape(s)) + `"`
}

// exportKubernetes writes APP-TYPE.yaml: a Deployment per type, or a Job
// for a one-off type.
func exportKubernetes(p exportPlan) []exportFile {
	var files []exportFile
	for i, e := range p.PF.Entries {
		name := strings.ToLower(strings.ReplaceAll(p.App+"-"+e.Name, "_", "-"))
		port := procfile.Port(p.Base, i, 1)
		n := p.Formation[e.Name]
		oneOff := p.OneOffTypes[e.Name]
		var b strings.Builder
		if oneOff {
			b.WriteString("apiVersion: batch/v1\nkind: Job\n")
		} else {
			b.WriteString("apiVersion: apps/v1\nkind: Deployment\n")
		}
		fmt.Fprintf(&b, "metadata:\n  name: %s\n  labels:\n    app: %s\n    process: %s\n", yq(name), yq(p.App), yq(e.Name))
		if oneOff {
			// Runs to completion once, never again after a failure;
			// the pod template's labels suffice (Kubernetes makes the
			// selector).
			if n == 0 {
				fmt.Fprintf(&b, "spec:\n  suspend: true\n  completions: 1\n  parallelism: 1\n")
			} else {
				fmt.Fprintf(&b, "spec:\n  completions: %d\n  parallelism: %d\n", n, n)
			}
			b.WriteString("  backoffLimit: 0\n")
		} else {
			fmt.Fprintf(&b, "spec:\n  replicas: %d\n  selector:\n    matchLabels:\n      app: %s\n      process: %s\n", n, yq(p.App), yq(e.Name))
		}
		fmt.Fprintf(&b, "  template:\n    metadata:\n      labels:\n        app: %s\n        process: %s\n", yq(p.App), yq(e.Name))
		b.WriteString("    spec:\n")
		if oneOff {
			b.WriteString("      restartPolicy: Never\n")
		}
		fmt.Fprintf(&b, "      containers:\n        - name: %s\n          image: %s\n", yq(strings.ToLower(strings.ReplaceAll(e.Name, "_", "-"))), yq(p.Image))
		// Kubernetes expands $(VAR) in command; $$ keeps a "$(" for sh.
		fmt.Fprintf(&b, "          command: [%s, \"run\", \"--\", \"/bin/sh\", \"-c\", %s]\n", yq(p.Vsync), yq(strings.ReplaceAll(e.Command, "$(", "$$(")))
		b.WriteString("          env:\n")
		fmt.Fprintf(&b, "            - name: PORT\n              value: %s\n", yq(strconv.Itoa(port)))
		fmt.Fprintf(&b, "            - name: PS\n              value: %s\n", yq(e.Name))
		if p.Token {
			for _, kv := range [][2]string{{"VSYNC_CONFIG", "config"}, {"VSYNC_PASSPHRASE", "passphrase"}} {
				fmt.Fprintf(&b, "            - name: %s\n              valueFrom:\n                secretKeyRef:\n                  name: %s\n                  key: %s\n", kv[0], yq(p.Secret), kv[1])
			}
		}
		if e.Name == "web" {
			fmt.Fprintf(&b, "          ports:\n            - containerPort: %d\n", port)
		}
		files = append(files, exportFile{p.App + "-" + e.Name + ".yaml", b.String()})
	}
	return files
}

// yq quotes s as a YAML double-quoted scalar (JSON strings are YAML).
func yq(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
