package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/capture"
)

// fakeSource serves a frame the test changes at will. Its Wait ends on a
// change, like XDamage (capture.ChangeDetector) unless blind is set.
type fakeSource struct {
	mu      sync.Mutex
	f       *capture.Frame
	version int
	seen    int
	grabs   int
	waits   int
	cut     int // Waits that ended by their context (a notify)
	blind   bool
	changed chan struct{}
}

func (s *fakeSource) DetectsChanges() bool { s.mu.Lock(); defer s.mu.Unlock(); return !s.blind }

// waited returns the number of Wait calls so far.
func (s *fakeSource) waited() int { s.mu.Lock(); defer s.mu.Unlock(); return s.waits }

func newFakeSource(f *capture.Frame) *fakeSource {
	return &fakeSource{f: cloneFrame(f), changed: make(chan struct{}, 1)}
}

func (s *fakeSource) set(f *capture.Frame) {
	s.mu.Lock()
	s.f = cloneFrame(f)
	s.version++
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

func (s *fakeSource) Displays() ([]capture.Display, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []capture.Display{{ID: 0, Name: "fake", X: 100, Y: 50, Width: s.f.Width, Height: s.f.Height, Primary: true}}, nil
}

func (s *fakeSource) Grab(int) (*capture.Frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = s.version
	s.grabs++
	return cloneFrame(s.f), nil
}

func (s *fakeSource) Wait(ctx context.Context, timeout time.Duration) (bool, error) {
	s.mu.Lock()
	pending := s.seen != s.version
	s.waits++
	s.mu.Unlock()
	if pending {
		return true, nil
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
		s.mu.Lock()
		s.cut++
		s.mu.Unlock()
		return false, ctx.Err()
	case <-s.changed:
		return true, nil
	case <-t.C:
		return false, nil
	}
}

// cuts returns the number of Waits ended by their context so far.
func (s *fakeSource) cuts() int { s.mu.Lock(); defer s.mu.Unlock(); return s.cut }

// recInput records injected input.
type recInput struct {
	mu  sync.Mutex
	log []string
}

func (r *recInput) add(s string) error {
	r.mu.Lock()
	r.log = append(r.log, s)
	r.mu.Unlock()
	return nil
}
func (r *recInput) MouseMove(x, y int) error { return r.add(fmt.Sprintf("move %d,%d", x, y)) }
func (r *recInput) MouseButton(b Button, d bool) error {
	return r.add(fmt.Sprintf("button %d %v", b, d))
}
func (r *recInput) Wheel(dx, dy int) error     { return r.add(fmt.Sprintf("wheel %d,%d", dx, dy)) }
func (r *recInput) Key(c string, d bool) error { return r.add(fmt.Sprintf("key %s %v", c, d)) }
func (r *recInput) Text(s string) error        { return r.add("text " + s) }
func (r *recInput) ReleaseAll() error          { return r.add("release") }
func (r *recInput) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

// harness runs a Sender whose messages land in a channel.
type harness struct {
	t      *testing.T
	s      *Sender
	src    *fakeSource
	in     *recInput
	msgs   chan []byte
	dec    *Decoder
	cancel context.CancelFunc
	done   chan error
}

func newHarness(t *testing.T, f *capture.Frame) *harness {
	return newHarnessWith(t, newFakeSource(f))
}

func newHarnessWith(t *testing.T, src *fakeSource) *harness {
	h := &harness{t: t, src: src, in: &recInput{}, msgs: make(chan []byte, 64), done: make(chan error, 1)}
	var err error
	h.s, err = NewSender(SenderConfig{Source: h.src, Differ: &tileDiffer{tile: 64}, Input: h.in, Control: true,
		Write: func(ctx context.Context, m []byte) error { h.msgs <- bytes.Clone(m); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	h.dec, _ = NewDecoder()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- h.s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-h.done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	})
	return h
}

// next returns the next message, applied to the decoder.
func (h *harness) next() any {
	h.t.Helper()
	select {
	case m := <-h.msgs:
		v, err := h.dec.Handle(m)
		if err != nil {
			h.t.Fatal(err)
		}
		return v
	case <-time.After(5 * time.Second):
		h.t.Fatal("no message from sender")
	}
	return nil
}

func (h *harness) ack(seq uint32) {
	if err := h.s.HandleMessage(Ack{Seq: seq, DecodeUS: 100}.Append(nil)); err != nil {
		h.t.Fatal(err)
	}
}

func TestSenderJoinAndFlowControl(t *testing.T) {
	before := loadFrame(t, "xterm-before.png")
	after := loadFrame(t, "xterm-after.png")
	h := newHarness(t, before)
	if _, ok := h.next().(*Screen); !ok {
		t.Fatal("first message is not a screen")
	}
	if fr, ok := h.next().(*Frame); !ok || !fr.Full || fr.Seq != 1 {
		t.Fatalf("second message is not full frame 1: %+v", fr)
	}
	if st, ok := h.next().(State); !ok || !st.ControlAllowed {
		t.Fatalf("third message is not the state: %+v", st)
	}
	// Window of 2: frame 1 unacked, one more may go out, then nothing.
	alt := cloneFrame(before)
	alt.Pix[0] ^= 0xFF
	h.src.set(alt)
	if fr, ok := h.next().(*Frame); !ok || fr.Seq != 2 {
		t.Fatalf("want frame 2, got %+v", fr)
	}
	for i := 0; i < 5; i++ {
		x := cloneFrame(after)
		x.Pix[4*i] ^= 0x0F
		h.src.set(x)
	}
	h.src.set(after)
	select {
	case m := <-h.msgs:
		t.Fatalf("sent with a full window: % x", m[:8])
	case <-time.After(200 * time.Millisecond):
	}
	// The ack opens the window: the next frame carries the newest pixels.
	h.ack(2)
	if fr, ok := h.next().(*Frame); !ok || fr.Seq != 3 {
		t.Fatalf("want frame 3, got %+v", fr)
	}
	if !bytes.Equal(h.dec.Image().Pix, rgbaOf(after).Pix) {
		t.Fatal("viewer does not show the newest pixels")
	}
	if st := h.s.Stats(); st.Frames != 3 || st.InFlight != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSenderInputAndControl(t *testing.T) {
	h := newHarness(t, loadFrame(t, "xterm-before.png"))
	h.next()
	h.next()
	h.next()
	send := func(b []byte) {
		if err := h.s.HandleMessage(b); err != nil {
			t.Fatal(err)
		}
	}
	send(MouseMove{X: 10, Y: 20}.Append(nil))
	send(MouseMove{X: 60000, Y: 20}.Append(nil)) // clamped to the display
	send(MouseButton{Button: ButtonRight, Down: true}.Append(nil))
	send(Key{Code: "KeyA", Down: true}.Append(nil))
	send(Wheel{DX: 0, DY: -3}.Append(nil))
	send(Text{S: "héllo"}.Append(nil))
	h.s.SetControl(false)
	send(Key{Code: "KeyB", Down: true}.Append(nil)) // dropped
	if st, ok := h.next().(State); !ok || st.ControlAllowed {
		t.Fatalf("want state without control, got %+v", st)
	}
	want := []string{"move 110,70", "move 2019,70", "button 2 true", "key KeyA true", "wheel 0,-3", "text héllo", "release"}
	if got := h.in.get(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("input = %q, want %q", got, want)
	}
	if err := h.s.HandleMessage([]byte{byte(MsgKey), 1, '!'}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("malformed key: %v", err)
	}
}

func TestSenderRefreshAndPause(t *testing.T) {
	h := newHarness(t, loadFrame(t, "xterm-before.png"))
	h.next()
	h.next()
	h.next()
	h.ack(1)
	if err := h.s.HandleMessage(Refresh{}.Append(nil)); err != nil {
		t.Fatal(err)
	}
	if fr, ok := h.next().(*Frame); !ok || !fr.Full {
		t.Fatalf("refresh did not bring a full frame: %+v", fr)
	}
	h.s.SetPaused(true)
	if st, ok := h.next().(State); !ok || !st.Paused {
		t.Fatalf("want paused state, got %+v", st)
	}
}
