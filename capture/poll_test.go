package capture

import (
	"testing"
	"time"
)

func TestSameFrame(t *testing.T) {
	const w, h, stride = 37, 29, 37*4 + 12 // padding after each row must be ignored
	a := make([]byte, stride*h)
	b := make([]byte, stride*h)
	for i := range a {
		a[i] = byte(i * 7)
	}
	copy(b, a)
	if !sameFrame(a, b, stride, w*4, h) {
		t.Fatal("identical frames differ")
	}
	b[5*stride+w*4+3] ^= 0xff // in the padding
	if !sameFrame(a, b, stride, w*4, h) {
		t.Fatal("padding counted as a change")
	}
	// A change on every row, both in the sparse and in the dense pass.
	for y := range h {
		for _, x := range []int{0, w / 2, w - 1} {
			c := append([]byte(nil), a...)
			c[y*stride+x*4+1] ^= 1
			if sameFrame(a, c, stride, w*4, h) {
				t.Fatalf("change at %d,%d not seen", x, y)
			}
		}
	}
}

func BenchmarkSameFrame1080p(b *testing.B) {
	f := make([]byte, 1920*1080*4)
	g := make([]byte, len(f))
	b.SetBytes(int64(len(f)))
	for b.Loop() {
		if !sameFrame(f, g, 1920*4, 1920*4, 1080) {
			b.Fatal("differ")
		}
	}
}

func TestPollPlan(t *testing.T) {
	t0 := time.Unix(1000, 0)
	p := newPollPlan()
	if got := p.nextGrab(t0); !got.Equal(t0) {
		t.Fatalf("first grab at %v, want now", got)
	}
	// Quiet screen: idle rate for grabs and activity checks.
	p.grabbed(t0, false)
	if got := p.nextGrab(t0); got != t0.Add(pollIdle) {
		t.Errorf("idle next grab = %v, want +%v", got.Sub(t0), pollIdle)
	}
	if got := p.nextCheck(t0); got != t0.Add(pollIdleCheck) {
		t.Errorf("idle next check = %v, want +%v", got.Sub(t0), pollIdleCheck)
	}
	// Input: the next grab is due one active period after the last one,
	// i.e. right away here.
	t1 := t0.Add(100 * time.Millisecond)
	p.activity(t1)
	if got := p.nextGrab(t1); got != t0.Add(pollActive) || got.After(t1) {
		t.Errorf("after input next grab = %v", got.Sub(t0))
	}
	// A change keeps the fast rate for activeFor, then it decays.
	p.grabbed(t1, true)
	if got := p.nextGrab(t1); got != t1.Add(pollActive) {
		t.Errorf("active next grab = %v, want +%v", got.Sub(t1), pollActive)
	}
	if got := p.nextCheck(t1); got != t1.Add(pollActive) {
		t.Errorf("active next check = %v, want +%v", got.Sub(t1), pollActive)
	}
	later := t1.Add(pollActiveFor + time.Millisecond)
	p.grabbed(later, false)
	if got := p.nextGrab(later); got != later.Add(pollIdle) {
		t.Errorf("decayed next grab = %v, want +%v", got.Sub(later), pollIdle)
	}
}
