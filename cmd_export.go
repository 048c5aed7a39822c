package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

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
                (keys "config" and "passphrase") by secretKeyRef

-c and PORT follow the rules of "vsync start": a -c that names some types
gives the others none unless it has all=N (-c web=2 exports two web
instances and nothing else; kubernetes writes replicas: 0 for the others);
PORT is -p + 100 per type + 1 per instance; PS is the instance name
("web.1"; the type under kubernetes, where replicas are alike). With -d DIR
and no -f, the Procfile is DIR/Procfile. Each file is written to a new
temporary file in DIR and renamed into place: a symlink at its name is
replaced, never followed.

Exit codes: 64 bad flags, unknown format or process; 65 malformed Procfile
(every bad line); 66 Procfile missing; 1 DIR cannot be written.`

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
		},
		Action: func(c *cli.Context) error {
			a, err := args(c, 2, 2, "[flags] systemd|supervisord|kubernetes DIR")
			if err != nil {
				return err
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
	plan, err := planStart(o.Procfile, o.Concurrency, nil)
	if err != nil {
		return reportProcfileErrors(sys, err)
	}
	base, err := procfile.ParsePort(o.Port)
	if err != nil {
		return usageErrorf("-p: %w", err)
	}
	instances, err := procfile.Instances(plan.pf, plan.formation, nil, base)
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
	ep := exportPlan{exportOptions: o, App: app, Root: root, Base: base, PF: plan.pf, Formation: plan.formation, Instances: instances}
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
		if err := writeFileAtomic(p, []byte(f.content), 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(sys.Stdout, "wrote %s\n", p)
	}
	return nil
}

// exportPlan is what the generators work from.
type exportPlan struct {
	exportOptions
	App       string
	Root      string
	Base      int
	PF        *procfile.Procfile
	Formation map[string]int
	Instances []procfile.Instance
}

// exportSystemd writes APP-TYPE-N.service per instance and APP.target.
func exportSystemd(p exportPlan) []exportFile {
	var files []exportFile
	var units []string
	for _, in := range p.Instances {
		unit := fmt.Sprintf("%s-%s-%d.service", p.App, in.Type, in.Num)
		units = append(units, unit)
		var b strings.Builder
		fmt.Fprintf(&b, "[Unit]\nDescription=%s %s (vsync run)\nPartOf=%s.target\nAfter=network-online.target\nWants=network-online.target\n\n", p.App, in.Name, p.App)
		b.WriteString("[Service]\nType=simple\n")
		if p.User != "" {
			fmt.Fprintf(&b, "User=%s\n", p.User)
		}
		fmt.Fprintf(&b, "WorkingDirectory=%s\n", systemdEscape(p.Root))
		fmt.Fprintf(&b, "Environment=PORT=%d\nEnvironment=PS=%s\n", in.Port, in.Name)
		// The token and passphrase reach vsync as systemd credentials:
		// files under $CREDENTIALS_DIRECTORY (%d), never in this text.
		fmt.Fprintf(&b, "LoadCredential=vsync-config:%s\n", systemdEscape(filepath.Join(p.CredDir, "vsync-config")))
		fmt.Fprintf(&b, "LoadCredential=vsync-passphrase:%s\n", systemdEscape(filepath.Join(p.CredDir, "vsync-passphrase")))
		b.WriteString("Environment=VSYNC_CONFIG_FILE=%d/vsync-config\n")
		b.WriteString("Environment=VSYNC_PASSPHRASE_FILE=%d/vsync-passphrase\n")
		fmt.Fprintf(&b, "ExecStart=%s\n", systemdArgs(p.Vsync, "run", "--", "/bin/sh", "-c", in.Command))
		b.WriteString("Restart=always\nRestartSec=1\nKillMode=mixed\nTimeoutStopSec=15\n")
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
		fmt.Fprintf(&b, "environment=VSYNC_CONFIG_FILE=%s,VSYNC_PASSPHRASE_FILE=%s\n",
			supervisorValue(filepath.Join(p.CredDir, "vsync-config")), supervisorValue(filepath.Join(p.CredDir, "vsync-passphrase")))
		b.WriteString("autostart=true\nautorestart=true\nstopsignal=TERM\nstopwaitsecs=15\nstopasgroup=true\nkillasgroup=true\nredirect_stderr=true\n\n")
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

// exportKubernetes writes APP-TYPE.yaml: a Deployment per type.
func exportKubernetes(p exportPlan) []exportFile {
	var files []exportFile
	for i, e := range p.PF.Entries {
		name := strings.ToLower(strings.ReplaceAll(p.App+"-"+e.Name, "_", "-"))
		port := procfile.Port(p.Base, i, 1)
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  labels:\n    app: %s\n    process: %s\n", yq(name), yq(p.App), yq(e.Name))
		fmt.Fprintf(&b, "spec:\n  replicas: %d\n  selector:\n    matchLabels:\n      app: %s\n      process: %s\n", p.Formation[e.Name], yq(p.App), yq(e.Name))
		fmt.Fprintf(&b, "  template:\n    metadata:\n      labels:\n        app: %s\n        process: %s\n", yq(p.App), yq(e.Name))
		fmt.Fprintf(&b, "    spec:\n      containers:\n        - name: %s\n          image: %s\n", yq(strings.ToLower(strings.ReplaceAll(e.Name, "_", "-"))), yq(p.Image))
		// Kubernetes expands $(VAR) in command; $$ keeps a "$(" for sh.
		fmt.Fprintf(&b, "          command: [%s, \"run\", \"--\", \"/bin/sh\", \"-c\", %s]\n", yq(p.Vsync), yq(strings.ReplaceAll(e.Command, "$(", "$$(")))
		b.WriteString("          env:\n")
		fmt.Fprintf(&b, "            - name: PORT\n              value: %s\n", yq(strconv.Itoa(port)))
		fmt.Fprintf(&b, "            - name: PS\n              value: %s\n", yq(e.Name))
		for _, kv := range [][2]string{{"VSYNC_CONFIG", "config"}, {"VSYNC_PASSPHRASE", "passphrase"}} {
			fmt.Fprintf(&b, "            - name: %s\n              valueFrom:\n                secretKeyRef:\n                  name: %s\n                  key: %s\n", kv[0], yq(p.Secret), kv[1])
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
