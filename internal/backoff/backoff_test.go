package backoff

import (
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/clock"
)

func TestNextGrowsAndCaps(t *testing.T) {
	b := New(time.Second, 30*time.Second)
	b.Rand = func() float64 { return 0.999999 }
	want := []time.Duration{2, 4, 8, 16, 30, 30, 30}
	for i, w := range want {
		got := b.Next().Round(time.Second)
		if got != w*time.Second {
			t.Fatalf("attempt %d: got %v want %v", i, got, w*time.Second)
		}
	}
	b.Reset()
	if got := b.Next().Round(time.Second); got != 2*time.Second {
		t.Fatalf("after reset: %v", got)
	}
}

func TestJitterStaysInRange(t *testing.T) {
	b := New(time.Second, 8*time.Second)
	for i := 0; i < 1000; i++ {
		d := b.Next()
		if d < time.Second || d > 8*time.Second {
			t.Fatalf("delay %v out of range", d)
		}
	}
	b.Rand = func() float64 { return 0 }
	if d := b.Next(); d != time.Second {
		t.Fatalf("zero jitter: %v", d)
	}
}

func TestWaitUsesClock(t *testing.T) {
	fc := clock.NewFake(time.Unix(0, 0))
	b := New(time.Second, time.Minute)
	b.Clock = fc
	b.Rand = func() float64 { return 0 }
	done := make(chan error, 1)
	go func() { done <- b.Wait(t.Context()) }()
	for fc.Waiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	select {
	case <-done:
		t.Fatal("returned before the clock advanced")
	default:
	}
	fc.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
