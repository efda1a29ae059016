package cfb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/tetherhq/tether/internal/cfb/cfbtest"
)

func random(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestReadScattered(t *testing.T) {
	streams := []cfbtest.Stream{
		{Name: "\x05DigitalSignature", Data: random(2937, 1)},
		{Name: "small", Data: random(100, 2)},
		{Name: "big", Data: random(10000, 3)},
		{Name: "empty", Data: nil},
	}
	for _, scatter := range []bool{false, true} {
		file := cfbtest.Build(streams, scatter)
		f, err := Open(bytes.NewReader(file), int64(len(file)))
		if err != nil {
			t.Fatalf("scatter %v: %v", scatter, err)
		}
		kids, err := f.Children(0)
		if err != nil || len(kids) != len(streams) {
			t.Fatalf("children %v, %v", kids, err)
		}
		for _, s := range streams {
			e, err := f.Stream(s.Name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.ReadStream(e)
			if err != nil || !bytes.Equal(got, s.Data) {
				t.Fatalf("scatter %v: stream %q read back wrong (%v)", scatter, s.Name, err)
			}
			ext, _ := f.Extents(e)
			if scatter && len(s.Data) > 64 && len(ext) < 2 {
				t.Errorf("stream %q: %d extents, expected it scattered", s.Name, len(ext))
			}
			// Any range mapped through the extents reads the same bytes
			// from the file as from the stream.
			for range 50 {
				if len(s.Data) == 0 {
					break
				}
				off := rand.IntN(len(s.Data))
				n := rand.IntN(len(s.Data) - off + 1)
				m, err := Map(ext, int64(off), int64(n))
				if err != nil {
					t.Fatal(err)
				}
				var via []byte
				for _, x := range m {
					via = append(via, file[x.Offset:x.Offset+x.Len]...)
				}
				if !bytes.Equal(via, s.Data[off:off+n]) {
					t.Fatalf("stream %q: Map(%d, %d) reads other bytes", s.Name, off, n)
				}
			}
		}
		if _, err := f.Stream("missing"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing stream: %v", err)
		}
	}
}

func TestMapBounds(t *testing.T) {
	ext := []Extent{{Offset: 1000, Len: 64}, {Offset: 500, Len: 64}}
	if _, err := Map(ext, 100, 29); err == nil {
		t.Error("range past the stream accepted")
	}
	m, err := Map(ext, 60, 8)
	if err != nil || len(m) != 2 || m[0] != (Extent{1060, 4}) || m[1] != (Extent{500, 4}) {
		t.Errorf("Map across extents = %v, %v", m, err)
	}
}

func TestOpenRejects(t *testing.T) {
	good := cfbtest.Build([]cfbtest.Stream{{Name: "a", Data: random(5000, 4)}, {Name: "b", Data: random(300, 5)}}, true)
	for name, mutate := range map[string]func([]byte){
		"signature":   func(b []byte) { b[0] = 0 },
		"sector size": func(b []byte) { b[0x1E] = 10 },
		"FAT count":   func(b []byte) { binary.LittleEndian.PutUint32(b[0x2C:], 1<<20) },
		"dir sector":  func(b []byte) { binary.LittleEndian.PutUint32(b[0x30:], 1<<20) },
	} {
		b := bytes.Clone(good)
		mutate(b)
		if _, err := Open(bytes.NewReader(b), int64(len(b))); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", name, err)
		}
	}
	if _, err := Open(bytes.NewReader(good[:300]), 300); !errors.Is(err, ErrFormat) {
		t.Errorf("truncated: %v", err)
	}
}

func TestMSINames(t *testing.T) {
	for _, name := range []string{"TetherAgentSHA256", "Binary.TetherCA", "a", "x.y_z"} {
		enc := EncodeMSIName(name)
		if enc == name {
			t.Errorf("%q not encoded", name)
		}
		if got := DecodeMSIName(enc); got != name {
			t.Errorf("DecodeMSIName(EncodeMSIName(%q)) = %q", name, got)
		}
	}
	// A table stream as msiinfo shows it, and a name that is not encoded.
	if got := DecodeMSIName("\u4840" + EncodeMSIName("Property")); got != "!Property" {
		t.Errorf("table name decoded as %q", got)
	}
	if got := DecodeMSIName("\x05DigitalSignature"); got != "\x05DigitalSignature" {
		t.Errorf("plain name decoded as %q", got)
	}
}

// FuzzOpen: arbitrary files never panic, and whatever is read stays
// inside the file.
func FuzzOpen(f *testing.F) {
	f.Add(cfbtest.Build([]cfbtest.Stream{{Name: "\x05DigitalSignature", Data: random(700, 6)}, {Name: "big", Data: random(4100, 7)}}, true))
	f.Add(cfbtest.Build([]cfbtest.Stream{{Name: "x", Data: []byte("hello")}}, false))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		kids, err := c.Children(0)
		if err != nil {
			return
		}
		for _, e := range kids {
			ext, err := c.Extents(e)
			if err != nil {
				continue
			}
			for _, x := range ext {
				if x.Offset < 0 || x.Len < 0 || x.Offset+x.Len > int64(len(data)) {
					t.Fatalf("extent %v outside a file of %d bytes", x, len(data))
				}
			}
			if b, err := c.ReadStream(e); err == nil && uint64(len(b)) != e.Size {
				t.Fatalf("read %d bytes of a %d-byte stream", len(b), e.Size)
			}
		}
	})
}
