package capture

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/wintest"
)

// Benchmarks of the Windows backends against the kbinani/screenshot
// library in the same run (scripts/wine.sh bench ./capture; the results
// under Wine are in docs/BENCHMARKS.md, "Windows (Wine)").

// benchBackends are compared; DXGI is skipped where it cannot open (Wine).
var benchBackends = []string{BackendDXGI, BackendGDI, BackendScreenshot}

func openBench(b *testing.B, name string) Capturer {
	b.Helper()
	// Quiet: a log line in the middle of a result line breaks benchstat.
	c, err := Open(WithBackend(name), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Skipf("%s unavailable: %v", name, err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkWindowsGrab is the cost of one full frame of the primary
// display, in ms/frame, at whatever resolution the desktop has (the Xvfb
// size under Wine: WINE_SCREEN=1920x1080x24 scripts/wine.sh bench ...).
func BenchmarkWindowsGrab(b *testing.B) {
	_, _, w, h := wintest.VirtualScreen()
	for _, name := range benchBackends {
		b.Run(fmt.Sprintf("%s/%dx%d", name, w, h), func(b *testing.B) {
			c := openBench(b, name)
			if name == BackendDXGI {
				// A static desktop gives DXGI nothing to copy; only a
				// changing one shows its cost (see the CPU benchmark for
				// the static case).
				win := wintest.NewWindow(b, 0, 0, 64, 64, wintest.RGB(1, 1, 1))
				defer win.Close()
			}
			b.SetBytes(int64(w * h * BytesPerPixel))
			start := time.Now()
			for b.Loop() {
				if _, err := c.Grab(0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/frame")
		})
	}
}

// staticFor is how long the CPU benchmark watches a static screen.
const staticFor = 5 * time.Second

// BenchmarkWindowsStaticCPU runs the capture side of a stream on a static
// screen for 5 s — Wait with the stream's 100 ms timeout, then Grab and
// Diff whenever Wait reports a change — and reports the process's CPU time
// (GetProcessTimes) as a percentage of one core, plus how many frames were
// grabbed. This is what an open viewer costs the agent while nothing moves.
func BenchmarkWindowsStaticCPU(b *testing.B) {
	for _, name := range benchBackends {
		b.Run(name, func(b *testing.B) {
			c := openBench(b, name)
			d := NewDiffer(0)
			ctx := context.Background()
			// The stream's first frame is not "static": take it first.
			if _, err := c.Wait(ctx, 0); err != nil {
				b.Fatal(err)
			}
			f, err := c.Grab(0)
			if err != nil {
				b.Fatal(err)
			}
			d.Diff(f)
			time.Sleep(300 * time.Millisecond)
			b.ResetTimer()
			cpu0, wall0 := wintest.ProcessCPU(b), time.Now()
			grabs, sent := 0, 0
			for time.Since(wall0) < staticFor {
				changed, err := c.Wait(ctx, 100*time.Millisecond)
				if err != nil {
					b.Fatal(err)
				}
				if !changed {
					continue
				}
				f, err := c.Grab(0)
				if err != nil {
					b.Fatal(err)
				}
				grabs++
				if len(d.Diff(f)) > 0 {
					sent++
				}
			}
			cpu, wall := wintest.ProcessCPU(b)-cpu0, time.Since(wall0)
			b.StopTimer()
			b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "%cpu")
			b.ReportMetric(float64(grabs)/wall.Seconds(), "grabs/s")
			b.ReportMetric(float64(sent), "frames-with-damage")
		})
	}
}
