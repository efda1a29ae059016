package files

import (
	"cmp"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// Item is one entry of a listing (SPEC G: {name, size, dir, modified}).
type Item struct {
	Name     string    `json:"name"`
	Size     int64     `json:"size"`
	Dir      bool      `json:"dir"`
	Modified time.Time `json:"modified"`
	// Link: a symbolic link; Dir, Size and Modified are its target's when
	// the target is inside the root.
	Link bool `json:"link,omitempty"`
}

// Listing is a directory's entries, directories first, then by name.
type Listing struct {
	Items []Item `json:"items"`
	// Truncated: the directory has more than Options.MaxEntries entries;
	// Items holds that many, in the order the file system gave them
	// before sorting.
	Truncated bool `json:"truncated,omitempty"`
}

// Stat describes one file or directory, following symbolic links that
// stay inside the root.
func (r *Root) Stat(name string) (Item, error) {
	p, err := r.clean("stat", name)
	if err != nil {
		return Item{}, err
	}
	fi, err := r.root.Stat(p)
	if err != nil {
		return Item{}, classify("stat", name, err, r.escapes)
	}
	return item(fi), nil
}

// List reads a directory ("" or "." is the root). Upload part files are
// left out.
func (r *Root) List(name string) (*Listing, error) {
	p, err := r.clean("list", name)
	if err != nil {
		return nil, err
	}
	d, err := r.root.Open(p)
	if err != nil {
		return nil, classify("list", name, err, r.escapes)
	}
	defer d.Close()
	if fi, err := d.Stat(); err != nil {
		return nil, classify("list", name, err, r.escapes)
	} else if !fi.IsDir() {
		return nil, refuse("list", name, ErrNotDir, nil)
	}

	l := &Listing{Items: []Item{}}
	for {
		batch, err := d.ReadDir(256)
		for _, e := range batch {
			if isPartName(e.Name()) {
				continue
			}
			if len(l.Items) == r.opts.MaxEntries {
				l.Truncated = true
				break
			}
			l.Items = append(l.Items, r.entry(p, e))
		}
		if l.Truncated || errors.Is(err, io.EOF) || (err == nil && len(batch) == 0) {
			break
		}
		if err != nil {
			return nil, classify("list", name, err, r.escapes)
		}
	}
	slices.SortFunc(l.Items, func(a, b Item) int {
		if a.Dir != b.Dir {
			if a.Dir {
				return -1
			}
			return 1
		}
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)),
			strings.Compare(a.Name, b.Name))
	})
	return l, nil
}

// entry describes a directory entry; a symbolic link shows its target when
// that is inside the root, else the link itself.
func (r *Root) entry(dir string, e fs.DirEntry) Item {
	fi, err := e.Info()
	if err != nil { // removed meanwhile
		return Item{Name: e.Name(), Dir: e.IsDir()}
	}
	it := item(fi)
	if fi.Mode()&fs.ModeSymlink != 0 {
		it.Link = true
		if target, err := r.root.Stat(path.Join(dir, e.Name())); err == nil {
			it = item(target)
			it.Link = true
		}
	}
	it.Name = e.Name()
	return it
}

func item(fi fs.FileInfo) Item {
	it := Item{Name: fi.Name(), Dir: fi.IsDir(), Modified: fi.ModTime().UTC()}
	if !it.Dir {
		it.Size = fi.Size()
	}
	return it
}
