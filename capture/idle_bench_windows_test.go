package capture_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tetherhq/tether/capture"
	"github.com/tetherhq/tether/internal/wintest"
	"github.com/tetherhq/tether/stream"
)

// BenchmarkWindowsSenderIdleCPU runs the agent's whole stream loop (Wait,
// Grab, differ, encoder, flow control) on a static screen with a viewer
// that acknowledges at once, for each Windows backend, and reports the CPU
// it uses as a percentage of one core (GetProcessTimes). Each iteration is
// one second of streaming (-benchtime 5x for five seconds). The Windows
// counterpart of BenchmarkSenderIdleCPU.
//
// "none" is a source that never changes and costs nothing (Wait just sleeps
// its timeout): what remains is the stream loop's own cost, mostly its
// wake-ups (Wait with the frame interval as timeout, ~30 per second), which
// under Wine are round trips to wineserver.
func BenchmarkWindowsSenderIdleCPU(b *testing.B) {
	for _, name := range []string{"none", capture.BackendDXGI, capture.BackendGDI, capture.BackendScreenshot} {
		b.Run(name, func(b *testing.B) {
			var c stream.Source = staticSource{}
			if name != "none" {
				cc, err := capture.Open(capture.WithBackend(name), capture.WithLogger(quiet))
				if err != nil {
					b.Skipf("%s unavailable: %v", name, err)
				}
				defer cc.Close()
				c = cc
			}
			var err error
			var sender *stream.Sender
			frames := 0
			sender, err = stream.NewSender(stream.SenderConfig{
				Source: c, Differ: capture.NewDiffer(0), Display: -1, Logger: quiet,
				Write: func(_ context.Context, msg []byte) error {
					if m, err := stream.DecodeAgentMessage(msg); err == nil {
						if f, ok := m.(*stream.Frame); ok {
							frames++
							go sender.HandleMessage(stream.Ack{Seq: f.Seq}.Append(nil))
						}
					}
					return nil
				},
			})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); sender.Run(ctx) }()
			defer func() { cancel(); <-done }()
			time.Sleep(time.Second) // the first full frame and its refinement are not "idle"
			before, wall, frames0 := wintest.ProcessCPU(b), time.Now(), frames
			b.ResetTimer()
			for range b.N {
				time.Sleep(time.Second)
			}
			b.StopTimer()
			b.ReportMetric(100*(wintest.ProcessCPU(b)-before).Seconds()/time.Since(wall).Seconds(), "%cpu")
			b.ReportMetric(float64(frames-frames0), "frames")
		})
	}
}

// quiet drops logs: a log line in the middle of a result line breaks
// benchstat.
var quiet = slog.New(slog.DiscardHandler)

// staticSource is a 1280x800 screen that never changes.
type staticSource struct{}

var staticFrame = &capture.Frame{Width: 1280, Height: 800, Stride: 1280 * 4, Pix: make([]byte, 1280*800*4)}

func (staticSource) Displays() ([]capture.Display, error) {
	return []capture.Display{{Name: "static", Width: 1280, Height: 800, Primary: true}}, nil
}

func (staticSource) Grab(int) (*capture.Frame, error) { return staticFrame, nil }

// DetectsChanges: a screen that never changes is known not to have, so
// the stream waits for it as long as for XDamage or GDI's probes.
func (staticSource) DetectsChanges() bool { return true }

func (staticSource) Wait(ctx context.Context, timeout time.Duration) (bool, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-t.C:
		return false, nil
	}
}
