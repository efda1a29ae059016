package capture_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/tetherhq/tether/capture"
	"github.com/tetherhq/tether/stream"
)

// BenchmarkSenderIdleCPU runs the agent's whole stream loop (XDamage wait,
// XShm grab, differ, encoder, flow control) against a static 1080p screen
// with a viewer that acknowledges at once, and reports the CPU it uses as
// a percentage of one core. Each iteration is one second of streaming.
func BenchmarkSenderIdleCPU(b *testing.B) {
	x := capture.StartXvfb(b, 1920, 1080)
	c, err := capture.Open(capture.WithX11Display(x.Display))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var sender *stream.Sender
	frames := 0
	sender, err = stream.NewSender(stream.SenderConfig{
		Source: c, Differ: capture.NewDiffer(0), Display: -1,
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
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	go sender.Run(ctx)
	time.Sleep(500 * time.Millisecond) // the first full frame is not "idle"
	before, wall := cpuTime(), time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		time.Sleep(time.Second)
	}
	b.StopTimer()
	b.ReportMetric(100*cpuTime().Seconds()/time.Since(wall).Seconds()-100*before.Seconds()/time.Since(wall).Seconds(), "%cpu")
	b.ReportMetric(float64(frames), "frames")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
