package limits

import (
	"bytes"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/clock"
)

func newClock() *clock.Fake { return clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) }

func TestBucketBurstThenRate(t *testing.T) {
	c := newClock()
	b := NewBucket(c, 3, time.Second)
	for i := range 3 {
		if !b.Allow("k") {
			t.Fatalf("attempt %d refused within the burst", i)
		}
	}
	if b.Allow("k") {
		t.Fatal("4th attempt allowed past the burst")
	}
	if !b.Allow("other") {
		t.Fatal("another key was refused")
	}
	c.Advance(time.Second)
	if !b.Allow("k") || b.Allow("k") {
		t.Fatal("want exactly one token after one interval")
	}
}

func TestBucketHasSpendReset(t *testing.T) {
	c := newClock()
	b := NewBucket(c, 2, time.Minute)
	b.Spend("k")
	b.Spend("k")
	if b.Has("k") {
		t.Fatal("Has after spending the burst")
	}
	b.Reset("k")
	if !b.Has("k") {
		t.Fatal("Reset did not refill")
	}
}

func TestPrefix(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"192.0.2.77", "192.0.2.0/24"},
		{"192.0.2.1", "192.0.2.0/24"},
		{"::ffff:192.0.2.9", "192.0.2.0/24"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::9", "2001:db8:1:2::/64"},
		{"not-an-ip", "?not-an-ip"},
	} {
		if got := Prefix(tc.in); got != tc.want {
			t.Errorf("Prefix(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Fifty addresses of one /24 together get the prefix's burst, not fifty
// bursts.
func TestAddrLimitsTheNetwork(t *testing.T) {
	c := newClock()
	a := NewAddr(c, 20, 3*time.Second)
	allowed := 0
	for i := range 1000 {
		if a.Allow("10.1.2." + strconv.Itoa(1+i%50)) {
			allowed++
		}
	}
	if want := 20 * PrefixFactor; allowed != want {
		t.Fatalf("1000 lookups from 50 addresses of one /24: %d allowed, want %d", allowed, want)
	}
	if !a.Allow("10.1.3.1") {
		t.Fatal("a neighbouring /24 was refused")
	}
}

func TestFailureGateAlerts(t *testing.T) {
	c := newClock()
	var logs bytes.Buffer
	g := NewFailureGate(c, slog.New(slog.NewTextHandler(&logs, nil)), "session codes", 10, time.Second)
	for i := range 10 {
		if !g.Open() {
			t.Fatalf("gate closed after %d failures", i)
		}
		g.Fail("198.51.100." + strconv.Itoa(i))
	}
	if g.Open() {
		t.Fatal("gate open after the burst of failures")
	}
	if n := strings.Count(logs.String(), "ALERT"); n != 1 {
		t.Fatalf("want one alert, got %d:\n%s", n, logs.String())
	}
	g.Open()
	if n := strings.Count(logs.String(), "ALERT"); n != 1 {
		t.Fatalf("alert repeated within a minute:\n%s", logs.String())
	}
	c.Advance(2 * time.Second)
	if !g.Open() {
		t.Fatal("gate still closed after the rate recovered")
	}
}

func TestLoginNeverLocksOutARightPassword(t *testing.T) {
	c := newClock()
	l := NewLogin(c, 3*time.Second)
	// An attacker at one address guesses until refused.
	n := 0
	for l.Allowed("alice", "203.0.113.5") {
		l.Failed("alice", "203.0.113.5")
		n++
	}
	if n != 5 {
		t.Fatalf("attacker got %d guesses on one name from one address, want 5", n)
	}
	// Alice, elsewhere, is not refused.
	if !l.Allowed("alice", "198.51.100.7") {
		t.Fatal("alice refused because someone else guessed wrong")
	}
	// Many addresses guessing slow the name down, but never refuse it.
	for i := range 40 {
		addr := "192.0.2." + strconv.Itoa(i)
		l.Failed("alice", addr)
	}
	if !l.Allowed("alice", "198.51.100.7") {
		t.Fatal("alice refused after a distributed guess")
	}
	if d := l.Delay("alice"); d != 3*time.Second {
		t.Fatalf("delay after 45 failures = %v, want the 3 s cap", d)
	}
	if d := l.Delay("bob"); d != 0 {
		t.Fatalf("an untouched name is slowed down by %v", d)
	}
	// The slow-down fades.
	c.Advance(3 * time.Hour)
	if d := l.Delay("alice"); d != 0 {
		t.Fatalf("delay 3 h later = %v, want 0", d)
	}
}

func TestLoginDelayGrows(t *testing.T) {
	c := newClock()
	l := NewLogin(c, time.Hour)
	var last time.Duration
	for i := range 10 {
		l.Failed("carol", "192.0.2."+strconv.Itoa(i))
		d := l.Delay("carol")
		if i < nameFreeFailures-1 && d != 0 {
			t.Fatalf("delay %v after %d failures", d, i+1)
		}
		if i >= nameFreeFailures && d <= last {
			t.Fatalf("delay did not grow: %v after %v", d, last)
		}
		last = d
	}
}

func TestLoginAddressLimit(t *testing.T) {
	c := newClock()
	l := NewLogin(c, time.Second)
	for i := range 20 {
		if !l.Allowed("user"+strconv.Itoa(i), "203.0.113.9") {
			t.Fatalf("refused at %d", i)
		}
		l.Failed("user"+strconv.Itoa(i), "203.0.113.9")
	}
	if l.Allowed("someone", "203.0.113.9") {
		t.Fatal("an address past 20 failures may still try")
	}
}
