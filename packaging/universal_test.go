package packaging

import (
	"bytes"
	"debug/macho"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	darwinBuildsOnce sync.Once
	darwinBuilds     map[string][]byte
	darwinBuildsErr  error
)

// darwinHello cross-compiles testdata/hello for darwin/arch (once per test
// binary) and returns the thin Mach-O.
func darwinHello(t testing.TB, arch string) []byte {
	t.Helper()
	darwinBuildsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tether-darwin-hello-")
		if err != nil {
			darwinBuildsErr = err
			return
		}
		defer os.RemoveAll(dir)
		darwinBuilds = map[string][]byte{}
		for _, a := range []string{"amd64", "arm64"} {
			out := filepath.Join(dir, "hello-"+a)
			cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./testdata/hello")
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=darwin", "GOARCH="+a)
			if b, err := cmd.CombinedOutput(); err != nil {
				darwinBuildsErr = errors.New(string(b))
				return
			}
			if darwinBuilds[a], err = os.ReadFile(out); err != nil {
				darwinBuildsErr = err
				return
			}
		}
	})
	if darwinBuildsErr != nil {
		t.Fatalf("cross-compile testdata/hello: %v", darwinBuildsErr)
	}
	return darwinBuilds[arch]
}

func universalHello(t testing.TB) []byte {
	t.Helper()
	amd, arm := darwinHello(t, "amd64"), darwinHello(t, "arm64")
	var b bytes.Buffer
	err := BuildUniversal(&b,
		UniversalSlice{R: bytes.NewReader(amd), Size: int64(len(amd))},
		UniversalSlice{R: bytes.NewReader(arm), Size: int64(len(arm))})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBuildUniversal(t *testing.T) {
	amd, arm := darwinHello(t, "amd64"), darwinHello(t, "arm64")
	fatBytes := universalHello(t)
	fat, err := macho.NewFatFile(bytes.NewReader(fatBytes))
	if err != nil {
		t.Fatalf("debug/macho cannot parse the universal binary: %v", err)
	}
	want := []struct {
		cpu   macho.Cpu
		align uint32
		thin  []byte
	}{{macho.CpuAmd64, 12, amd}, {macho.CpuArm64, 14, arm}}
	if len(fat.Arches) != len(want) {
		t.Fatalf("%d arches, want %d", len(fat.Arches), len(want))
	}
	for i, w := range want {
		a := fat.Arches[i]
		if a.Cpu != w.cpu || a.Align != w.align {
			t.Errorf("arch %d: cpu %v align %d, want %v %d", i, a.Cpu, a.Align, w.cpu, w.align)
		}
		if a.Offset%(1<<a.Align) != 0 {
			t.Errorf("arch %d: offset %#x not aligned to 2^%d", i, a.Offset, a.Align)
		}
		// The slice must be the thin binary byte for byte: its code
		// signature covers exactly these bytes.
		if got := fatBytes[a.Offset : a.Offset+a.Size]; !bytes.Equal(got, w.thin) {
			t.Errorf("arch %d: slice differs from the thin binary", i)
		}
		if a.File.Type != macho.TypeExec {
			t.Errorf("arch %d: type %v", i, a.File.Type)
		}
	}
	if last := fat.Arches[len(fat.Arches)-1]; int(last.Offset+last.Size) != len(fatBytes) {
		t.Errorf("trailing bytes after the last slice")
	}
	// An independent identification: libmagic's.
	if _, err := exec.LookPath("file"); err == nil {
		p := filepath.Join(t.TempDir(), "tether")
		os.WriteFile(p, fatBytes, 0o755)
		out, _ := exec.Command("file", "-b", p).Output()
		if s := string(out); !strings.Contains(s, "universal binary with 2 architectures") ||
			!strings.Contains(s, "x86_64") || !strings.Contains(s, "arm64") {
			t.Errorf("file(1) says %q", s)
		}
	}
}

func TestBuildUniversalRejects(t *testing.T) {
	amd := darwinHello(t, "amd64")
	slice := func(b []byte) UniversalSlice { return UniversalSlice{R: bytes.NewReader(b), Size: int64(len(b))} }
	elf := append([]byte("\x7fELF"), make([]byte, 60)...)
	for name, in := range map[string][]UniversalSlice{
		"none":      nil,
		"duplicate": {slice(amd), slice(amd)},
		"not macho": {slice(elf)},
		"short":     {slice([]byte{0xcf, 0xfa})},
		"fat":       {slice(universalHello(t))},
	} {
		if err := BuildUniversal(&bytes.Buffer{}, in...); !errors.Is(err, ErrUniversal) {
			t.Errorf("%s: err = %v, want ErrUniversal", name, err)
		}
	}
}

func FuzzThinMachO(f *testing.F) {
	f.Add([]byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1, 3, 0, 0, 0})
	f.Add([]byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		cpu, _, err := thinMachO(b)
		if err == nil && (len(b) < 12 || cpu != uint32(b[4])|uint32(b[5])<<8|uint32(b[6])<<16|uint32(b[7])<<24) {
			t.Fatalf("accepted %x as cpu %#x", b, cpu)
		}
	})
}
