package export

import (
	"fmt"
	"path/filepath"
	"strings"

	"vsync/procfile"
)

// systemd writes APP-TYPE-N.service per instance and APP.target.
// A one-off instance is a Type=oneshot unit the others are ordered after.
func systemd(p *job) []File {
	var files []File
	var units, oneOffs []string
	unitName := func(in procfile.Instance) string { return fmt.Sprintf("%s-%s-%d.service", p.App, in.Type, in.Num) }
	for _, in := range p.instances {
		if p.oneOff[in.Type] {
			oneOffs = append(oneOffs, unitName(in))
		}
	}
	for _, in := range p.instances {
		unit := unitName(in)
		units = append(units, unit)
		oneOff := p.oneOff[in.Type]
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
		files = append(files, File{Name: unit, Data: []byte(b.String())})
	}
	var t strings.Builder
	fmt.Fprintf(&t, "[Unit]\nDescription=%s (vsync)\n", p.App)
	if len(units) > 0 {
		fmt.Fprintf(&t, "Wants=%s\n", strings.Join(units, " "))
	}
	t.WriteString("\n[Install]\nWantedBy=multi-user.target\n")
	files = append(files, File{Name: p.App + ".target", Data: []byte(t.String())})
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
