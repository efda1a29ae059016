//go:build linux

package e2e

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/xvfbtest"
	"github.com/tetherhq/tether/site/recording"
	"github.com/tetherhq/tether/stream"
)

// BenchmarkRecordingSize measures how large recordings of real views get:
// a jump client on a 1280x720 Xvfb with an xterm that is idle, runs top
// (one refresh a second), or keeps scrolling output, viewed by a viewer
// that acknowledges frames as the console does, for
// TETHER_BENCH_REC_SECS (default 10) seconds. Reported per minute.
//
//	TETHER_BENCH_REC_SECS=60 go test ./e2e -run '^$' -bench RecordingSize -benchtime 1x
func BenchmarkRecordingSize(b *testing.B) {
	xvfbtest.RequireBinary(b, "xterm")
	secs := 10
	if v, err := strconv.Atoi(os.Getenv("TETHER_BENCH_REC_SECS")); err == nil && v > 0 {
		secs = v
	}
	for _, sc := range []struct{ name, cmd string }{
		{"idle", ""},
		{"top", "top -d 1"},
		{"scrolling", "while :; do ls -l /usr/bin; sleep 0.5; done"},
	} {
		b.Run(sc.name, func(b *testing.B) {
			relayed, size := recordView(b, sc.cmd, time.Duration(secs)*time.Second)
			perMin := 60 / float64(secs)
			b.ReportMetric(float64(size)*perMin/1e6, "file-MB/min")
			b.ReportMetric(float64(relayed)*perMin/1e6, "relayed-MB/min")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// recordView views a jump session on an Xvfb running cmd in an xterm for d
// and returns the bytes the viewer got and the recording's size.
func recordView(b *testing.B, cmd string, d time.Duration) (relayed, size int64) {
	x := xvfbtest.Start(b, 1280, 720)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	args := []string{"-geometry", "120x40+0+0"}
	if cmd != "" {
		args = append(args, "-e", "sh", "-c", cmd)
	}
	xt := exec.CommandContext(ctx, "xterm", args...)
	xt.Env = append(os.Environ(), "DISPLAY="+x.Display, "SHELL=/bin/sh", "HOME="+b.TempDir(), "TERM=xterm")
	if err := xt.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cancel(); xt.Wait() }()
	b.Setenv("DISPLAY", x.Display)
	s := sitetest.Start(b, nil) // jump sessions are recorded by default
	id := jumpSession(b, s, ctx)
	var grant struct{ Stream, Token string }
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+id+"/view", map[string]any{}, &grant); st != 201 {
		b.Fatalf("view: %d", st)
	}
	u := strings.Replace(s.URL, "https", "wss", 1) + "/api/v1/sessions/" + id + "/stream/" + grant.Stream + "?token=" + grant.Token
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: s.Client,
		HTTPHeader: map[string][]string{"Authorization": {"Bearer " + s.Token}}})
	if err != nil {
		b.Fatal(err)
	}
	conn.SetReadLimit(64 << 20)
	rctx, rcancel := context.WithTimeout(ctx, d)
	defer rcancel()
	for {
		_, m, err := conn.Read(rctx)
		if err != nil {
			break
		}
		relayed += int64(len(m))
		if f, err := stream.DecodeFrame(m); err == nil { // acknowledge as the console does
			conn.Write(ctx, websocket.MessageBinary, stream.Ack{Seq: f.Seq}.Append(nil))
		}
	}
	conn.Close(websocket.StatusNormalClosure, "done")
	sitetest.WaitFor(b, "the recording closed", func() bool {
		var g struct{ Recording *recording.Info }
		s.Do(s.Token, "GET", "/api/v1/sessions/"+id, nil, &g)
		size = 0
		if g.Recording != nil {
			size = g.Recording.Size
		}
		return g.Recording != nil && !g.Recording.Active
	})
	return relayed, size
}
