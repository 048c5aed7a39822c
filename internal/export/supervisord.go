package export

import (
	"fmt"
	"path/filepath"
	"strings"

	"vsync/procfile"
)

// supervisord writes APP.conf: a program per type, numprocs from the
// formation, and a group.
func supervisord(p *job) []File {
	var b strings.Builder
	var programs []string
	for i, e := range p.pf.Entries {
		n := p.formation[e.Name]
		if n == 0 {
			continue
		}
		prog := p.App + "-" + e.Name
		programs = append(programs, prog)
		first := procfile.Port(p.base, i, 1)
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
		if p.oneOff[e.Name] {
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
	return []File{{Name: p.App + ".conf", Data: []byte(b.String())}}
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
