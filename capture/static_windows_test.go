package capture_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tetherhq/tether/capture"
	"github.com/tetherhq/tether/stream"
)

// TestWindowsStaticLoad is the load scripts/wine-cpu.sh measures from
// Linux, where the scheduler's exact per-thread run time is readable
// (in-process figures from GetProcessTimes are tick-sampled, see
// wintest.ProcessCPU). It is skipped unless TETHER_STATIC_LOAD names a
// backend ("none": a source that never changes and costs nothing). It then
// keeps a static screen under watch for TETHER_STATIC_SECONDS (default 30)
// and creates the file TETHER_STATIC_MARK once the first frame is out:
//
//   - TETHER_STATIC_LOOP=capture (default): the stream's capture loop
//     alone, Wait(100 ms), then Grab and Diff on change;
//   - TETHER_STATIC_LOOP=stream: the whole stream.Sender with a viewer
//     that acknowledges at once.
func TestWindowsStaticLoad(t *testing.T) {
	name := os.Getenv("TETHER_STATIC_LOAD")
	if name == "" {
		t.Skip("only for scripts/wine-cpu.sh")
	}
	secs, err := strconv.Atoi(os.Getenv("TETHER_STATIC_SECONDS"))
	if err != nil {
		secs = 30
	}
	var src stream.Source = staticSource{}
	if name != "none" {
		c, err := capture.Open(capture.WithBackend(name), capture.WithLogger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		src = c
	}
	mark := func() {
		if m := os.Getenv("TETHER_STATIC_MARK"); m != "" {
			if err := os.WriteFile(m, []byte(name), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs)*time.Second)
	defer cancel()
	if os.Getenv("TETHER_STATIC_LOOP") == "stream" {
		runSender(t, ctx, src, mark)
		return
	}
	d := capture.NewDiffer(0)
	grab := func() {
		f, err := src.Grab(0)
		if err != nil {
			t.Fatal(err)
		}
		d.Diff(f)
	}
	grab()
	mark()
	grabs := 0
	for ctx.Err() == nil {
		changed, err := src.Wait(ctx, 100*time.Millisecond)
		if err != nil && ctx.Err() == nil {
			t.Fatal(err)
		}
		if changed {
			grab()
			grabs++
		}
	}
	t.Logf("%s: %d grabs in %d s", name, grabs, secs)
}

// runSender streams src until ctx ends, acknowledging every frame.
func runSender(t *testing.T, ctx context.Context, src stream.Source, started func()) {
	var sender *stream.Sender
	frames := 0
	sender, err := stream.NewSender(stream.SenderConfig{
		Source: src, Differ: capture.NewDiffer(0), Display: -1, Logger: quiet,
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
		t.Fatal(err)
	}
	time.AfterFunc(time.Second, started) // the first full frame and its refinement are out
	sender.Run(ctx)
	t.Logf("stream: %d frames", frames)
}
