package files

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// File modes of what uploads create. The transfer folder itself is 0700,
// so inside it these grant nothing to other users; elsewhere (a policy
// root such as /) they match what cp would leave.
const (
	partMode = 0o600 // never readable by others while incomplete
	fileMode = 0o644
	dirMode  = 0o755
)

const partSuffix = ".tether-part"

// Writer receives one upload into its part file. Write (or io.Copy into
// it) appends; Commit verifies and puts the file in place; Close keeps the
// part file for a later resume; Abort removes it. Not safe for concurrent
// use.
type Writer struct {
	root      *Root
	name      string // as requested
	path      string // cleaned target
	part      string // cleaned part file
	overwrite bool
	f         *os.File
	h         hash.Hash
	size      int64 // announced, -1 unknown
	written   int64 // bytes in the part file, resumed ones included
	buf       []byte
	done      bool
}

// Result describes a committed upload (SPEC G: {path, size, sha256}).
type Result struct {
	Path   string `json:"path"`   // cleaned, relative to the root
	Size   int64  `json:"size"`   // bytes
	SHA256 string `json:"sha256"` // lower-case hex
}

// Partial returns how many bytes of an upload to name have arrived: the
// offset to resume from (0 when there is nothing to resume).
func (r *Root) Partial(name string) (int64, error) {
	p, err := r.clean("partial", name)
	if err != nil {
		return 0, err
	}
	if err := r.checkTarget("partial", name, p, true); err != nil && !errors.Is(err, ErrExists) {
		return 0, err // the same refusals as Create
	}
	fi, err := r.root.Lstat(partName(p))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return 0, nil
	case err != nil:
		return 0, classify("partial", name, err, r.escapes)
	case !fi.Mode().IsRegular():
		return 0, refuse("partial", name, ErrPathNotAllowed, errors.New("part file is not a regular file"))
	}
	return fi.Size(), nil
}

// Create starts or resumes an upload to name. size is the whole file's
// announced size (-1 when unknown); offset is 0 for a new upload or the
// Partial count to resume. Without overwrite an existing target is
// refused now and again, atomically, at Commit. Missing parent directories
// are created. Every refusal happens before anything is written.
func (r *Root) Create(name string, size, offset int64, overwrite bool) (*Writer, error) {
	const op = "create"
	p, err := r.clean(op, name)
	if err != nil {
		return nil, err
	}
	switch {
	case p == "." || isPartName(path.Base(p)):
		return nil, refuse(op, name, ErrPathNotAllowed, errors.New("not a file name"))
	case r.opts.MaxSize > 0 && size > r.opts.MaxSize:
		return nil, refuse(op, name, ErrTooLarge, fmt.Errorf("%d bytes, at most %d", size, r.opts.MaxSize))
	case offset < 0 || (size >= 0 && offset > size):
		return nil, refuse(op, name, ErrBadOffset, fmt.Errorf("offset %d of %d bytes", offset, size))
	}
	if size < 0 {
		size = -1
	}
	if !r.claim(p) {
		return nil, refuse(op, name, ErrBusy, nil)
	}
	w, err := r.create(op, name, p, size, offset, overwrite)
	if err != nil {
		r.release(p)
		return nil, err
	}
	return w, nil
}

func (r *Root) create(op, name, p string, size, offset int64, overwrite bool) (*Writer, error) {
	if err := r.checkTarget(op, name, p, overwrite); err != nil {
		return nil, err
	}
	created, err := r.mkdirs(op, name, path.Dir(p))
	if err != nil {
		r.rmdirs(created)
		return nil, err
	}
	w := &Writer{root: r, name: name, path: p, part: partName(p), overwrite: overwrite,
		h: sha256.New(), size: size, written: offset}
	if offset == 0 {
		w.f, err = r.freshPart(op, name, w.part)
	} else {
		w.f, err = r.resumePart(op, name, w.part, offset, w.h)
	}
	if err != nil {
		r.rmdirs(created)
		return nil, err
	}
	return w, nil
}

// checkTarget refuses an upload whose target is a symbolic link (wherever
// it points: replacing links is not a transfer's business), a directory,
// exists without overwrite, is something other than a regular file, or
// lies behind a link out of the root.
func (r *Root) checkTarget(op, name, p string, overwrite bool) error {
	fi, err := r.root.Lstat(p)
	if err != nil {
		err = classify(op, name, err, r.escapes)
		if errors.Is(err, ErrNotFound) {
			return nil // mkdirs reports a file in the way of a parent
		}
		return err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return refuse(op, name, ErrPathNotAllowed, errors.New("a symbolic link"))
	case fi.IsDir():
		return refuse(op, name, ErrExists, errors.New("a directory"))
	case !overwrite:
		return refuse(op, name, ErrExists, nil)
	case !fi.Mode().IsRegular():
		return refuse(op, name, ErrPathNotAllowed, fmt.Errorf("not a regular file (%v)", fi.Mode().Type()))
	}
	return nil
}

// mkdirs creates the missing directories of dir, returning those it made.
func (r *Root) mkdirs(op, name, dir string) ([]string, error) {
	if dir == "." {
		return nil, nil
	}
	var created []string
	prefix := ""
	for part := range strings.SplitSeq(dir, "/") {
		prefix = path.Join(prefix, part)
		fi, err := r.root.Stat(prefix)
		if err == nil {
			if !fi.IsDir() {
				return created, refuse(op, name, ErrExists, fmt.Errorf("%q is not a directory", prefix))
			}
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return created, classify(op, name, err, r.escapes)
		}
		if err := r.root.Mkdir(prefix, dirMode); err != nil {
			return created, classify(op, name, err, r.escapes)
		}
		created = append(created, prefix)
	}
	return created, nil
}

// rmdirs removes directories mkdirs made for an upload that then failed.
func (r *Root) rmdirs(created []string) {
	for i := len(created) - 1; i >= 0; i-- {
		r.root.Remove(created[i])
	}
}

// freshPart creates an empty part file. Whatever had its name is removed
// first (Remove takes a link itself, not its target), and O_EXCL makes
// sure the file opened is the one just created, never a link.
func (r *Root) freshPart(op, name, part string) (*os.File, error) {
	if err := r.root.Remove(part); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, classify(op, name, err, r.escapes)
	}
	f, err := r.root.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, partMode)
	if err != nil {
		return nil, classify(op, name, err, r.escapes)
	}
	return f, nil
}

// resumePart reopens a part file holding at least offset bytes, cuts it
// to offset and hashes those bytes. It must be a regular file with one
// link, and the file opened must be the one looked at: a link or a hard
// link planted under the part name cannot redirect the upload.
func (r *Root) resumePart(op, name, part string, offset int64, h hash.Hash) (*os.File, error) {
	fi, err := r.root.Lstat(part)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, refuse(op, name, ErrBadOffset, fmt.Errorf("nothing to resume at %d", offset))
	case err != nil:
		return nil, classify(op, name, err, r.escapes)
	case !fi.Mode().IsRegular() || linkCount(fi) != 1:
		return nil, refuse(op, name, ErrPathNotAllowed, errors.New("part file is not a plain file"))
	case fi.Size() < offset:
		return nil, refuse(op, name, ErrBadOffset, fmt.Errorf("offset %d, have %d bytes", offset, fi.Size()))
	}
	f, err := r.root.OpenFile(part, os.O_RDWR, 0)
	if err != nil {
		return nil, classify(op, name, err, r.escapes)
	}
	if ofi, err := f.Stat(); err != nil || !os.SameFile(fi, ofi) {
		f.Close()
		return nil, refuse(op, name, ErrPathNotAllowed, errors.New("part file changed while opening"))
	}
	err = f.Truncate(offset)
	if err == nil {
		var n int64
		n, err = io.CopyBuffer(h, io.NewSectionReader(f, 0, offset), make([]byte, copyBuf))
		if err == nil && n != offset {
			err = fmt.Errorf("read %d of %d bytes", n, offset)
		}
	}
	if err == nil {
		_, err = f.Seek(offset, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, refuse(op, name, nil, err)
	}
	return f, nil
}

// Write appends to the part file. More bytes than announced, or than the
// maximum size, end the upload: the part file is removed.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, refuse("write", w.name, nil, errClosed)
	}
	total := w.written + int64(len(p))
	if (w.size >= 0 && total > w.size) || (w.root.opts.MaxSize > 0 && total > w.root.opts.MaxSize) {
		w.Abort()
		return 0, refuse("write", w.name, ErrTooLarge, fmt.Errorf("more than the %d bytes allowed", w.limit()))
	}
	n, err := w.f.Write(p)
	w.h.Write(p[:n])
	w.written += int64(n)
	if err != nil {
		return n, refuse("write", w.name, nil, err)
	}
	return n, nil
}

func (w *Writer) limit() int64 {
	if w.size >= 0 && (w.root.opts.MaxSize <= 0 || w.size < w.root.opts.MaxSize) {
		return w.size
	}
	return w.root.opts.MaxSize
}

// ReadFrom copies src into the part file through one fixed buffer, so
// io.Copy(w, body) uses bounded memory whatever the file size.
func (w *Writer) ReadFrom(src io.Reader) (int64, error) {
	if w.buf == nil {
		w.buf = make([]byte, copyBuf)
	}
	var total int64
	for {
		n, rerr := src.Read(w.buf)
		if n > 0 {
			m, werr := w.Write(w.buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// Written is the number of bytes in the part file, resumed ones included.
func (w *Writer) Written() int64 { return w.written }

// Commit checks that the announced size has arrived and that the whole
// file's SHA-256 is expected (nil skips that check), then moves the part
// file into place atomically. A wrong hash removes the part file; a
// target that appeared meanwhile (without overwrite) keeps it, so the
// upload can be committed again with overwrite by resuming at its size.
func (w *Writer) Commit(expected []byte) (Result, error) {
	const op = "commit"
	if w.done {
		return Result{}, refuse(op, w.name, nil, errClosed)
	}
	if w.size >= 0 && w.written != w.size {
		return Result{}, refuse(op, w.name, ErrIncomplete, fmt.Errorf("%d of %d bytes", w.written, w.size))
	}
	sum := w.h.Sum(nil)
	if expected != nil && !bytes.Equal(sum, expected) {
		w.Abort()
		return Result{}, refuse(op, w.name, ErrChecksum, fmt.Errorf("got %x, want %x", sum, expected))
	}
	err := w.f.Chmod(fileMode)
	if err == nil {
		err = w.f.Sync() // the data is on disk before the name is
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	defer w.finish() // only now may another upload to this path begin
	if err != nil {
		return Result{}, refuse(op, w.name, nil, err)
	}
	if err := w.root.place(op, w.name, w.part, w.path, w.overwrite); err != nil {
		return Result{}, err
	}
	return Result{Path: w.path, Size: w.written, SHA256: hex.EncodeToString(sum)}, nil
}

// place renames part to target. Without overwrite it makes a hard link,
// which fails if the target exists (even as a dangling link), then drops
// the part name; where hard links are not supported (FAT, some network
// shares) it checks and renames, which leaves a small window.
func (r *Root) place(op, name, part, target string, overwrite bool) error {
	if overwrite {
		return classify(op, name, r.root.Rename(part, target), r.escapes)
	}
	err := r.root.Link(part, target)
	if err == nil {
		r.root.Remove(part)
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return refuse(op, name, ErrExists, nil)
	}
	if _, lerr := r.root.Lstat(target); !errors.Is(lerr, fs.ErrNotExist) {
		return refuse(op, name, ErrExists, lerr)
	}
	return classify(op, name, r.root.Rename(part, target), r.escapes)
}

// Close ends the upload without committing; the part file stays for a
// resume. Safe to call after Commit or Abort.
func (w *Writer) Close() error {
	if w.done {
		return nil
	}
	err := w.f.Close()
	w.finish()
	return err
}

// Abort ends the upload and removes the part file.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.f.Close()
	w.finish()
	if err := w.root.root.Remove(w.part); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return classify("abort", w.name, err, w.root.escapes)
	}
	return nil
}

func (w *Writer) finish() {
	w.done = true
	w.root.release(w.path)
}

// partName is the hidden file an upload to p goes to, in p's directory:
// ".name.tether-part", or a hash of the name when that would be too long.
func partName(p string) string {
	dir, base := path.Split(p)
	name := "." + base + partSuffix
	if len(name) > maxNameLen {
		sum := sha256.Sum256([]byte(base))
		name = ".tether-" + hex.EncodeToString(sum[:16]) + partSuffix
	}
	return dir + name
}

func isPartName(base string) bool {
	return strings.HasPrefix(base, ".") && strings.HasSuffix(base, partSuffix)
}
