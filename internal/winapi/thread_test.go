package winapi

import (
	"errors"
	"sync"
	"testing"
)

func TestThreadRunsInOrderAndStops(t *testing.T) {
	var got []int
	th := StartThread(func() { got = append(got, 0) })
	for i := 1; i <= 3; i++ {
		if err := th.Do(func() { got = append(got, i) }); err != nil {
			t.Fatal(err)
		}
	}
	th.Stop(func() { got = append(got, 4) })
	th.Stop(func() { got = append(got, 5) }) // second Stop: no-op
	if err := th.Do(func() { got = append(got, 6) }); !errors.Is(err, ErrThreadStopped) {
		t.Errorf("Do after Stop: err = %v", err)
	}
	if want := []int{0, 1, 2, 3, 4}; len(got) != len(want) {
		t.Fatalf("calls = %v, want %v", got, want)
	}
}

func TestThreadSerialisesConcurrentCalls(t *testing.T) {
	th := StartThread(nil)
	defer th.Stop(nil)
	n := 0 // unsynchronised on purpose: the race detector checks Do serialises
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				_ = th.Do(func() { n++ })
			}
		}()
	}
	wg.Wait()
	if n != 800 {
		t.Errorf("n = %d, want 800", n)
	}
}
