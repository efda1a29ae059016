package files

import (
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetherhq/tether/internal/testdir"
)

const benchSize = 32 << 20

// repeat yields n bytes cycling through buf without allocating, standing in
// for a request body (it is neither a file nor a WriterTo, so io.Copy to an
// *os.File takes the generic 32 kB-buffer path, as it would for HTTP).
type repeat struct {
	buf []byte
	n   int64
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(int64(len(p)), r.n)], r.buf[r.n%int64(len(r.buf)):])
	r.n -= int64(n)
	return n, nil
}

func benchData() []byte {
	b := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{}).Read(b)
	return b
}

// BenchmarkWrite compares an upload through Writer (part file, SHA-256,
// fsync, link into place) with writing the same bytes with io.Copy.
func BenchmarkWrite(b *testing.B) {
	data := benchData()
	dir := testdir.New(b)
	plain := func(b *testing.B, sync bool) {
		b.SetBytes(benchSize)
		for b.Loop() {
			f, err := os.Create(filepath.Join(dir, "plain"))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(f, &repeat{buf: data, n: benchSize}); err != nil {
				b.Fatal(err)
			}
			if sync {
				f.Sync()
			}
			f.Close()
		}
	}
	b.Run("io.Copy", func(b *testing.B) { plain(b, false) })
	b.Run("io.Copy+fsync", func(b *testing.B) { plain(b, true) })
	b.Run("Writer", func(b *testing.B) {
		r, err := OpenRoot(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		b.SetBytes(benchSize)
		for b.Loop() {
			w, err := r.Create("upload", benchSize, 0, true)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(w, &repeat{buf: data, n: benchSize}); err != nil {
				b.Fatal(err)
			}
			if _, err := w.Commit(nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
