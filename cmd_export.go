package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"vsync/internal/export"
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
replaced, never followed.`

func exportCommand(sys *world) *cli.Command {
	return &cli.Command{
		Name:        "export",
		Usage:       "write systemd, supervisord or kubernetes definitions running each process under vsync run",
		UsageText:   "vsync export [flags] systemd|supervisord|kubernetes DIR",
		Description: exportDescription + "\n\n" + exitCodesHelpFor("0", "1", "64", "65", "66", "78"),
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
			ch := export.Choices{Procfile: procfilePath(c), Root: c.String("root"), App: c.String("app"),
				User: c.String("user"), Vsync: c.String("vsync"), CredDir: c.String("credentials"),
				Image: c.String("image"), Secret: c.String("secret"), CheckOneOff: c.IsSet("one-off")}
			if c.IsSet("token") || c.IsSet("credentials") || c.IsSet("secret") {
				t := !c.IsSet("token") || c.Bool("token")
				ch.Token = &t
			}
			if s := c.String("one-off"); s != "" {
				ch.OneOff = strings.Split(s, ",")
			}
			return runExport(sys, exportOptions{Format: a[0], Dir: a[1], Port: c.String("port"), Concurrency: c.String("concurrency"), Choices: ch})
		},
	}
}

// exportOptions are the flags of `vsync export`.
type exportOptions struct {
	Format, Dir       string
	Port, Concurrency string
	export.Choices
}

// runExport is `vsync export`.
func runExport(sys *world, o exportOptions) error {
	format, err := export.ParseFormat(o.Format)
	if err != nil {
		return err
	}
	plan, err := procfile.ReadPlan(o.Procfile, o.Concurrency, nil)
	if err != nil {
		return err
	}
	base, err := basePort(o.Port)
	if err != nil {
		return err
	}
	ep, err := export.NewPlan(plan, base)
	if err != nil {
		return err
	}
	eo, err := export.NewOptions(o.Choices, plan.Procfile, workspace.HasVault)
	if err != nil {
		return err
	}
	files, err := export.Render(format, ep, eo)
	if err != nil {
		return err
	}
	written, err := export.Write(o.Dir, files)
	for _, p := range written {
		fmt.Fprintf(sys.Stdout, "wrote %s\n", p)
	}
	return err
}
