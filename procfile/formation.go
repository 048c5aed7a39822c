package procfile

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// DefaultBasePort is the base port when neither -p nor $PORT gives one.
const DefaultBasePort = 5000

// MaxInstances is the most instances of one type: the 101st would take the
// first port of the next type.
const MaxInstances = 100

// ErrUnknownProcess is wrapped by every error about a process name that is
// not in the Procfile.
var ErrUnknownProcess = errors.New("unknown process")

// ErrBadFormation is wrapped by every error about a malformed -c value.
var ErrBadFormation = errors.New("bad concurrency")

// ErrBadPort is wrapped by every error about a port.
var ErrBadPort = errors.New("bad port")

// ParseFormation reads a concurrency spec such as "web=2,worker=1" or
// "all=2,web=1" and returns the number of instances of every process type
// in pf. As in Foreman (whose formation is a Hash with default 0), a spec
// says everything that runs: a type it does not name runs "all" instances,
// or none when "all" is not given, so "web=2" runs two web and nothing
// else, and "web=2,all=1" runs the others once. The exception is a type in
// selected (named on the command line): when the spec gives it no count
// and no "all", it runs once, since naming it asks for it. An empty spec
// means one of each. A named type overrides "all" wherever it appears.
// Blanks around names, counts and commas are ignored, as Foreman does. A
// count is a decimal number from 0 to MaxInstances. Errors wrap
// ErrUnknownProcess or ErrBadFormation.
func ParseFormation(spec string, pf *Procfile, selected []string) (map[string]int, error) {
	def := 1
	given := map[string]int{}
	seen := map[string]bool{}
	if strings.TrimSpace(spec) != "" {
		def = 0
		for _, item := range strings.Split(spec, ",") {
			name, count, ok := strings.Cut(item, "=")
			name, count = strings.TrimSpace(name), strings.TrimSpace(count)
			if !ok || name == "" {
				return nil, fmt.Errorf("%w: %q is not NAME=COUNT", ErrBadFormation, strings.TrimSpace(item))
			}
			if seen[name] {
				return nil, fmt.Errorf("%w: %q given twice", ErrBadFormation, name)
			}
			seen[name] = true
			n, err := parseCount(name, count)
			if err != nil {
				return nil, err
			}
			if name == "all" {
				def = n
				continue
			}
			if _, i := pf.Lookup(name); i < 0 {
				return nil, fmt.Errorf("%w %q in concurrency (known: %s)", ErrUnknownProcess, name, strings.Join(pf.Names(), ", "))
			}
			given[name] = n
		}
	}
	if !seen["all"] {
		for _, n := range selected {
			if _, ok := given[n]; !ok {
				given[n] = 1
			}
		}
	}
	out := make(map[string]int, len(pf.Entries))
	for _, e := range pf.Entries {
		if n, ok := given[e.Name]; ok {
			out[e.Name] = n
		} else {
			out[e.Name] = def
		}
	}
	return out, nil
}

func parseCount(name, s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: no count for %q", ErrBadFormation, name)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			if s[0] == '-' {
				return 0, fmt.Errorf("%w: negative count %q for %q", ErrBadFormation, s, name)
			}
			return 0, fmt.Errorf("%w: count %q for %q is not a number", ErrBadFormation, s, name)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > MaxInstances {
		return 0, fmt.Errorf("%w: count %s for %q is more than %d", ErrBadFormation, s, name, MaxInstances)
	}
	return n, nil
}

// Select checks the process names given on the command line and returns
// them once each, in Procfile order. No names selects every type. An
// unknown name gives an error wrapping ErrUnknownProcess.
func (p *Procfile) Select(names []string) ([]string, error) {
	if len(names) == 0 {
		return p.Names(), nil
	}
	want := map[string]bool{}
	for _, n := range names {
		if _, i := p.Lookup(n); i < 0 {
			return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownProcess, n, strings.Join(p.Names(), ", "))
		}
		want[n] = true
	}
	var out []string
	for _, e := range p.Entries {
		if want[e.Name] {
			out = append(out, e.Name)
		}
	}
	return out, nil
}

// ParsePort reads a base port (from -p or $PORT): a decimal number from 1
// to 65535. Errors wrap ErrBadPort.
func ParsePort(s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil || strings.HasPrefix(s, "+") {
		return 0, fmt.Errorf("%w %q: not a number", ErrBadPort, s)
	}
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("%w %d: not between 1 and 65535", ErrBadPort, n)
	}
	return n, nil
}

// Port is Foreman's port rule: base + 100 × typeIndex + instance − 1, where
// typeIndex is the type's 0-based position in the Procfile and instance
// counts from 1.
func Port(base, typeIndex, instance int) int {
	return base + 100*typeIndex + instance - 1
}

// Instance is one process to start.
type Instance struct {
	Name    string // "web.1": type, '.', instance number
	Type    string // "web"
	Index   int    // the type's 0-based position in the Procfile
	Num     int    // instance number, from 1
	Port    int    // the PORT it gets
	Command string // the Procfile command, unexpanded
}

// Environ returns the variables Foreman gives each instance, to add to its
// environment: PORT and PS (the instance name).
func (in Instance) Environ() []string {
	return []string{"PORT=" + strconv.Itoa(in.Port), "PS=" + in.Name}
}

// Instances lists the processes to start: for each selected type, in
// Procfile order, formation[type] instances. selected nil means every type;
// names not in pf are ignored (Select checks them). A type missing from
// formation runs once. The ports are those of Port, so they do not depend
// on which types are selected. An instance whose port would pass 65535 gives
// an error wrapping ErrBadPort.
func Instances(pf *Procfile, formation map[string]int, selected []string, basePort int) ([]Instance, error) {
	want := map[string]bool{}
	for _, n := range selected {
		want[n] = true
	}
	var out []Instance
	for i, e := range pf.Entries {
		if selected != nil && !want[e.Name] {
			continue
		}
		count, ok := formation[e.Name]
		if !ok {
			count = 1
		}
		for num := 1; num <= count; num++ {
			in := Instance{
				Name:    e.Name + "." + strconv.Itoa(num),
				Type:    e.Name,
				Index:   i,
				Num:     num,
				Port:    Port(basePort, i, num),
				Command: e.Command,
			}
			if in.Port > 65535 || in.Port < 1 {
				return nil, fmt.Errorf("%w: %s would get port %d (base %d)", ErrBadPort, in.Name, in.Port, basePort)
			}
			out = append(out, in)
		}
	}
	return out, nil
}
