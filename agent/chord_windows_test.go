package agent

import "testing"

// ctrlAltDel sends the chord as the viewer's toolbar button does
// (TestSASRelay: on Windows the input backend turns it into the secure
// attention sequence).
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
