package procfile

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, s string) *Procfile {
	t.Helper()
	pf, err := Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return pf
}

const threeTypes = "web: w\nworker: k\nclock: c\n"

func TestParseFormation(t *testing.T) {
	pf := mustParse(t, threeTypes)
	for _, tc := range []struct {
		spec string
		want map[string]int
	}{
		{"", map[string]int{"web": 1, "worker": 1, "clock": 1}},
		// As Foreman: what the spec does not name does not run, unless
		// all=N says otherwise.
		{"web=2,worker=1", map[string]int{"web": 2, "worker": 1, "clock": 0}},
		{" web = 3 , clock=0 ", map[string]int{"web": 3, "worker": 0, "clock": 0}},
		{"all=2", map[string]int{"web": 2, "worker": 2, "clock": 2}},
		{"web=1,all=0", map[string]int{"web": 1, "worker": 0, "clock": 0}},
		{"all=3,worker=1", map[string]int{"web": 3, "worker": 1, "clock": 3}},
		{"web=2,all=1", map[string]int{"web": 2, "worker": 1, "clock": 1}},
		{"web=100", map[string]int{"web": 100, "worker": 0, "clock": 0}},
	} {
		got, err := ParseFormation(tc.spec, pf, nil)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseFormation(%q) = %v, %v; want %v", tc.spec, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		spec string
		want error
	}{
		{"db=1", ErrUnknownProcess},
		{"web=-1", ErrBadFormation},
		{"web=two", ErrBadFormation},
		{"web=", ErrBadFormation},
		{"web", ErrBadFormation},
		{"=2", ErrBadFormation},
		{"web=1,,worker=1", ErrBadFormation},
		{"web=1,web=2", ErrBadFormation},
		{"web=101", ErrBadFormation},
		{"web=99999999999999999999", ErrBadFormation},
		{"web=+1", ErrBadFormation},
		{"web=1.5", ErrBadFormation},
	} {
		_, err := ParseFormation(tc.spec, pf, nil)
		if !errors.Is(err, tc.want) {
			t.Errorf("ParseFormation(%q) error = %v, want %v", tc.spec, err, tc.want)
		} else {
			t.Logf("%q: %v", tc.spec, err)
		}
	}
}

// A type named on the command line runs once when the spec gives it no
// count and no all=N; the spec still decides for every other type.
func TestParseFormationSelected(t *testing.T) {
	pf := mustParse(t, threeTypes)
	for _, tc := range []struct {
		spec     string
		selected []string
		want     map[string]int
	}{
		{"", []string{"worker"}, map[string]int{"web": 1, "worker": 1, "clock": 1}},
		{"web=2", []string{"worker"}, map[string]int{"web": 2, "worker": 1, "clock": 0}},
		{"worker=3", []string{"worker"}, map[string]int{"web": 0, "worker": 3, "clock": 0}},
		{"worker=0", []string{"worker"}, map[string]int{"web": 0, "worker": 0, "clock": 0}},
		{"all=2", []string{"worker"}, map[string]int{"web": 2, "worker": 2, "clock": 2}},
		{"all=0", []string{"worker"}, map[string]int{"web": 0, "worker": 0, "clock": 0}},
	} {
		got, err := ParseFormation(tc.spec, pf, tc.selected)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseFormation(%q, %q) = %v, %v; want %v", tc.spec, tc.selected, got, err, tc.want)
		}
	}
}

func TestSelect(t *testing.T) {
	pf := mustParse(t, threeTypes)
	got, err := pf.Select([]string{"clock", "web", "clock"})
	if err != nil || !reflect.DeepEqual(got, []string{"web", "clock"}) {
		t.Errorf("Select = %v, %v", got, err)
	}
	if got, _ := pf.Select(nil); !reflect.DeepEqual(got, []string{"web", "worker", "clock"}) {
		t.Errorf("Select(nil) = %v", got)
	}
	if _, err := pf.Select([]string{"web", "db"}); !errors.Is(err, ErrUnknownProcess) {
		t.Errorf("unknown: %v", err)
	}
}

// Foreman: base_port + (@processes.index(process) * 100) + (instance - 1).
func TestPort(t *testing.T) {
	for _, tc := range []struct{ base, index, instance, want int }{
		{5000, 0, 1, 5000},
		{5000, 0, 2, 5001},
		{5000, 1, 1, 5100},
		{5000, 2, 3, 5202},
		{3000, 0, 1, 3000},
		{8080, 4, 100, 8579},
	} {
		if got := Port(tc.base, tc.index, tc.instance); got != tc.want {
			t.Errorf("Port(%d, %d, %d) = %d, want %d", tc.base, tc.index, tc.instance, got, tc.want)
		}
	}
}

func TestInstancesStablePorts(t *testing.T) {
	pf := mustParse(t, threeTypes)
	formation, err := ParseFormation("web=2,clock=2,worker=1", pf, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, err := Instances(pf, formation, nil, 5000)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	ports := map[string]int{}
	for _, in := range all {
		got = append(got, in.Name)
		ports[in.Name] = in.Port
	}
	if want := []string{"web.1", "web.2", "worker.1", "clock.1", "clock.2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("names %v, want %v", got, want)
	}
	if want := map[string]int{"web.1": 5000, "web.2": 5001, "worker.1": 5100, "clock.1": 5200, "clock.2": 5201}; !reflect.DeepEqual(ports, want) {
		t.Errorf("ports %v, want %v", ports, want)
	}
	// Only clock: it keeps its ports (Honcho would give it 5000).
	some, _ := Instances(pf, formation, []string{"clock"}, 5000)
	if len(some) != 2 || some[0].Port != 5200 || some[1].Port != 5201 || some[0].Index != 2 || some[1].Num != 2 {
		t.Errorf("clock only: %+v", some)
	}
	if env := some[1].Environ(); !reflect.DeepEqual(env, []string{"PORT=5201", "PS=clock.2"}) {
		t.Errorf("Environ = %v", env)
	}
	if _, err := Instances(pf, formation, nil, 65400); !errors.Is(err, ErrBadPort) {
		t.Errorf("port overflow: %v", err)
	}
}

func TestParsePort(t *testing.T) {
	for s, want := range map[string]int{"5000": 5000, " 1 ": 1, "65535": 65535} {
		if got, err := ParsePort(s); err != nil || got != want {
			t.Errorf("ParsePort(%q) = %d, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "0", "-1", "65536", "abc", "50.0", "+80", "0x50"} {
		if _, err := ParsePort(s); !errors.Is(err, ErrBadPort) {
			t.Errorf("ParsePort(%q) = %v, want ErrBadPort", s, err)
		}
	}
}
