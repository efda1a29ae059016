package bom

import (
	"fmt"
	"strings"
)

// Layout describes the structure of a BOM in text: header, vars, trees,
// and each path with its id, parent and metadata. Tests compare it with a
// golden file; it is also handy when comparing with Apple's output.
func Layout(data []byte) string {
	f, err := Read(data)
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "size %d, %d blocks (%d non-null)\n", len(data), len(f.Blocks), len(f.Blocks)-1)
	for _, v := range f.Vars {
		blk := f.Blocks[v.Index]
		fmt.Fprintf(&b, "var %-8s block %3d at %6d, %4d bytes\n", v.Name, v.Index, blk.Addr, blk.Len)
	}
	for _, name := range []string{"Paths", "HLIndex", "VIndex/tree", "Size64"} {
		t := f.Trees[name]
		fmt.Fprintf(&b, "tree %-11s block size %4d, %d entries in %d leaves\n", name, t.BlockSize, t.Count, t.Leaves)
	}
	fmt.Fprintf(&b, "BomInfo v%d, %d paths, %v\n", f.Info.Version, f.Info.Paths, f.Info.Arch)
	for i, e := range f.Entries {
		kind := "file"
		if e.Dir {
			kind = "dir "
		}
		fmt.Fprintf(&b, "path %2d parent %2d %s %04o %d:%d mtime %d size %d cksum %d %s\n",
			f.IDs[i], f.ParentIDs[i], kind, e.Mode, e.UID, e.GID, e.MTime, e.Size, e.Checksum, e.Path)
	}
	return b.String()
}
