package bom

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func sampleEntries() []Entry {
	return []Entry{
		{Path: ".", Dir: true, Mode: 0o755},
		{Path: "./tether", Mode: 0o755, MTime: 1700000000, Size: 5, Checksum: Cksum([]byte("agent"))},
		{Path: "./uninstall", Mode: 0o755, MTime: 1700000000, Size: 3, Checksum: Cksum([]byte("rm\n"))},
		{Path: "./share", Dir: true, Mode: 0o755, UID: 0, GID: 80},
		{Path: "./share/doc", Mode: 0o644, Size: 0, Checksum: Cksum(nil)},
	}
}

func TestRoundTrip(t *testing.T) {
	in := sampleEntries()
	b, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(b)
	if err != nil {
		t.Fatal(err)
	}
	// Breadth first, siblings by name: ., ./share, ./tether, ./uninstall, ./share/doc.
	wantOrder := []string{".", "./share", "./tether", "./uninstall", "./share/doc"}
	var got []string
	for _, e := range f.Entries {
		got = append(got, e.Path)
	}
	if !slices.Equal(got, wantOrder) {
		t.Fatalf("order %q, want %q", got, wantOrder)
	}
	for _, e := range f.Entries {
		i := slices.IndexFunc(in, func(x Entry) bool { return x.Path == e.Path })
		want := in[i]
		if want.Dir {
			want.Size = 0
		}
		if e != want {
			t.Errorf("%s: read %+v, wrote %+v", e.Path, e, want)
		}
	}
	if !slices.Equal(f.IDs, []uint32{1, 2, 3, 4, 5}) || !slices.Equal(f.ParentIDs, []uint32{0, 1, 1, 1, 2}) {
		t.Errorf("ids %v parents %v", f.IDs, f.ParentIDs)
	}
}

// TestDocumentedLayout checks what the public descriptions (bomutils
// bom.h, stuckliste's format reference) and a BOM written by Apple's own
// tools (pkgbuild, InstallCmds-502, inspected while writing this package)
// agree on, field by field.
func TestDocumentedLayout(t *testing.T) {
	b, err := Build(sampleEntries())
	if err != nil {
		t.Fatal(err)
	}
	u32 := func(off int) uint32 { return binary.BigEndian.Uint32(b[off:]) }
	if string(b[:8]) != "BOMStore" || u32(8) != 1 {
		t.Fatalf("header % x", b[:12])
	}
	f, err := Read(b)
	if err != nil {
		t.Fatal(err)
	}
	if u32(12) != uint32(len(f.Blocks)-1) {
		t.Errorf("header counts %d non-null blocks, table has %d", u32(12), len(f.Blocks)-1)
	}
	if int(u32(16)+u32(20)) != len(b) {
		t.Errorf("block table and free list do not end the file")
	}
	var names []string
	for _, v := range f.Vars {
		names = append(names, v.Name)
	}
	if !slices.Equal(names, []string{"BomInfo", "Paths", "HLIndex", "VIndex", "Size64"}) {
		t.Errorf("vars %q", names)
	}
	for name, bs := range map[string]uint32{"Paths": 4096, "HLIndex": 4096, "Size64": 4096, "VIndex/tree": 128} {
		tr := f.Trees[name]
		if tr.BlockSize != bs || f.Blocks[tr.Child].Len != bs {
			t.Errorf("%s: block size %d, node block %d bytes; Apple pads nodes to %d", name, tr.BlockSize, f.Blocks[tr.Child].Len, bs)
		}
	}
	if f.Info.Version != 1 || f.Info.Paths != 6 || !slices.Equal(f.Info.Arch, [][2]uint32{{0, 8}}) {
		t.Errorf("BomInfo %+v: Apple writes paths+1 and one CPU-0 entry with the files' total size", f.Info)
	}
	// Metadata records: 31 bytes for a directory, 35 for a file, flags
	// 0x000f, a 1 after the size, eight zero bytes at the end.
	for _, want := range []struct {
		typ  byte
		size uint32
	}{{typeDir, 31}, {typeFile, 35}} {
		found := false
		for _, blk := range f.Blocks[1:] {
			rec := b[blk.Addr : blk.Addr+blk.Len]
			if blk.Len != want.size || rec[0] != want.typ || rec[1] != 1 {
				continue
			}
			found = true
			if binary.BigEndian.Uint16(rec[2:]) != 0x000f || rec[22] != 1 || !bytes.Equal(rec[len(rec)-8:], make([]byte, 8)) {
				t.Errorf("type %d record % x", want.typ, rec)
			}
		}
		if !found {
			t.Errorf("no %d-byte record of type %d", want.size, want.typ)
		}
	}
	golden(t, "layout.golden", Layout(b))
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n%s", name, got)
	}
}

func TestManyLeaves(t *testing.T) {
	entries := []Entry{{Path: ".", Dir: true, Mode: 0o755}, {Path: "./d", Dir: true, Mode: 0o700}}
	for i := range 600 {
		entries = append(entries, Entry{Path: fmt.Sprintf("./d/f%03d", i), Mode: 0o644, Size: uint32(i)})
	}
	b, err := Build(entries)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(b)
	if err != nil {
		t.Fatal(err)
	}
	if tr := f.Trees["Paths"]; tr.Leaves != 3 || tr.Count != 602 {
		t.Errorf("Paths tree %+v, want 3 leaves of 602 entries", tr)
	}
	if len(f.Entries) != 602 || f.Entries[601].Path != "./d/f599" || f.Entries[601].Size != 599 {
		t.Errorf("last entry %+v", f.Entries[len(f.Entries)-1])
	}
}

func TestBuildRejects(t *testing.T) {
	for name, in := range map[string][]Entry{
		"no root":        {{Path: "./a"}},
		"root is a file": {{Path: "."}},
		"no parent":      {{Path: ".", Dir: true}, {Path: "./a/b"}},
		"file parent":    {{Path: ".", Dir: true}, {Path: "./a"}, {Path: "./a/b"}},
		"unclean":        {{Path: ".", Dir: true}, {Path: "./a/../b"}},
		"absolute":       {{Path: ".", Dir: true}, {Path: "/etc"}},
		"twice":          {{Path: ".", Dir: true}, {Path: "./a"}, {Path: "./a"}},
		"type bits":      {{Path: ".", Dir: true}, {Path: "./a", Mode: 0o100644}},
	} {
		if _, err := Build(in); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestCksum compares with cksum(1), which computes the same CRC as the
// cksum of macOS that Apple's BOMs carry.
func TestCksum(t *testing.T) {
	if Cksum([]byte("Hello, World!\n")) != 1051740612 { // the value in Apple's sample BOM
		t.Errorf("Cksum(hello) = %d", Cksum([]byte("Hello, World!\n")))
	}
	data := make([]byte, 70000)
	for i := range data {
		data[i] = byte(i * 31 >> 3)
	}
	var w CksumWriter
	w.Write(data[:1000])
	w.Write(data[1000:])
	if w.Sum32() != Cksum(data) {
		t.Error("CksumWriter differs from Cksum")
	}
	if _, err := exec.LookPath("cksum"); err != nil {
		t.Skip("no cksum(1)")
	}
	for _, d := range [][]byte{nil, []byte("a"), data} {
		cmd := exec.Command("cksum")
		cmd.Stdin = bytes.NewReader(d)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := strconv.ParseUint(strings.Fields(string(out))[0], 10, 32)
		if got := Cksum(d); got != uint32(want) {
			t.Errorf("Cksum of %d bytes = %d, cksum(1) says %d", len(d), got, want)
		}
	}
}

func FuzzRead(f *testing.F) {
	b, _ := Build(sampleEntries())
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		Read(b) // must not panic, hang or allocate without bound
	})
}

// TestCksumSlicing compares the 8-byte-at-a-time CRC with the plain
// byte-at-a-time definition on every length and alignment.
func TestCksumSlicing(t *testing.T) {
	slow := func(p []byte) uint32 {
		var c uint32
		for _, b := range p {
			c = c<<8 ^ cksumTable[byte(c>>24)^b]
		}
		for n := uint64(len(p)); n > 0; n >>= 8 {
			c = c<<8 ^ cksumTable[byte(c>>24)^byte(n)]
		}
		return ^c
	}
	data := make([]byte, 100)
	for i := range data {
		data[i] = byte(i*131 + 7)
	}
	for i := 0; i < len(data); i++ {
		for j := i; j <= len(data); j++ {
			if Cksum(data[i:j]) != slow(data[i:j]) {
				t.Fatalf("Cksum(data[%d:%d]) differs", i, j)
			}
		}
	}
}
