package bom

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// File is a parsed BOM: its raw structure (for layout checks) and the
// entries of its Paths tree.
type File struct {
	Blocks    []Block // the block table; Blocks[0] is the null block
	Vars      []Var   // named blocks, in file order
	Trees     map[string]Tree
	Info      Info
	Entries   []Entry // Paths in tree order
	IDs       []uint32
	ParentIDs []uint32
}

// Block is one block table entry.
type Block struct{ Addr, Len uint32 }

// Var is a named block.
type Var struct {
	Name  string
	Index uint32
}

// Tree is a tree header.
type Tree struct {
	Child, BlockSize, Count uint32
	Leaves                  int // leaf nodes reached from Child
}

// Info is the BomInfo var.
type Info struct {
	Version, Paths uint32
	Arch           [][2]uint32 // (CPU type, total size)
}

// Read parses a BOM, checking every offset against the data.
func Read(data []byte) (*File, error) {
	r := reader{data}
	if len(data) < headerSize || string(data[:8]) != magic {
		return nil, fmt.Errorf("%w: no BOMStore header", ErrFormat)
	}
	if v := r.u32(8); v != 1 {
		return nil, fmt.Errorf("%w: version %d", ErrFormat, v)
	}
	indexOff, indexLen, varsOff, varsLen := r.u32(16), r.u32(20), r.u32(24), r.u32(28)
	table, err := r.slice(indexOff, indexLen)
	if err == nil && len(table) < 4 {
		err = fmt.Errorf("%d bytes", len(table))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: block table: %w", ErrFormat, err)
	}
	f := &File{Trees: map[string]Tree{}}
	t := reader{table}
	n := t.u32(0)
	if uint64(n)*8+4 > uint64(len(table)) {
		return nil, fmt.Errorf("%w: %d blocks do not fit the block table", ErrFormat, n)
	}
	for i := range int(n) {
		f.Blocks = append(f.Blocks, Block{t.u32(4 + 8*i), t.u32(8 + 8*i)})
	}
	if len(f.Blocks) == 0 || f.Blocks[0] != (Block{}) {
		return nil, fmt.Errorf("%w: block 0 is not null", ErrFormat)
	}
	vars, err := r.slice(varsOff, varsLen)
	if err != nil || len(vars) < 4 {
		return nil, fmt.Errorf("%w: vars", ErrFormat)
	}
	vr := reader{vars}
	count, off := vr.u32(0), 4
	for range int(count) {
		if off+5 > len(vars) || off+5+int(vars[off+4]) > len(vars) {
			return nil, fmt.Errorf("%w: vars truncated", ErrFormat)
		}
		l := int(vars[off+4])
		f.Vars = append(f.Vars, Var{string(vars[off+5 : off+5+l]), vr.u32(off)})
		off += 5 + l
	}
	if err := f.readInfo(data); err != nil {
		return nil, err
	}
	for _, name := range []string{"Paths", "HLIndex", "Size64"} {
		if _, err := f.readTree(data, name, f.varIndex(name)); err != nil {
			return nil, err
		}
	}
	vi, err := f.block(data, f.varIndex("VIndex"))
	if err != nil || len(vi) < 13 {
		return nil, fmt.Errorf("%w: VIndex", ErrFormat)
	}
	if _, err := f.readTree(data, "VIndex/tree", binary.BigEndian.Uint32(vi[4:])); err != nil {
		return nil, err
	}
	return f, f.readPaths(data)
}

func (f *File) varIndex(name string) uint32 {
	for _, v := range f.Vars {
		if v.Name == name {
			return v.Index
		}
	}
	return 0
}

func (f *File) block(data []byte, i uint32) ([]byte, error) {
	if i == 0 || int(i) >= len(f.Blocks) {
		return nil, fmt.Errorf("%w: block index %d of %d", ErrFormat, i, len(f.Blocks))
	}
	b := f.Blocks[i]
	return reader{data}.slice(b.Addr, b.Len)
}

func (f *File) readInfo(data []byte) error {
	b, err := f.block(data, f.varIndex("BomInfo"))
	if err != nil || len(b) < 12 {
		return fmt.Errorf("%w: BomInfo", ErrFormat)
	}
	r := reader{b}
	f.Info = Info{Version: r.u32(0), Paths: r.u32(4)}
	n := r.u32(8)
	if uint64(n)*16+12 > uint64(len(b)) {
		return fmt.Errorf("%w: BomInfo entries", ErrFormat)
	}
	for i := range int(n) {
		f.Info.Arch = append(f.Info.Arch, [2]uint32{r.u32(12 + 16*i), r.u32(20 + 16*i)})
	}
	return nil
}

// readTree parses the tree header in block i and walks its leaves,
// returning their (key, value) pairs in order.
func (f *File) readTree(data []byte, name string, i uint32) ([][2]uint32, error) {
	b, err := f.block(data, i)
	if err != nil || len(b) < 21 || string(b[:4]) != "tree" {
		return nil, fmt.Errorf("%w: %s is not a tree", ErrFormat, name)
	}
	r := reader{b}
	t := Tree{Child: r.u32(8), BlockSize: r.u32(12), Count: r.u32(16)}
	if v := r.u32(4); v != 1 {
		return nil, fmt.Errorf("%w: %s tree version %d", ErrFormat, name, v)
	}
	// A branch lists leaves; a leaf is the whole tree.
	leaves := []uint32{t.Child}
	isLeaf, kv, _, err := f.node(data, t.Child)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !isLeaf {
		leaves = leaves[:0]
		for _, p := range kv {
			leaves = append(leaves, p[0])
		}
	}
	var pairs [][2]uint32
	seen := map[uint32]bool{}
	for j, l := range leaves {
		if seen[l] {
			return nil, fmt.Errorf("%w: %s lists leaf %d twice", ErrFormat, name, l)
		}
		seen[l] = true
		isLeaf, kv, links, err := f.node(data, l)
		if err != nil || !isLeaf {
			return nil, fmt.Errorf("%w: %s leaf %d", ErrFormat, name, l)
		}
		if next := uint32(0); j+1 < len(leaves) {
			next = leaves[j+1]
			if links[0] != next {
				return nil, fmt.Errorf("%w: %s leaf %d links to %d, not %d", ErrFormat, name, l, links[0], next)
			}
		}
		pairs = append(pairs, kv...)
	}
	if uint32(len(pairs)) != t.Count {
		return nil, fmt.Errorf("%w: %s holds %d entries, header says %d", ErrFormat, name, len(pairs), t.Count)
	}
	t.Leaves = len(leaves)
	f.Trees[name] = t
	return pairs, nil
}

func (f *File) node(data []byte, i uint32) (leaf bool, kv [][2]uint32, links [2]uint32, err error) {
	b, err := f.block(data, i)
	if err != nil || len(b) < 12 {
		return false, nil, links, fmt.Errorf("%w: tree node %d", ErrFormat, i)
	}
	r := reader{b}
	n := int(binary.BigEndian.Uint16(b[2:]))
	if 12+8*n > len(b) {
		return false, nil, links, fmt.Errorf("%w: tree node %d holds %d entries in %d bytes", ErrFormat, i, n, len(b))
	}
	for j := range n {
		kv = append(kv, [2]uint32{r.u32(12 + 8*j), r.u32(16 + 8*j)})
	}
	return binary.BigEndian.Uint16(b) == 1, kv, [2]uint32{r.u32(4), r.u32(8)}, nil
}

func (f *File) readPaths(data []byte) error {
	pairs, err := f.readTree(data, "Paths", f.varIndex("Paths"))
	if err != nil {
		return err
	}
	names := map[uint32]string{}
	parent := map[uint32]uint32{}
	for _, p := range pairs {
		key, err := f.block(data, p[0])
		if err != nil || len(key) < 8 {
			return fmt.Errorf("%w: path key %d", ErrFormat, p[0])
		}
		val, err := f.block(data, p[1])
		if err != nil || len(val) < 5 || val[len(val)-1] != 0 {
			return fmt.Errorf("%w: path name %d", ErrFormat, p[1])
		}
		id, pid := binary.BigEndian.Uint32(key), binary.BigEndian.Uint32(val)
		name := string(val[4 : len(val)-1])
		if _, dup := names[id]; dup || id == 0 || strings.ContainsRune(name, '/') {
			return fmt.Errorf("%w: path id %d (%q)", ErrFormat, id, name)
		}
		names[id], parent[id] = name, pid
		e, err := f.metadata(data, binary.BigEndian.Uint32(key[4:]))
		if err != nil {
			return err
		}
		f.Entries = append(f.Entries, e)
		f.IDs = append(f.IDs, id)
		f.ParentIDs = append(f.ParentIDs, pid)
	}
	for i, id := range f.IDs {
		var parts []string
		for cur, hops := id, 0; cur != 0; cur, hops = parent[cur], hops+1 {
			name, ok := names[cur]
			if !ok || hops > len(names) {
				return fmt.Errorf("%w: path %d has a broken or cyclic parent chain", ErrFormat, id)
			}
			parts = append(parts, name)
		}
		for l, r := 0, len(parts)-1; l < r; l, r = l+1, r-1 {
			parts[l], parts[r] = parts[r], parts[l]
		}
		f.Entries[i].Path = strings.Join(parts, "/")
	}
	return nil
}

func (f *File) metadata(data []byte, i uint32) (Entry, error) {
	b, err := f.block(data, i)
	if err != nil || len(b) < 23 || b[1] != 1 {
		return Entry{}, fmt.Errorf("%w: path metadata %d", ErrFormat, i)
	}
	r := reader{b}
	mode := binary.BigEndian.Uint16(b[4:])
	e := Entry{Mode: mode & 0o7777, UID: r.u32(6), GID: r.u32(10), MTime: r.u32(14), Size: r.u32(18)}
	switch {
	case b[0] == typeDir && mode&0o170000 == modeDir:
		e.Dir = true
	case b[0] == typeFile && mode&0o170000 == modeRegular && len(b) >= 27:
		e.Checksum = r.u32(23)
	default:
		return Entry{}, fmt.Errorf("%w: path metadata %d: type %d mode %o", ErrFormat, i, b[0], mode)
	}
	return e, nil
}

type reader struct{ b []byte }

// u32 reads at off; callers have checked the length.
func (r reader) u32(off int) uint32 { return binary.BigEndian.Uint32(r.b[off:]) }

func (r reader) slice(off, n uint32) ([]byte, error) {
	if uint64(off)+uint64(n) > uint64(len(r.b)) {
		return nil, fmt.Errorf("%d bytes at %d past the end (%d)", n, off, len(r.b))
	}
	return r.b[off : off+n], nil
}
