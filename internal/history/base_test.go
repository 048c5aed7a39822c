package history

import (
	"errors"
	"testing"
)

func TestCheckBase(t *testing.T) {
	var sb *StaleBaseError
	err := CheckBase("prod", Base{Gen: 1}, 2)
	if !errors.As(err, &sb) || err.Error() != `env "prod" is based on generation 1 but the vault is at generation 2` {
		t.Errorf("behind: %v", err)
	}
	err = CheckBase("prod", Base{Gen: 3, Record: "state.json"}, 2)
	if !errors.As(err, &sb) || sb.Record != "state.json" || err.Error() != `env "prod" is based on generation 3 but the vault has only 2` {
		t.Errorf("ahead: %v", err)
	}
	var ue *UnchangedError
	err = CheckBase("prod", Base{Gen: 2, Unchanged: true}, 2)
	if !errors.As(err, &ue) || err.Error() != `nothing changed in env "prod" since generation 2; nothing pushed` {
		t.Errorf("unchanged: %v", err)
	}
	if err := CheckBase("prod", Base{Gen: 0, Unchanged: true}, 0); err != nil {
		t.Errorf("first push: %v", err)
	}
	if err := CheckBase("prod", Base{Gen: 2}, 2); err != nil {
		t.Errorf("changed: %v", err)
	}
}
