package export

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"vsync/procfile"
)

// kubernetes writes APP-TYPE.yaml: a Deployment per type, or a Job
// for a one-off type.
func kubernetes(p *job) []File {
	var files []File
	for i, e := range p.pf.Entries {
		name := strings.ToLower(strings.ReplaceAll(p.App+"-"+e.Name, "_", "-"))
		port := procfile.Port(p.base, i, 1)
		n := p.formation[e.Name]
		oneOff := p.oneOff[e.Name]
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
		files = append(files, File{Name: p.App + "-" + e.Name + ".yaml", Data: []byte(b.String())})
	}
	return files
}

// yq quotes s as a YAML double-quoted scalar (JSON strings are YAML).
func yq(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
