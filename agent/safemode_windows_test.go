package agent

import (
	"errors"
	"testing"

	"golang.org/x/sys/windows/registry"
)

// TestSafeBootRegistry writes and removes a service's Safe Mode key in the
// real registry (under Wine in scripts/test.sh; bcdedit, which Wine lacks,
// is only faked: TestSafeModeCommands).
func TestSafeBootRegistry(t *testing.T) {
	key := SafeBootKey("tether-test-0123456789")
	r := hklm{}
	if err := r.SetDefault(key, "Service"); err != nil {
		t.Fatal(err)
	}
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, key, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := k.GetStringValue("")
	k.Close()
	if err != nil || v != "Service" {
		t.Fatalf("default value %q (%v)", v, err)
	}
	if err := r.DeleteKey(key); err != nil {
		t.Fatal(err)
	}
	if _, err := registry.OpenKey(registry.LOCAL_MACHINE, key, registry.QUERY_VALUE); !errors.Is(err, registry.ErrNotExist) {
		t.Fatalf("key left: %v", err)
	}
	if err := r.DeleteKey(key); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
}
