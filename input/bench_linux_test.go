package input

import (
	"os"
	"sync"
	"testing"
	"time"
)

// benchDisplay is one Xvfb shared by benchmarks and robotgo tests: robotgo opens its
// display once per process, so every backend must run on the same server.
var benchDisplay struct {
	once    sync.Once
	display string
	stop    func()
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDisplay.stop != nil {
		benchDisplay.stop()
	}
	os.Exit(code)
}

func sharedDisplay(b testing.TB) string {
	b.Helper()
	bin := requireBinary(b, "Xvfb")
	benchDisplay.once.Do(func() {
		benchDisplay.display, benchDisplay.stop, benchDisplay.err = launchXvfb(bin)
	})
	if benchDisplay.err != nil {
		b.Fatal(benchDisplay.err)
	}
	return benchDisplay.display
}

// benchBackends runs fn against every backend compiled in that can open
// on the shared Xvfb (robotgo only with -tags robotgo).
func benchBackends(b *testing.B, fn func(b *testing.B, inj Injector)) {
	display := sharedDisplay(b)
	for _, name := range []string{BackendXTest, BackendRobotgo} {
		b.Run(name, func(b *testing.B) {
			inj, err := Open(WithX11Display(display), WithBackend(name))
			if err != nil {
				b.Skipf("backend %s: %v", name, err)
			}
			defer inj.Close()
			b.ResetTimer()
			fn(b, inj)
			// Count the time until the server has handled everything, so
			// that unchecked requests cannot flatter the xtest numbers.
			if x, ok := inj.(*xtestInjector); ok {
				if err := x.sync(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkKeyTap(b *testing.B) {
	benchBackends(b, func(b *testing.B, inj Injector) {
		for range b.N {
			if err := inj.Key("KeyA", true); err != nil {
				b.Fatal(err)
			}
			if err := inj.Key("KeyA", false); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkClick(b *testing.B) {
	benchBackends(b, func(b *testing.B, inj Injector) {
		if err := inj.MouseMove(5, 5); err != nil {
			b.Fatal(err)
		}
		for range b.N {
			if err := inj.MouseButton(ButtonLeft, true); err != nil {
				b.Fatal(err)
			}
			if err := inj.MouseButton(ButtonLeft, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkText11(b *testing.B) {
	benchBackends(b, func(b *testing.B, inj Injector) {
		for range b.N {
			if err := inj.Text("Hello world"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTextNonLatin types characters that need spare-keycode remaps.
func BenchmarkTextNonLatin(b *testing.B) {
	benchBackends(b, func(b *testing.B, inj Injector) {
		for range b.N {
			if err := inj.Text("日本語 Ωж €"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestXTestThroughput checks the ≥1000 key events/s target end to end:
// the clock stops only once the server has processed every event.
func TestXTestThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	display := startXvfb(t)
	inj := openTestInjector(t, display)
	const taps = 2000
	start := time.Now()
	for range taps {
		if err := inj.Key("KeyA", true); err != nil {
			t.Fatal(err)
		}
		if err := inj.Key("KeyA", false); err != nil {
			t.Fatal(err)
		}
	}
	if err := inj.sync(); err != nil {
		t.Fatal(err)
	}
	rate := float64(2*taps) / time.Since(start).Seconds()
	t.Logf("%.0f key events/s", rate)
	if rate < 1000 {
		t.Errorf("%.0f key events/s, want ≥ 1000", rate)
	}
}
