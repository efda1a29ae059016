package files

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
)

const streamSize = 64 << 20

// stream is a reproducible stream of n pseudo-random bytes starting at
// offset: what a client would send again after a drop.
func stream(seed uint64, offset, n int64) io.Reader {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	src := rand.NewChaCha8(key)
	io.CopyN(io.Discard, src, offset)
	return io.LimitReader(src, n-offset)
}

// dropAfter delivers n bytes of r, then fails like a dropped connection.
func dropAfter(r io.Reader, n int64) io.Reader {
	return io.MultiReader(io.LimitReader(r, n), errReader{})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// heapWatch records the peak heap while the wrapped reader is read.
type heapWatch struct {
	r    io.Reader
	peak uint64
}

func (h *heapWatch) Read(p []byte) (int, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.peak = max(h.peak, ms.HeapAlloc)
	return h.r.Read(p)
}

// TestStreamResume uploads 64 MB, drops the link at a random offset,
// resumes from Partial, verifies the hash at Commit and again through a
// resumed download, with the heap staying small throughout.
func TestStreamResume(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MB stream")
	}
	seed := rand.Uint64()
	rng := rand.New(rand.NewPCG(seed, 1))
	cut := 1 + rng.Int64N(streamSize-1)
	t.Logf("seed %d: link drops after %d bytes", seed, cut)

	want := sha256.New()
	io.Copy(want, stream(seed, 0, streamSize))
	wantSum := want.Sum(nil)

	f := newFixture(t, Options{MaxSize: streamSize})
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc

	w, err := f.r.Create("big.bin", streamSize, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	first := &heapWatch{r: dropAfter(stream(seed, 0, streamSize), cut)}
	if _, err := io.Copy(w, first); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("copy until the drop: %v", err)
	}
	w.Close()

	offset, err := f.r.Partial("big.bin")
	if err != nil || offset != cut {
		t.Fatalf("Partial = %d, %v; want %d", offset, err, cut)
	}
	w, err = f.r.Create("big.bin", streamSize, offset, false)
	if err != nil {
		t.Fatal(err)
	}
	second := &heapWatch{r: stream(seed, offset, streamSize)}
	if _, err := io.Copy(w, second); err != nil {
		t.Fatal(err)
	}
	res, err := w.Commit(wantSum)
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != streamSize {
		t.Errorf("size %d", res.Size)
	}
	if fi, err := os.Stat(f.path("big.bin")); err != nil || fi.Size() != streamSize {
		t.Fatalf("stat: %v, %v", fi, err)
	}
	const limit = 16 << 20
	for _, h := range []*heapWatch{first, second} {
		if grown := int64(h.peak) - int64(base); grown > limit {
			t.Errorf("heap grew by %d MB while copying, limit %d MB", grown>>20, limit>>20)
		}
	}
	t.Logf("heap peak above baseline: %d kB, %d kB", (int64(first.peak)-int64(base))>>10, (int64(second.peak)-int64(base))>>10)

	// Download, resumed at another random offset: the trailer hash is the
	// whole file's.
	from := rng.Int64N(streamSize)
	rd, err := f.r.Open("big.bin", from)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	got := sha256.New()
	n, err := io.Copy(got, rd)
	if err != nil || n != streamSize-from {
		t.Fatalf("download from %d: %d bytes, %v", from, n, err)
	}
	wantRest := sha256.New()
	io.Copy(wantRest, stream(seed, from, streamSize))
	if !bytes.Equal(got.Sum(nil), wantRest.Sum(nil)) {
		t.Error("downloaded bytes differ")
	}
	if h, err := rd.SHA256(); err != nil || !bytes.Equal(h, wantSum) {
		t.Errorf("download SHA256 %x, %v; want %x", h, err, wantSum)
	}
}
