package capture

import (
	"testing"

	"golang.org/x/sys/windows"
)

// TestDisplayFromMonitor covers a layout Wine cannot show (its Xvfb has one
// monitor): a secondary monitor left of and above the primary, in
// virtual-desktop coordinates.
func TestDisplayFromMonitor(t *testing.T) {
	mk := func(l, t, r, b int32, primary bool, dev string) *monitorInfoEx {
		mi := &monitorInfoEx{Monitor: winRect{l, t, r, b}}
		if primary {
			mi.Flags = monitorinfofPrimary
		}
		name, _ := windows.UTF16FromString(dev)
		copy(mi.Device[:], name)
		return mi
	}
	ds := []Display{
		displayFromMonitor(0, mk(-2560, -360, 0, 1080, false, `\\.\DISPLAY2`)),
		displayFromMonitor(1, mk(0, 0, 1920, 1080, true, `\\.\DISPLAY1`)),
	}
	want := []Display{
		{ID: 0, Name: "DISPLAY2", X: -2560, Y: -360, Width: 2560, Height: 1440},
		{ID: 1, Name: "DISPLAY1", X: 0, Y: 0, Width: 1920, Height: 1080, Primary: true},
	}
	for i := range want {
		if ds[i] != want[i] {
			t.Errorf("display %d = %+v, want %+v", i, ds[i], want[i])
		}
	}
}

func TestEnsurePrimary(t *testing.T) {
	none := []Display{{ID: 0}, {ID: 1}}
	ensurePrimary(none)
	if !none[0].Primary || none[1].Primary {
		t.Errorf("no primary: got %+v", none)
	}
	two := []Display{{ID: 0}, {ID: 1, Primary: true}, {ID: 2, Primary: true}}
	ensurePrimary(two)
	if two[0].Primary || !two[1].Primary || two[2].Primary {
		t.Errorf("two primaries: got %+v", two)
	}
}
