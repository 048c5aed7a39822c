package procfile_test

import (
	"fmt"
	"strings"

	"vsync/procfile"
)

func ExampleParse() {
	pf, err := procfile.Parse(strings.NewReader(`# processes
web: gunicorn app.wsgi --bind 0.0.0.0:$PORT
worker: celery -A app worker 2>&1 | tee worker.log
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	formation, _ := procfile.ParseFormation("web=2,all=1", pf, nil)
	instances, _ := procfile.Instances(pf, formation, nil, 5000)
	for _, in := range instances {
		argv, _ := in.Argv(append([]string{"HOME=/root"}, in.Environ()...))
		fmt.Printf("%s PORT=%d %q\n", in.Name, in.Port, argv)
	}

	_, err = procfile.Parse(strings.NewReader("web: ok\nweb server: no\n  worker: indented\n"))
	fmt.Println(err)
	// Output:
	// web.1 PORT=5000 ["gunicorn" "app.wsgi" "--bind" "0.0.0.0:5000"]
	// web.2 PORT=5001 ["gunicorn" "app.wsgi" "--bind" "0.0.0.0:5001"]
	// worker.1 PORT=5100 ["/bin/sh" "-c" "celery -A app worker 2>&1 | tee worker.log"]
	// line 2: invalid character ' ' in process name (allowed: letters, digits, '_' and '-')
	// line 3: process name must start at the beginning of the line
}
