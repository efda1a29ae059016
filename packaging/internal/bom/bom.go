// Package bom writes and reads the bill of materials ("Bom") of a macOS
// component package: the list of payload paths with their modes, owners,
// sizes and checksums that Installer records as the package receipt.
//
// Apple never documented the format. This implementation follows the
// public descriptions in bomutils (src/bom.h) and stuckliste
// (docs/bom-file-format-reference.md, receipt-file-format-reference.md):
//
//	header (512 bytes)  "BOMStore", version 1, non-null block count,
//	                    offset+length of the block table, of the vars
//	vars                count, then (block index u32, name length u8, name)
//	blocks              the data every index points to
//	block table         count, then (address u32, length u32); entry 0 is null
//	free list           count (0) and two empty pointers, as mkbom writes
//
// All integers are big-endian. The vars a receipt needs are BomInfo
// (statistics), Paths (a "tree" of path entries), HLIndex (hard links),
// VIndex (virtual paths) and Size64 (sizes over 4 GiB); the last three are
// empty trees here. A tree header points at a node block: a leaf (flag 1)
// holds (key, value) block index pairs and links to its neighbours, a
// branch (flag 0) points at leaves. In Paths a key is (id, metadata block)
// and a value is (parent id, name); ids number the entries breadth first
// from the root ".", children sorted by name, like mkbom.
package bom

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
)

const (
	magic      = "BOMStore"
	headerSize = 512

	typeFile = 1
	typeDir  = 2

	modeDir     = 0o040000
	modeRegular = 0o100000

	// flagsFull marks an entry with full metadata (not "path only"); the
	// high nibble (binary type) stays 0, plain file.
	flagsFull = 0x000f

	pathsBlockSize = 4096 // Paths, HLIndex, Size64 trees
	smallBlockSize = 128  // the tree inside VIndex
	leafCapacity   = 256  // entries per Paths leaf, as mkbom
)

// ErrFormat is returned for entries the writer refuses and for files the
// reader cannot parse.
var ErrFormat = errors.New("bom: invalid")

// Entry is one path of the payload.
type Entry struct {
	Path     string // "." for the install location, else "./a/b"
	Dir      bool
	Mode     uint16 // permission bits; the writer adds the type bits
	UID, GID uint32
	MTime    uint32
	Size     uint32 // regular files
	Checksum uint32 // regular files: Cksum of the content
}

// Write writes the BOM of entries. Every entry's parent directory must be
// listed too, up to ".".
func Write(w io.Writer, entries []Entry) error {
	b, err := Build(entries)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("bom: %w", err)
	}
	return nil
}

// Build returns the BOM of entries (see Write).
func Build(entries []Entry) ([]byte, error) {
	order, parents, err := breadthFirst(entries)
	if err != nil {
		return nil, err
	}
	s := &store{blocks: [][]byte{nil}}
	s.addVar("BomInfo", bomInfo(entries))
	s.addVar("Paths", s.paths(order, parents))
	s.addVar("HLIndex", s.emptyTree(pathsBlockSize))
	vtree := s.add(s.emptyTree(smallBlockSize))
	vindex := be32(nil, 1, vtree, 0)
	s.addVar("VIndex", append(vindex, 0))
	s.addVar("Size64", s.emptyTree(pathsBlockSize))
	return s.bytes(), nil
}

// breadthFirst validates entries and orders them as mkbom numbers them:
// breadth first from ".", siblings by name. parents[i] is the position of
// order[i]'s parent in order (-1 for ".").
func breadthFirst(entries []Entry) (order []*Entry, parents []int, err error) {
	byPath := make(map[string]*Entry, len(entries))
	children := map[string][]string{}
	for i := range entries {
		e := &entries[i]
		p := e.Path
		if p != "." && !cleanRelative(p) {
			return nil, nil, fmt.Errorf("%w: path %q must be \".\" or a clean \"./…\" path", ErrFormat, p)
		}
		if byPath[p] != nil {
			return nil, nil, fmt.Errorf("%w: %s listed twice", ErrFormat, p)
		}
		if e.Mode&^0o7777 != 0 {
			return nil, nil, fmt.Errorf("%w: %s: mode %o has more than permission bits", ErrFormat, p, e.Mode)
		}
		byPath[p] = e
		if p != "." {
			children[parentOf(p)] = append(children[parentOf(p)], p)
		}
	}
	root := byPath["."]
	if root == nil || !root.Dir {
		return nil, nil, fmt.Errorf("%w: no \".\" directory entry", ErrFormat)
	}
	for dir := range children {
		if d := byPath[dir]; d == nil || !d.Dir {
			return nil, nil, fmt.Errorf("%w: parent directory %s is not listed", ErrFormat, dir)
		}
	}
	order, parents = []*Entry{root}, []int{-1}
	for i := 0; i < len(order); i++ {
		kids := children[order[i].Path]
		slices.Sort(kids)
		for _, k := range kids {
			order = append(order, byPath[k])
			parents = append(parents, i)
		}
	}
	return order, parents, nil
}

// cleanRelative reports whether p is "./" and a clean relative path that
// stays inside the install location.
func cleanRelative(p string) bool {
	rest, ok := strings.CutPrefix(p, "./")
	return ok && rest != "" && path.Clean(rest) == rest && rest != ".." &&
		!strings.HasPrefix(rest, "../") && !strings.HasPrefix(rest, "/") && !strings.ContainsRune(rest, 0)
}

// parentOf("./a/b") is "./a"; parentOf("./a") is ".".
func parentOf(p string) string { return p[:strings.LastIndexByte(p, '/')] }

func bomInfo(entries []Entry) []byte {
	var total uint32
	for _, e := range entries {
		total += e.Size // wraps like Apple's for > 4 GiB
	}
	// version, number of paths (plus one, as in Apple's own BOMs), one
	// statistics entry: CPU type 0 (not split per architecture), total
	// size of the files.
	return be32(nil, 1, uint32(len(entries)+1), 1, 0, 0, total, 0)
}

// paths writes the metadata, key and name blocks of every entry and the
// tree nodes, and returns the Paths tree header.
func (s *store) paths(order []*Entry, parents []int) []byte {
	type pair struct{ key, value uint32 }
	pairs := make([]pair, len(order))
	for i, e := range order {
		parentID := uint32(0)
		if parents[i] >= 0 {
			parentID = uint32(parents[i] + 1)
		}
		meta := s.add(metadata(e))
		key := s.add(be32(nil, uint32(i+1), meta))
		name := path.Base(e.Path)
		value := s.add(append(append(be32(nil, parentID), name...), 0))
		pairs[i] = pair{key, value}
	}
	var leaves [][]pair
	for len(pairs) > leafCapacity {
		leaves = append(leaves, pairs[:leafCapacity])
		pairs = pairs[leafCapacity:]
	}
	leaves = append(leaves, pairs)
	// Reserve the leaf blocks first: each leaf links to the next one.
	ids := make([]uint32, len(leaves))
	for i := range leaves {
		ids[i] = s.add(nil)
	}
	var branch [][2]uint32
	for i, l := range leaves {
		var fwd, back uint32
		if i+1 < len(leaves) {
			fwd = ids[i+1]
		}
		if i > 0 {
			back = ids[i-1]
		}
		kv := make([][2]uint32, len(l))
		for j, p := range l {
			kv[j] = [2]uint32{p.key, p.value}
		}
		s.blocks[ids[i]] = node(true, kv, fwd, back, pathsBlockSize)
		branch = append(branch, [2]uint32{ids[i], l[len(l)-1].value})
	}
	child := ids[0]
	if len(leaves) > 1 {
		child = s.add(node(false, branch, 0, 0, pathsBlockSize))
	}
	return treeHeader(child, pathsBlockSize, uint32(len(order)))
}

// metadata is an entry's "path info": type, flags, stat fields, and for
// files the checksum, then eight zero bytes as Apple's mkbom writes.
func metadata(e *Entry) []byte {
	typ, mode := byte(typeFile), uint16(modeRegular)
	if e.Dir {
		typ, mode = typeDir, modeDir
	}
	b := []byte{typ, 1}
	b = binary.BigEndian.AppendUint16(b, flagsFull)
	b = binary.BigEndian.AppendUint16(b, mode|e.Mode)
	size := e.Size
	if e.Dir {
		size = 0
	}
	b = be32(b, e.UID, e.GID, e.MTime, size)
	b = append(b, 1)
	if !e.Dir {
		b = be32(b, e.Checksum)
	}
	return append(b, make([]byte, 8)...)
}

func treeHeader(child, blockSize, count uint32) []byte {
	b := append([]byte("tree"), be32(nil, 1, child, blockSize, count)...)
	return append(b, 0)
}

// node encodes a tree node padded to the tree's block size, as Apple's
// BOMs allocate them (bomutils' unpadded nodes also work).
func node(leaf bool, kv [][2]uint32, fwd, back uint32, blockSize int) []byte {
	var flag uint16
	if leaf {
		flag = 1
	}
	b := binary.BigEndian.AppendUint16(nil, flag)
	b = binary.BigEndian.AppendUint16(b, uint16(len(kv)))
	b = be32(b, fwd, back)
	for _, p := range kv {
		b = be32(b, p[0], p[1])
	}
	if len(b) < blockSize {
		b = append(b, make([]byte, blockSize-len(b))...)
	}
	return b
}

func (s *store) emptyTree(blockSize uint32) []byte {
	leaf := s.add(node(true, nil, 0, 0, int(blockSize)))
	return treeHeader(leaf, blockSize, 0)
}

// store collects blocks and named vars and lays them out like mkbom:
// header, vars, blocks, block table, free list.
type store struct {
	blocks [][]byte // index 0 is the null block
	vars   []namedBlock
}

type namedBlock struct {
	name  string
	index uint32
}

func (s *store) add(b []byte) uint32 {
	s.blocks = append(s.blocks, b)
	return uint32(len(s.blocks) - 1)
}

func (s *store) addVar(name string, b []byte) {
	s.vars = append(s.vars, namedBlock{name, s.add(b)})
}

func (s *store) bytes() []byte {
	vars := be32(nil, uint32(len(s.vars)))
	for _, v := range s.vars {
		vars = be32(vars, v.index)
		vars = append(append(vars, byte(len(v.name))), v.name...)
	}
	out := make([]byte, headerSize, headerSize+len(vars)+64<<10)
	out = append(out, vars...)
	table := be32(nil, uint32(len(s.blocks)), 0, 0)
	for _, b := range s.blocks[1:] {
		table = be32(table, uint32(len(out)), uint32(len(b)))
		out = append(out, b...)
	}
	freeList := be32(nil, 0, 0, 0, 0, 0)
	indexOffset := len(out)
	out = append(append(out, table...), freeList...)
	h := append([]byte(magic), be32(nil, 1, uint32(len(s.blocks)-1), uint32(indexOffset),
		uint32(len(table)+len(freeList)), headerSize, uint32(len(vars)))...)
	copy(out, h)
	return out
}

func be32(b []byte, vs ...uint32) []byte {
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}
