package winapi

import (
	"testing"
	"time"
)

func TestBeacon(t *testing.T) {
	var b Beacon
	b.Notify() // nobody waits: nothing blocks, but it is counted
	if b.Seq() != 1 {
		t.Fatalf("Seq = %d, want 1", b.Seq())
	}
	c1, c2 := b.C(), b.C()
	select {
	case <-c1:
		t.Fatal("closed before Notify")
	default:
	}
	go b.Notify()
	for _, c := range []<-chan struct{}{c1, c2} {
		select {
		case <-c:
		case <-time.After(5 * time.Second):
			t.Fatal("not woken")
		}
	}
	select {
	case <-b.C():
		t.Fatal("a new wait is woken by an old Notify")
	default:
	}
}
