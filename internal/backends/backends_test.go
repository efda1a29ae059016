package backends

import (
	"errors"
	"io"
	"log/slog"
	"testing"
)

var errNone = errors.New("none")

func TestOpenOrderForcedAndFallback(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := &Registry[string, int]{Kind: "test", Unsupported: errNone}
	if _, err := r.Open("", 0, log); !errors.Is(err, errNone) {
		t.Fatalf("empty registry: %v", err)
	}
	r.Register("slow", 10, func(int) (string, error) { return "slow", nil })
	r.Register("fast", 100, func(cfg int) (string, error) {
		if cfg == 1 {
			return "", errors.New("no shm")
		}
		return "fast", nil
	})
	if got := r.Names(); len(got) != 2 || got[0] != "fast" {
		t.Fatalf("names %v", got)
	}
	for _, tc := range []struct {
		forced string
		cfg    int
		want   string
		err    bool
	}{
		{"", 0, "fast", false},
		{"", 1, "slow", false}, // falls back
		{"slow", 0, "slow", false},
		{"fast", 1, "", true}, // forced never falls back
		{"nope", 0, "", true},
	} {
		got, err := r.Open(tc.forced, tc.cfg, log)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("Open(%q, %d) = %q, %v", tc.forced, tc.cfg, got, err)
		}
	}
	if _, err := r.Open("nope", 0, log); !errors.Is(err, errNone) {
		t.Errorf("unknown backend must wrap Unsupported: %v", err)
	}
	bad := &Registry[string, int]{Kind: "test", Unsupported: errNone}
	bad.Register("a", 1, func(int) (string, error) { return "", errors.New("broken") })
	if _, err := bad.Open("", 0, log); !errors.Is(err, errNone) {
		t.Errorf("all failing must wrap Unsupported: %v", err)
	}
}
