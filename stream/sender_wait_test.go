package stream

import (
	"testing"
	"time"
)

// settle takes the join messages (screen, state, first frame and any
// refinements) and acknowledges every frame, until the sender has been
// quiet for quiet.
func (h *harness) settle(quiet time.Duration) {
	h.t.Helper()
	for {
		select {
		case m := <-h.msgs:
			v, err := h.dec.Handle(m)
			if err != nil {
				h.t.Fatal(err)
			}
			if f, ok := v.(*Frame); ok {
				h.ack(f.Seq)
			}
		case <-time.After(quiet):
			return
		}
	}
}

// TestSenderIdleWaits: on a static screen the loop waits for a source
// that detects changes until its own next task (a few Waits a second),
// and polls one that cannot once per frame interval (~30 a second).
func TestSenderIdleWaits(t *testing.T) {
	for _, tc := range []struct {
		name     string
		blind    bool
		min, max int // Waits in one static second
	}{
		{"detects changes", false, 0, 4},
		{"blind", true, 12, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := newFakeSource(loadFrame(t, "xterm-before.png"))
			src.blind = tc.blind
			h := newHarnessWith(t, src)
			h.settle(700 * time.Millisecond) // past the refinement
			before := src.waited()
			time.Sleep(time.Second)
			if n := src.waited() - before; n < tc.min || n > tc.max {
				t.Fatalf("%d Waits in a static second, want %d..%d", n, tc.min, tc.max)
			}
		})
	}
}

// TestSenderWakesFromLongWait: while the loop waits long for the source,
// a change, a refresh, a pause and an ack still get answered at once.
func TestSenderWakesFromLongWait(t *testing.T) {
	before, after := loadFrame(t, "xterm-before.png"), loadFrame(t, "xterm-after.png")
	for _, tc := range []struct {
		name  string
		do    func(h *harness)
		want  func(v any) bool
		event bool // answered by cutting the wait short (a change ends it itself)
	}{
		{"screen change", func(h *harness) { h.src.set(after) },
			func(v any) bool { f, ok := v.(*Frame); return ok && !f.Full }, false},
		{"refresh", func(h *harness) { h.s.HandleMessage(Refresh{}.Append(nil)) },
			func(v any) bool { f, ok := v.(*Frame); return ok && f.Full }, true},
		{"pause", func(h *harness) { h.s.SetPaused(true) },
			func(v any) bool { st, ok := v.(State); return ok && st.Paused }, true},
		{"cursor", func(h *harness) { h.s.SetCursor(Cursor{X: 5, Y: 6}) },
			func(v any) bool { _, ok := v.(*Cursor); return ok }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, before)
			h.settle(700 * time.Millisecond) // now in a long wait (up to 2 s)
			cuts := h.src.cuts()
			tc.do(h)
			if v := h.next(); !tc.want(v) {
				t.Fatalf("got %T %+v", v, v)
			}
			if tc.event && h.src.cuts() == cuts {
				t.Fatal("answered only when the long wait timed out: notify did not cut it short")
			}
		})
	}
}
