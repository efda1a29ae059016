//go:build unix

package files

import (
	"syscall"
	"testing"
	"time"
)

func TestDownloadFIFORefusedWithoutBlocking(t *testing.T) {
	f := newFixture(t, Options{})
	if err := syscall.Mkfifo(f.path("pipe"), 0o600); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() {
		rd, err := f.r.Open("pipe", 0)
		if err == nil {
			rd.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		wantKind(t, err, ErrPathNotAllowed)
	case <-time.After(5 * time.Second):
		t.Fatal("Open of a FIFO blocked")
	}
	// Uploading over it is refused too.
	_, err := f.r.Create("pipe", 1, 0, true)
	wantKind(t, err, ErrPathNotAllowed)
}
