package installer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tree writes inside one directory through an *os.Root. Root installing for
// a --user writes into directories that user can change (the install dir's
// parent, the user's home): every path is resolved inside the directory
// that was opened, so a component swapped for a symlink meanwhile cannot
// make root write, chmod or chown anything elsewhere. Files are created
// with O_EXCL and changed through their own descriptor (fchmod, fchown),
// never by name.
type tree struct {
	root     *os.Root
	dir      string
	uid, gid int // owner to hand new entries to; -1: keep ours
}

// createTree creates dir (which must not exist) and opens it. It then makes
// sure the directory it holds is the one it created: a plain directory
// (not a symlink), owned by us, and empty.
func createTree(dir string, uid, gid int) (*tree, error) {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create install dir: %w", err)
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		os.Remove(dir)
		return nil, fmt.Errorf("open install dir: %w", err)
	}
	t := &tree{root: r, dir: dir, uid: uid, gid: gid}
	if err := t.checkFresh(); err != nil {
		r.Close()
		return nil, err
	}
	return t, nil
}

func (t *tree) checkFresh() error {
	held, err := t.root.Stat(".")
	if err != nil {
		return fmt.Errorf("install dir: %w", err)
	}
	named, err := os.Lstat(t.dir)
	if err != nil || !named.IsDir() || !os.SameFile(held, named) || !ownedByUs(held) {
		return fmt.Errorf("%w: %s changed while it was being created", ErrInvalid, t.dir)
	}
	f, err := t.root.Open(".")
	if err != nil {
		return err
	}
	defer f.Close()
	if names, _ := f.Readdirnames(1); len(names) > 0 {
		return fmt.Errorf("%w: %s changed while it was being created", ErrInvalid, t.dir)
	}
	return nil
}

// openTree opens an existing directory (a user's home) for writing into.
func openTree(dir string, uid, gid int) (*tree, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return &tree{root: r, dir: dir, uid: uid, gid: gid}, nil
}

func (t *tree) close() { t.root.Close() }

// rel turns an absolute path inside the tree into a name for the root.
func (t *tree) rel(path string) (string, error) {
	r, err := filepath.Rel(t.dir, path)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) || filepath.IsAbs(r) {
		return "", fmt.Errorf("%s is not inside %s", path, t.dir)
	}
	return r, nil
}

// handOver gives f to the tree's owner and sets its mode (the umask does
// not apply: scripts must be executable).
func (t *tree) handOver(f *os.File, perm fs.FileMode) error {
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("chmod %s: %w", f.Name(), err)
	}
	if t.uid >= 0 {
		if err := f.Chown(t.uid, t.gid); err != nil {
			return fmt.Errorf("give %s away: %w", f.Name(), err)
		}
	}
	return nil
}

// own hands an existing entry (the tree's directory itself: ".") over.
func (t *tree) own(name string, perm fs.FileMode) error {
	f, err := t.root.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return t.handOver(f, perm)
}

// mkdir creates one directory and hands it over.
func (t *tree) mkdir(name string, perm fs.FileMode) error {
	if err := t.root.Mkdir(name, perm); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Join(t.dir, name), err)
	}
	return t.own(name, perm)
}

// mkdirAll is MkdirAll that hands every directory it creates over: root
// creating ~/.config for --user must not leave it root-owned.
func (t *tree) mkdirAll(name string, perm fs.FileMode) error {
	if name == "." || name == "" {
		return nil
	}
	if fi, err := t.root.Stat(name); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", filepath.Join(t.dir, name))
		}
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("stat %s: %w", filepath.Join(t.dir, name), err)
	}
	if err := t.mkdirAll(filepath.Dir(name), perm); err != nil {
		return err
	}
	if err := t.root.Mkdir(name, perm); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create %s: %w", filepath.Join(t.dir, name), err)
	}
	return t.own(name, perm)
}

// writeFile writes data to name atomically (a new temp file, then rename)
// and hands it over.
func (t *tree) writeFile(name string, data []byte, perm fs.FileMode) error {
	return t.create(name, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// create writes a new file through fill, then renames it into place.
func (t *tree) create(name string, perm fs.FileMode, fill func(io.Writer) error) error {
	tmp := name + ".tmp"
	t.root.Remove(tmp) // a leftover of a crash; never followed if a link
	f, err := t.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(t.dir, name), err)
	}
	err = fill(f)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = t.handOver(f, perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = t.root.Rename(tmp, name)
	}
	if err != nil {
		t.root.Remove(tmp)
		return fmt.Errorf("write %s: %w", filepath.Join(t.dir, name), err)
	}
	return nil
}

// exists reports whether name exists (without following a final link).
func (t *tree) exists(name string) bool {
	_, err := t.root.Lstat(name)
	return err == nil
}

// symlink creates a relative link name → target and hands the link over.
func (t *tree) symlink(target, name string) error {
	if err := t.root.Symlink(target, name); err != nil {
		return fmt.Errorf("link %s: %w", filepath.Join(t.dir, name), err)
	}
	if t.uid >= 0 {
		return t.root.Lchown(name, t.uid, t.gid)
	}
	return nil
}
