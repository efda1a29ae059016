package agent

import (
	"runtime"
	"testing"

	"github.com/tetherhq/tether/input"
)

type keyLog struct {
	input.Injector
	keys []string
}

func (k *keyLog) Key(code string, down bool) error {
	if down {
		code += "↓"
	} else {
		code += "↑"
	}
	k.keys = append(k.keys, code)
	return nil
}

// TestCtrlAltDelChord: the view passes the toolbar's chord to the input
// backend key by key, in order (on Windows the backend turns Delete into
// the secure attention sequence where it may).
func TestCtrlAltDelChord(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SendSAS decides there")
	}
	log := &keyLog{}
	j := &injector{Injector: log}
	ctrlAltDel(t, j)
	want := "ControlLeft↓ AltLeft↓ Delete↓ Delete↑ AltLeft↑ ControlLeft↑"
	if got := joinKeys(log.keys); got != want {
		t.Fatalf("keys %q, want %q", got, want)
	}
}

// ctrlAltDel sends the chord as the viewer's toolbar button does.
func ctrlAltDel(t *testing.T, j *injector) {
	t.Helper()
	for _, k := range []struct {
		code string
		down bool
	}{{"ControlLeft", true}, {"AltLeft", true}, {"Delete", true}, {"Delete", false}, {"AltLeft", false}, {"ControlLeft", false}} {
		if err := j.Key(k.code, k.down); err != nil {
			t.Fatal(err)
		}
	}
}

func joinKeys(k []string) string {
	s := ""
	for i, c := range k {
		if i > 0 {
			s += " "
		}
		s += c
	}
	return s
}
