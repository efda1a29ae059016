//go:build !linux

package desktop

import "testing"

// TestFindOS: on Windows and macOS the OS's own desktop is the answer
// (under Wine in scripts/test.sh); Override still stands in for it.
func TestFindOS(t *testing.T) {
	s, err := Find()
	if err != nil || s.Source != "os" || s.Display != "" {
		t.Fatalf("Find() = %+v, %v; want the OS's desktop", s, err)
	}
	restore := Override(func() (*Session, error) { return nil, ErrNoDisplay })
	if _, err := Find(); err != ErrNoDisplay {
		t.Errorf("overridden Find: %v", err)
	}
	restore()
	if s, err := Find(); err != nil || s.Source != "os" {
		t.Errorf("after restore: %+v, %v", s, err)
	}
}
