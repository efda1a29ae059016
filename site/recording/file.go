package recording

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// file is a recording being appended to; only its session's writer
// goroutine touches it.
type file struct {
	f     *os.File
	bw    *bufio.Writer
	path  string
	off   int64     // where the next record goes
	start time.Time // Meta.Started: record times count from it
	x     *indexer
	head  []byte
}

// openFile creates the session's file, or reopens the file of an earlier
// part of the session (an earlier view, a site restart) to append to it:
// the old index is read back (or rebuilt by a scan when the file was not
// closed, which interrupted reports) and cut off, and records go on after
// the last complete one. wrap lets tests slow the disk down.
func openFile(path string, meta Meta, wrap func(io.Writer) io.Writer) (fl *file, interrupted bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		if f, err = os.OpenFile(path, os.O_RDWR, 0); err == nil {
			fl, interrupted, err = reopen(f, path)
		}
	} else if err == nil {
		fl, err = create(f, path, meta)
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil, false, fmt.Errorf("recording %s: %w", path, err)
	}
	var w io.Writer = f
	if wrap != nil {
		w = wrap(f)
	}
	fl.bw = bufio.NewWriterSize(w, 256<<10)
	return fl, interrupted, nil
}

func create(f *os.File, path string, meta Meta) (*file, error) {
	h, err := appendHeader(nil, meta)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(h); err != nil {
		return nil, err
	}
	return &file{f: f, path: path, off: int64(len(h)), start: meta.Started, x: newIndexer()}, nil
}

func reopen(f *os.File, path string) (*file, bool, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	rd, err := NewReader(f, st.Size())
	if err != nil {
		return nil, false, err
	}
	fl := &file{f: f, path: path, start: rd.Meta.Started, x: newIndexer()}
	interrupted := rd.Index == nil
	if !interrupted {
		fl.x.ix = *rd.Index
		fl.off = rd.End
	} else {
		// Not closed: find the last complete record and index up to it.
		fl.off = rd.First
		for rec, err := range rd.Records() {
			if err != nil {
				return nil, false, err
			}
			fl.x.add(rec.Offset, rec.Kind, rec.Stream, rec.Time, rec.Payload)
			fl.off = rec.End()
		}
	}
	// Streams of earlier parts have ended; new ones get new numbers.
	clear(fl.x.context)
	if err := f.Truncate(fl.off); err != nil {
		return nil, false, err
	}
	if _, err := f.Seek(fl.off, io.SeekStart); err != nil {
		return nil, false, err
	}
	return fl, interrupted, nil
}

// write appends a record; t is clamped so that times never go back (the
// wall clock may; a part after a restart starts where the last ended).
func (fl *file) write(k Kind, stream uint16, t time.Duration, p []byte) error {
	t = max(t, fl.x.ix.Last)
	fl.head = appendRecordHead(fl.head[:0], k, stream, t, len(p))
	if _, err := fl.bw.Write(fl.head); err != nil {
		return err
	}
	if _, err := fl.bw.Write(p); err != nil {
		return err
	}
	fl.x.add(fl.off, k, stream, t, p)
	fl.off += int64(len(fl.head) + len(p))
	return nil
}

// close writes the index and the trailer, and sets the file's time to
// now on the site's clock, which retention compares against.
func (fl *file) close(now time.Time) error {
	err := fl.writeIndex()
	if err == nil {
		err = fl.bw.Flush()
	}
	if err == nil {
		err = fl.f.Sync()
	}
	if cerr := fl.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chtimes(fl.path, now, now)
	}
	return err
}

// writeIndex writes the index record and the trailer (into the buffer).
func (fl *file) writeIndex() error {
	idx := fl.x.ix.appendPayload(nil)
	at := fl.off
	if err := fl.write(KindIndex, 0, fl.x.ix.Last, idx); err != nil {
		return err
	}
	var tr [trailerSize]byte
	le.PutUint64(tr[:], uint64(at))
	copy(tr[8:], TrailerMagic[:])
	_, err := fl.bw.Write(tr[:])
	return err
}

// abandon closes the file without an index (after a write error): the
// next part's scan recovers what is complete.
func (fl *file) abandon() {
	fl.bw.Flush()
	fl.f.Close()
}
