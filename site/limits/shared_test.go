package limits

import (
	"log/slog"
	"strconv"
	"testing"
	"time"
)

// pair is two nodes' Shared, each publishing straight into the other.
func pair() (a, b *Shared) {
	a = NewShared(func(limit, op string, key []byte) { b.Apply(limit, op, key) })
	b = NewShared(func(limit, op string, key []byte) { a.Apply(limit, op, key) })
	return a, b
}

// Attempts spread over two nodes get one budget, as on one node.
func TestSharedLimitsOneBudget(t *testing.T) {
	for _, tc := range []struct {
		name string
		want int
		// try makes one attempt on node i (0 or 1) and reports whether it
		// was allowed.
		setup func(sa, sb *Shared) func(i int) bool
	}{
		{"bucket", 5, func(sa, sb *Shared) func(int) bool {
			c := newClock()
			n := []*Bucket{NewBucket(c, 5, time.Hour), NewBucket(c, 5, time.Hour)}
			n[0].Share(sa, "b")
			n[1].Share(sb, "b")
			return func(i int) bool { return n[i].Allow("session-1") }
		}},
		{"address and its network", 20 * PrefixFactor, func(sa, sb *Shared) func(int) bool {
			c := newClock()
			n := []*Addr{NewAddr(c, 20, time.Hour), NewAddr(c, 20, time.Hour)}
			n[0].Share(sa, "codes")
			n[1].Share(sb, "codes")
			k := 0
			return func(i int) bool { k++; return n[i].Allow("10.1.2." + strconv.Itoa(1+k%50)) }
		}},
		{"login from one address", 5, func(sa, sb *Shared) func(int) bool {
			c := newClock()
			n := []*Login{NewLogin(c, time.Second), NewLogin(c, time.Second)}
			n[0].Share(sa, "login")
			n[1].Share(sb, "login")
			return func(i int) bool {
				if !n[i].Allowed("alice", "203.0.113.5") {
					return false
				}
				n[i].Failed("alice", "203.0.113.5")
				return true
			}
		}},
		{"failure gate", 10, func(sa, sb *Shared) func(int) bool {
			c := newClock()
			n := []*FailureGate{NewFailureGate(c, nopLog(), "x", 10, time.Hour), NewFailureGate(c, nopLog(), "x", 10, time.Hour)}
			n[0].Share(sa, "g")
			n[1].Share(sb, "g")
			return func(i int) bool {
				if !n[i].Open() {
					return false
				}
				n[i].Fail("192.0.2.1")
				return true
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sa, sb := pair()
			try := tc.setup(sa, sb)
			allowed := 0
			for k := range 1000 {
				if try(k % 2) {
					allowed++
				}
			}
			if allowed != tc.want {
				t.Fatalf("%d attempts allowed over two nodes, want %d (one budget)", allowed, tc.want)
			}
		})
	}
}

// A name guessed at through two nodes slows down on both, and a success
// on one forgets the pair's failures on the other.
func TestSharedLoginSlowdownAndReset(t *testing.T) {
	sa, sb := pair()
	c := newClock()
	a, b := NewLogin(c, time.Hour), NewLogin(c, time.Hour)
	a.Share(sa, "login")
	b.Share(sb, "login")
	for i := range 8 {
		a.Failed("carol", "192.0.2."+strconv.Itoa(i))
	}
	if b.Delay("carol") == 0 {
		t.Fatal("the other node does not slow carol down")
	}
	for range 4 {
		a.Failed("dave", "198.51.100.1")
	}
	b.Succeeded("dave", "198.51.100.1")
	for range 5 {
		if !a.Allowed("dave", "198.51.100.1") {
			t.Fatal("a success on the other node did not forget the failures")
		}
		a.Failed("dave", "198.51.100.1")
	}
}

func nopLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
