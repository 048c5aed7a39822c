package export

import (
	"errors"
	"fmt"

	"vsync/procfile"
)

// ErrUnknownFormat is wrapped by the error of a format that is not one of
// Systemd, Supervisord and Kubernetes.
var ErrUnknownFormat = errors.New("unknown export format")

// Format is the kind of service definitions to write.
type Format string

// The formats.
const (
	Systemd     Format = "systemd"
	Supervisord Format = "supervisord"
	Kubernetes  Format = "kubernetes"
)

// ParseFormat checks the name of a format; an unknown one gives an error
// wrapping ErrUnknownFormat.
func ParseFormat(name string) (Format, error) {
	switch f := Format(name); f {
	case Systemd, Supervisord, Kubernetes:
		return f, nil
	}
	return "", fmt.Errorf("%w %q (want systemd, supervisord or kubernetes)", ErrUnknownFormat, name)
}

// Plan is what is exported: the types of a Procfile, the count of each,
// and their instances with PORT and PS.
type Plan struct {
	pf        *procfile.Procfile
	formation map[string]int
	base      int
	instances []procfile.Instance
}

// NewPlan is the plan of every type of p by its formation, PORT counted
// from base as `vsync start` counts it (p's selection is not used). An
// instance whose port would pass 65535 gives an error wrapping
// procfile.ErrBadPort.
func NewPlan(p *procfile.Plan, base int) (*Plan, error) {
	instances, err := procfile.Instances(p.Procfile, p.Formation, nil, base)
	if err != nil {
		return nil, err
	}
	return &Plan{pf: p.Procfile, formation: p.Formation, base: base, instances: instances}, nil
}

// Options are the choices that the plan does not make.
type Options struct {
	// App prefixes every unit, program and object; letters, digits, '_'
	// and '-' (procfile.ValidName).
	App string
	// Root is the processes' working directory, absolute.
	Root string
	// User runs the processes (systemd, supervisord); empty: the
	// manager's default.
	User string
	// Vsync is the path of vsync on the target.
	Vsync string
	// CredDir holds the files vsync-config and vsync-passphrase (systemd,
	// supervisord); empty: /etc/vsync/APP.
	CredDir string
	// Image is the container image (kubernetes); empty: APP:latest.
	Image string
	// Secret names the Secret with the keys config and passphrase
	// (kubernetes); empty: APP-vsync.
	Secret string
	// Token passes the runtime token and the passphrase; without it the
	// definitions name no credential (a dotenv-only project).
	Token bool
	// OneOff are the types that run once to completion.
	OneOff []string
}

// File is one file of an export: its name in the export directory and its
// content.
type File struct {
	Name string
	Data []byte
}

// job is what the renderers work from.
type job struct {
	*Plan
	Options
	oneOff map[string]bool
}

// Render returns the files of format f for p.
func Render(f Format, p *Plan, o Options) ([]File, error) {
	j := &job{Plan: p, Options: o, oneOff: map[string]bool{}}
	for _, t := range o.OneOff {
		j.oneOff[t] = true
	}
	if j.CredDir == "" {
		j.CredDir = "/etc/vsync/" + j.App
	}
	if j.Image == "" {
		j.Image = j.App + ":latest"
	}
	if j.Secret == "" {
		j.Secret = j.App + "-vsync"
	}
	switch f {
	case Systemd:
		return systemd(j), nil
	case Supervisord:
		return supervisord(j), nil
	case Kubernetes:
		return kubernetes(j), nil
	}
	_, err := ParseFormat(string(f))
	return nil, err
}
