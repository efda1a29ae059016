//go:build robotgo

package input

import (
	"testing"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// TestRobotgoSmoke checks the cgo fallback end to end. It uses the shared
// Xvfb because robotgo keeps its first display for the whole process.
func TestRobotgoSmoke(t *testing.T) {
	display := sharedDisplay(t)
	w := newTestWindow(t, display)
	inj, err := Open(WithX11Display(display), WithBackend(BackendRobotgo))
	if err != nil {
		t.Fatal(err)
	}
	defer inj.Close()
	if err := inj.MouseMove(321, 123); err != nil {
		t.Fatal(err)
	}
	w.next(t, "MotionNotify at 321,123", func(ev xgb.Event) bool {
		m, ok := ev.(xproto.MotionNotifyEvent)
		return ok && m.RootX == 321 && m.RootY == 123
	})
	for _, down := range []bool{true, false} {
		if err := inj.Key("KeyA", down); err != nil {
			t.Fatal(err)
		}
	}
	if ev := w.nextKey(t); !ev.press || w.keymap(t).lookup(ev.kc, ev.state) != 'a' {
		t.Errorf("got %+v, want a KeyPress of a", ev)
	}
	if err := inj.ReleaseAll(); err != nil {
		t.Fatal(err)
	}
}
