package site

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestHashGate(t *testing.T) {
	g := &hashGate{slots: make(chan struct{}, 1), wait: 50 * time.Millisecond}
	hold, release := make(chan struct{}), make(chan struct{})
	go g.do(context.Background(), func() { close(hold); <-release })
	<-hold
	start := time.Now()
	if err := g.do(context.Background(), func() { t.Error("ran without a slot") }); !errors.Is(err, errHashBusy) {
		t.Fatalf("full gate: %v", err)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("did not wait for a slot")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.do(ctx, func() {}); !errors.Is(err, context.Canceled) {
		t.Fatalf("ended request: %v", err)
	}
	close(release)
	ran := false
	if err := g.do(context.Background(), func() { ran = true }); err != nil || !ran {
		t.Fatalf("after release: %v %v", err, ran)
	}
}
