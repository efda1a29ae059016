package cluster

import (
	"testing"
	"time"
)

func TestDirectorySequence(t *testing.T) {
	now := time.Unix(1000, 0)
	a := func(id string) []Agent { return []Agent{{ID: id, Bound: true}} }
	type step struct {
		name                   string
		seq                    uint64
		list                   []Agent
		snap, reset, done      bool
		wantClaims             int
		wantSync               bool
		wantOnline, wantAbsent string
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"first delta of an unknown node asks for the rest", []step{
			{name: "delta 5", seq: 5, list: a("x"), wantClaims: 1, wantSync: true, wantOnline: "x"},
		}},
		{"in order after a snapshot", []step{
			{name: "snapshot at 3", seq: 3, list: a("x"), snap: true, reset: true, done: true, wantOnline: "x"},
			{name: "delta 4", seq: 4, list: a("y"), wantClaims: 1, wantOnline: "y"},
			{name: "delta 5 gone", seq: 5, list: []Agent{{ID: "x", Gone: true}}, wantAbsent: "x"},
		}},
		{"a stale delta changes nothing", []step{
			{name: "snapshot at 7", seq: 7, list: a("x"), snap: true, reset: true, done: true},
			{name: "delta 6", seq: 6, list: []Agent{{ID: "x", Gone: true}}, wantOnline: "x"},
		}},
		{"a gap asks for a snapshot", []step{
			{name: "snapshot at 1", seq: 1, snap: true, reset: true, done: true},
			{name: "delta 3", seq: 3, list: a("z"), wantClaims: 1, wantSync: true, wantOnline: "z"},
		}},
		{"a snapshot replaces the list", []step{
			{name: "snapshot at 1", seq: 1, list: a("old"), snap: true, reset: true, done: true},
			{name: "snapshot at 2, first part", seq: 2, list: a("new"), snap: true, reset: true, wantAbsent: "old"},
			{name: "last part", seq: 2, list: a("new2"), snap: true, done: true, wantOnline: "new2"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDirectory()
			for _, s := range tc.steps {
				claims, sync := d.presence("n1", s.seq, s.list, s.snap, s.reset, s.done, now)
				if len(claims) != s.wantClaims || sync != s.wantSync {
					t.Fatalf("%s: %d claims, sync %v; want %d, %v", s.name, len(claims), sync, s.wantClaims, s.wantSync)
				}
				if s.wantOnline != "" && !d.online(s.wantOnline) {
					t.Fatalf("%s: %s not online", s.name, s.wantOnline)
				}
				if s.wantAbsent != "" && d.online(s.wantAbsent) {
					t.Fatalf("%s: %s still online", s.name, s.wantAbsent)
				}
			}
		})
	}
}

func TestDirectoryLocateLatestClaim(t *testing.T) {
	d := newDirectory()
	now := time.Unix(1000, 0)
	d.presence("b", 1, []Agent{{ID: "jc", Jump: true, Bound: true}}, true, true, true, now)
	d.presence("c", 1, []Agent{{ID: "jc", Jump: true, Bound: true}}, true, true, true, now)
	d.presence("a", 1, []Agent{{ID: "jc", Jump: false}}, true, true, true, now) // unbound only
	if n, ok := d.locate("jc"); !ok || n != "c" {
		t.Fatalf("locate = %q %v, want the later claim c", n, ok)
	}
	if got := d.jumpClients(); got != 2 {
		t.Fatalf("jump clients %d, want 2 (one per node that claims it)", got)
	}
	d.forget("c")
	if n, _ := d.locate("jc"); n != "b" {
		t.Fatalf("after c left: %q, want b", n)
	}
	d.forget("b")
	if n, _ := d.locate("jc"); n != "a" {
		t.Fatalf("with only an unbound connection left: %q, want a", n)
	}
	d.presence("b", 2, []Agent{{ID: "jc", Jump: true, Bound: true}}, true, true, true, now)
	if got := d.expired(now.Add(time.Second)); len(got) != 2 {
		t.Fatalf("expired %v, want a and b", got)
	}
}

func TestDirectoryHelloAsksOnce(t *testing.T) {
	d := newDirectory()
	now := time.Unix(1000, 0)
	if !d.hello("n", 4, now) {
		t.Fatal("a new node was not asked for its list")
	}
	if d.hello("n", 4, now.Add(time.Second)) {
		t.Fatal("asked again while the sync is under way")
	}
	if !d.hello("n", 4, now.Add(syncRetry+time.Second)) {
		t.Fatal("a sync that never came was not asked again")
	}
	d.presence("n", 4, nil, true, true, true, now)
	if d.hello("n", 4, now.Add(10*time.Second)) {
		t.Fatal("asked although in step")
	}
}
