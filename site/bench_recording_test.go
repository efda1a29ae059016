//go:build linux

package site_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/tetherhq/tether/capture"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/site/recording"
	"github.com/tetherhq/tether/stream"
)

// BenchmarkRecordingOverhead measures the site's CPU relaying the same
// view stream with recording off and on, alternately in one run, and
// reports on/off. The stream is what the agent's encoder makes of a 1080p
// xterm being typed into (the stream package's fixtures): a full frame,
// then a character per frame, with a scroll (a large delta) every 40th.
// A real support app (agent.RunSupport, its view handler replaced by the
// replay) and a viewer run in a child process (this binary re-executed),
// so that this process's CPU is the site's: TLS from the agent, the relay,
// TLS to the viewer, and with recording on the recorder and its disk
// writes.
//
//	TETHER_BENCH_REC_REPEAT=20 go test ./site -run '^$' -bench RecordingOverhead -benchtime 3x
func BenchmarkRecordingOverhead(b *testing.B) {
	msgs := typingStream(b, 400)
	repeat := envInt(b, "TETHER_BENCH_REC_REPEAT", 10)
	file := filepath.Join(b.TempDir(), "stream.bin")
	writeMessages(b, file, msgs)
	var cpu, secs [2]time.Duration
	var relayed, recorded [2]int64
	var ratios []float64 // per pair of runs: the machine's load changes
	b.ResetTimer()
	for range b.N {
		var pair [2]time.Duration
		for mode, record := range []bool{false, true} {
			r, rec := runRecordingLoad(b, file, repeat, record)
			cpu[mode] += r.cpu
			pair[mode] = r.cpu
			secs[mode] += r.wall
			relayed[mode] += r.Bytes
			recorded[mode] += rec
		}
		ratios = append(ratios, pair[1].Seconds()/pair[0].Seconds())
	}
	b.StopTimer()
	slices.Sort(ratios)
	perMB := func(m int) float64 { return float64(cpu[m].Microseconds()) / 1e3 / (float64(relayed[m]) / 1e6) }
	b.ReportMetric(perMB(0), "off-CPU-ms/MB")
	b.ReportMetric(perMB(1), "on-CPU-ms/MB")
	b.ReportMetric(ratios[len(ratios)/2], "on/off-median")
	b.Logf("on/off CPU per pair of runs: %.3f", ratios)
	b.ReportMetric(float64(relayed[1])/1e6/secs[1].Seconds(), "on-MB/s")
	b.ReportMetric(float64(recorded[1])/float64(relayed[1]), "file/relayed")
	b.ReportMetric(0, "ns/op")
	b.Logf("%d messages (%d bytes) relayed per run; off %v CPU / %v wall, on %v / %v", len(msgs)+(repeat-1)*(len(msgs)-1),
		relayed[0]/int64(b.N), cpu[0]/time.Duration(b.N), secs[0]/time.Duration(b.N), cpu[1]/time.Duration(b.N), secs[1]/time.Duration(b.N))
}

// typingStream encodes n messages of a 1080p xterm being typed into.
func typingStream(b *testing.B, n int) [][]byte {
	before, after := loadPNG(b, "../stream/testdata/xterm-before.png"), loadPNG(b, "../stream/testdata/xterm-after.png")
	enc, err := stream.NewEncoder(before.Width, before.Height)
	if err != nil {
		b.Fatal(err)
	}
	scr := &stream.Screen{Version: stream.Version, Width: before.Width, Height: before.Height,
		Displays: []capture.Display{{Name: "bench", Width: before.Width, Height: before.Height, Primary: true}}}
	cur := &capture.Frame{Width: before.Width, Height: before.Height, Stride: before.Stride, Pix: bytes.Clone(before.Pix)}
	seq := uint32(0)
	encode := func(damage []capture.Rect, full bool) []byte {
		seq++
		m, _, err := enc.Encode(nil, cur, damage, full, seq, uint64(seq)*33333)
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	lines := changedRows(before, after)
	msgs := [][]byte{scr.Append(nil), encode(nil, true)}
	for i := 0; len(msgs) < n; i++ {
		var r capture.Rect
		if i%40 == 39 { // scroll by a line: most of the screen changes
			copy(cur.Pix, cur.Pix[16*cur.Stride:])
			r = capture.Rect{W: cur.Width, H: cur.Height}
		} else { // type a character of the changed line
			x := i % (cur.Width / 10) * 10
			r = capture.Rect{X: x, Y: lines[0], W: 10, H: lines[1] - lines[0]}
			src := after
			if i/(cur.Width/10)%2 == 1 {
				src = before
			}
			for y := r.Y; y < r.Y+r.H; y++ {
				o := y*cur.Stride + x*4
				copy(cur.Pix[o:o+r.W*4], src.Pix[o:o+r.W*4])
			}
		}
		msgs = append(msgs, encode([]capture.Rect{r}, false))
	}
	return msgs
}

// changedRows is the band of rows where two frames differ (the typed line).
func changedRows(a, b *capture.Frame) [2]int {
	out := [2]int{-1, -1}
	for y := range a.Height {
		if !bytes.Equal(a.Pix[y*a.Stride:(y+1)*a.Stride], b.Pix[y*b.Stride:(y+1)*b.Stride]) {
			if out[0] < 0 {
				out[0] = y
			}
			out[1] = y + 1
		}
	}
	return out
}

func loadPNG(b *testing.B, path string) *capture.Frame {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		b.Fatal(err)
	}
	r := img.Bounds()
	fr := &capture.Frame{Width: r.Dx(), Height: r.Dy(), Stride: r.Dx() * 4, Pix: make([]byte, r.Dx()*r.Dy()*4)}
	for y := range fr.Height {
		for x := range fr.Width {
			cr, cg, cb, _ := img.At(r.Min.X+x, r.Min.Y+y).RGBA()
			copy(fr.Pix[y*fr.Stride+x*4:], []byte{byte(cb >> 8), byte(cg >> 8), byte(cr >> 8), 0})
		}
	}
	return fr
}

func writeMessages(b *testing.B, path string, msgs [][]byte) {
	var buf bytes.Buffer
	for _, m := range msgs {
		binary.Write(&buf, binary.LittleEndian, uint32(len(m)))
		buf.Write(m)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
}

type recordingLoadResult struct {
	Msgs, Bytes int64
	Err         string
	cpu, wall   time.Duration
}

// runRecordingLoad relays the stream once through a fresh site and returns
// the site's CPU and wall time while the stream flowed, and the size of
// the recording it left (0 with recording off).
func runRecordingLoad(b *testing.B, file string, repeat int, record bool) (recordingLoadResult, int64) {
	b.Helper()
	s := sitetest.Start(b, func(o *site.Options) { o.RecordAdhoc = record })
	defer s.Stop()
	ss := s.CreateSession(nil)
	app, st, _ := s.Download(ss.Code, "linux-amd64", b.TempDir())
	if st != 200 {
		b.Fatalf("download: %d", st)
	}
	cfg, _ := json.Marshal(recordingLoadConfig{URL: s.URL, Token: s.Token, Session: ss.ID, App: app,
		SecurityCode: ss.SecurityCode, Messages: file, Repeat: repeat, State: b.TempDir()})
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), recordingLoadEnv+"="+string(cfg))
	cmd.Stderr = os.Stderr
	in, _ := cmd.StdinPipe()
	outPipe, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	out := bufio.NewReader(outPipe)
	if line, err := out.ReadString('\n'); err != nil || line != "ready\n" {
		b.Fatalf("recording load generator: %q %v", line, err)
	}
	// The set-up (argon2id's 64 MiB, the site's start) leaves garbage whose
	// collection would land in whichever run is measured next.
	runtime.GC()
	cpu0, t0 := cpuTime(), time.Now()
	io.WriteString(in, "go\n")
	var r recordingLoadResult
	if err := json.NewDecoder(out).Decode(&r); err != nil || r.Err != "" {
		b.Fatalf("recording load generator: %v %s", err, r.Err)
	}
	r.cpu, r.wall = cpuTime()-cpu0, time.Since(t0)
	in.Close()
	var size int64
	if record {
		sitetest.WaitFor(b, "the recording closed", func() bool {
			var g struct{ Recording *recording.Info }
			s.Do(s.Token, "GET", "/api/v1/sessions/"+ss.ID, nil, &g)
			if g.Recording != nil && !g.Recording.Active {
				size = g.Recording.Size
				return true
			}
			return false
		})
	}
	return r, size
}
