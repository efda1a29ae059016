package winapi

import "testing"

// These run on Windows and under Wine (scripts/wine.sh test ./internal/winapi).

func TestEnableDPIAwareness(t *testing.T) {
	a, err := EnableDPIAwareness()
	if err != nil {
		t.Fatal(err)
	}
	b, err := EnableDPIAwareness() // once: the same answer, no second attempt
	if err != nil || b != a {
		t.Fatalf("second call = %v, %v; first %v", b, err, a)
	}
	if a == DPIUnaware {
		t.Errorf("still DPI unaware")
	}
	t.Logf("DPI awareness: %v", a)
}

func TestDesktopFollower(t *testing.T) {
	th := StartThread(nil)
	defer th.Stop(nil)
	var f DesktopFollower
	var switched bool
	var err error
	th.Do(func() { switched, err = f.Follow() })
	if err != nil {
		t.Fatal(err)
	}
	// An interactive test run is on the input desktop already.
	if switched || f.Name() != "Default" {
		t.Errorf("Follow() switched=%v to %q, want no switch on Default", switched, f.Name())
	}
	name, err := InputDesktopName()
	if err != nil || name != "Default" {
		t.Errorf("InputDesktopName() = %q, %v", name, err)
	}
	th.Do(f.Close)
}

func TestIsLocalSystem(t *testing.T) {
	system, err := IsLocalSystem()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("LocalSystem: %v", system)
}
