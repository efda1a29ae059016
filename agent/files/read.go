package files

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"time"
)

// copyBuf is the buffer size for hashing and copying: large enough that
// system calls do not dominate, small enough to keep memory flat.
const copyBuf = 256 << 10

// Reader streams one file for a download. It reads the file as it was
// sized when opened (a growing log is cut there, so size and hash agree).
// Not safe for concurrent use.
type Reader struct {
	f      *os.File
	name   string
	size   int64
	offset int64
	mod    time.Time
	sec    *io.SectionReader

	// From offset 0 the hash is computed from the bytes as they are read.
	h      hash.Hash
	hashed int64
	// From a later offset the whole file is hashed in the background from
	// its start, while the rest is streamed.
	bg   chan hashResult
	stop chan struct{}
	sum  *hashResult
}

type hashResult struct {
	sum []byte
	err error
}

// Open opens a regular file for reading from offset (0, or where a dropped
// download stopped). Directories, devices and pipes are refused (a pipe
// would block the agent, a device would never end).
func (r *Root) Open(name string, offset int64) (*Reader, error) {
	p, err := r.clean("open", name)
	if err != nil {
		return nil, err
	}
	f, err := openRead(r.root, p)
	if err != nil {
		return nil, classify("open", name, err, r.escapes)
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, classify("open", name, err, r.escapes)
	case fi.IsDir():
		f.Close()
		return nil, refuse("open", name, ErrIsDir, nil)
	case !fi.Mode().IsRegular():
		f.Close()
		return nil, refuse("open", name, ErrPathNotAllowed, fmt.Errorf("not a regular file (%v)", fi.Mode().Type()))
	case r.opts.MaxSize > 0 && fi.Size() > r.opts.MaxSize:
		f.Close()
		return nil, refuse("open", name, ErrTooLarge, fmt.Errorf("%d bytes, at most %d", fi.Size(), r.opts.MaxSize))
	case offset < 0 || offset > fi.Size():
		f.Close()
		return nil, refuse("open", name, ErrBadOffset, fmt.Errorf("offset %d of %d bytes", offset, fi.Size()))
	}
	rd := &Reader{f: f, name: name, size: fi.Size(), offset: offset, mod: fi.ModTime(),
		sec: io.NewSectionReader(f, offset, fi.Size()-offset)}
	if offset == 0 {
		rd.h = sha256.New()
	} else {
		rd.bg, rd.stop = make(chan hashResult, 1), make(chan struct{})
		go func() { rd.bg <- hashFile(f, rd.size, rd.stop) }()
	}
	return rd, nil
}

// Read reads the next bytes of the file.
func (rd *Reader) Read(p []byte) (int, error) {
	n, err := rd.sec.Read(p)
	if rd.h != nil {
		rd.h.Write(p[:n])
		rd.hashed += int64(n)
	}
	return n, err
}

// Size is the whole file's size in bytes (not size minus offset).
func (rd *Reader) Size() int64 { return rd.size }

// Offset is where reading started.
func (rd *Reader) Offset() int64 { return rd.offset }

// ModTime is the file's modification time when it was opened.
func (rd *Reader) ModTime() time.Time { return rd.mod }

// SHA256 returns the hash of the whole file, whatever the offset, for the
// X-Tether-SHA256 trailer. Call it after reading to the end; called early,
// it reads (and discards) the rest itself.
func (rd *Reader) SHA256() ([]byte, error) {
	if rd.sum != nil {
		return rd.sum.sum, rd.sum.err
	}
	var res hashResult
	if rd.h != nil {
		buf := make([]byte, copyBuf)
		_, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{rd}, buf)
		res.err = err
		if err == nil && rd.hashed != rd.size {
			res.err = fmt.Errorf("file shrank while reading: %d of %d bytes", rd.hashed, rd.size)
		}
		if res.err == nil {
			res.sum = rd.h.Sum(nil)
		}
	} else {
		res = <-rd.bg
	}
	if res.err != nil {
		res.err = refuse("hash", rd.name, nil, res.err)
	}
	rd.sum = &res
	return res.sum, res.err
}

// Close stops a background hash and closes the file.
func (rd *Reader) Close() error {
	if rd.stop != nil && rd.sum == nil {
		close(rd.stop)
		<-rd.bg
		rd.sum = &hashResult{err: refuse("hash", rd.name, nil, errClosed)}
	}
	return rd.f.Close()
}

var errClosed = errors.New("closed")

// hashFile hashes the first size bytes of f with positioned reads, which
// do not disturb concurrent reads elsewhere in the file.
func hashFile(f *os.File, size int64, stop <-chan struct{}) hashResult {
	h := sha256.New()
	buf := make([]byte, copyBuf)
	for off := int64(0); off < size; {
		select {
		case <-stop:
			return hashResult{err: errClosed}
		default:
		}
		n, err := f.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		h.Write(buf[:n])
		off += int64(n)
		if err == io.EOF && off < size {
			return hashResult{err: fmt.Errorf("file shrank while reading: %d of %d bytes", off, size)}
		}
		if err != nil && err != io.EOF {
			return hashResult{err: err}
		}
	}
	return hashResult{sum: h.Sum(nil)}
}
