package sysinfo

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"
)

func TestRunPartialOnFailureAndTimeout(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	parts := []part{
		{"hostname", func(context.Context) (func(*Info), error) {
			return func(i *Info) { i.Hostname = "box" }, nil
		}},
		{"memory", func(context.Context) (func(*Info), error) {
			return func(i *Info) { i.Memory.Total = 1 }, errors.New("partly broken")
		}},
		{"disks", func(context.Context) (func(*Info), error) {
			<-hang // a dead network mount: ignores ctx
			return func(i *Info) { i.Disks = []Disk{{Mount: "/late"}} }, nil
		}},
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	info := run(ctx, parts)
	if d := time.Since(start); d > time.Second {
		t.Errorf("run took %v with a hung part", d)
	}
	if info.Hostname != "box" || info.Memory.Total != 1 {
		t.Errorf("results of answering parts lost: %+v", info)
	}
	want := []string{"disks: timed out", "memory: partly broken"}
	if !slices.Equal(info.Errors, want) {
		t.Errorf("errors = %q, want %q", info.Errors, want)
	}
	if info.Disks == nil || len(info.Disks) != 0 {
		t.Errorf("disks = %#v, want an empty list", info.Disks)
	}
}

func TestCollectCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Collect(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestCollectShortDeadline(t *testing.T) {
	// A caller with 300 ms gets an answer within it: the sample shrinks.
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	info, err := Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Errorf("Collect took %v with a 300 ms deadline", d)
	}
	if info.Hostname == "" {
		t.Errorf("no hostname; errors %q", info.Errors)
	}
}

func TestJSONFields(t *testing.T) {
	b, err := json.Marshal(&Info{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"cpu", "disks", "hostname", "interfaces", "memory", "os", "processes", "uptime_s", "users"}
	if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, want) {
		t.Errorf("top-level fields %q, want %q (SPEC G)", got, want)
	}
}
