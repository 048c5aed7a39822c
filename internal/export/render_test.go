package export

import (
	"errors"
	"strings"
	"testing"

	"vsync/procfile"
)

func testPlan(t *testing.T, text, spec string) *Plan {
	t.Helper()
	pf, err := procfile.Parse(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	formation, err := procfile.ParseFormation(spec, pf, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(&procfile.Plan{Procfile: pf, Formation: formation}, 5000)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{Systemd, Supervisord, Kubernetes} {
		if got, err := ParseFormat(string(f)); got != f || err != nil {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	_, err := ParseFormat("upstart")
	if !errors.Is(err, ErrUnknownFormat) || err.Error() != `unknown export format "upstart" (want systemd, supervisord or kubernetes)` {
		t.Errorf("upstart: %v", err)
	}
}

func TestRenderNamesAndDefaults(t *testing.T) {
	p := testPlan(t, "web: serve\nrelease: migrate\n", "web=2,release=1")
	o := Options{App: "shop", Root: "/srv/shop", Vsync: "/usr/local/bin/vsync", Token: true, OneOff: []string{"release"}}
	names := func(files []File) string {
		var n []string
		for _, f := range files {
			n = append(n, f.Name)
		}
		return strings.Join(n, " ")
	}
	for _, c := range []struct {
		f     Format
		names string
		has   string // the default that o leaves to Render
	}{
		{Systemd, "shop-web-1.service shop-web-2.service shop-release-1.service shop.target", "LoadCredential=vsync-config:/etc/vsync/shop/vsync-config"},
		{Supervisord, "shop.conf", `VSYNC_CONFIG_FILE="/etc/vsync/shop/vsync-config"`},
		{Kubernetes, "shop-web.yaml shop-release.yaml", `image: "shop:latest"`},
	} {
		files, err := Render(c.f, p, o)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(files); got != c.names {
			t.Errorf("%s: files %q, want %q", c.f, got, c.names)
		}
		if !strings.Contains(string(files[0].Data), c.has) {
			t.Errorf("%s: %s has no %q:\n%s", c.f, files[0].Name, c.has, files[0].Data)
		}
	}
}

func TestQuoting(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{systemdArgs("a b", `q"\`, "$HOME", "100%"), `"a b" "q\"\\" "$$HOME" "100%%"`},
		{systemdEscape("/srv/50%"), "/srv/50%%"},
		{shQuote("it's"), `'it'"'"'s'`},
		{supervisorValue(`/c/%d"x`), `"/c/%%d\"x"`},
		{yq("a\"b\n"), `"a\"b\n"`},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}
