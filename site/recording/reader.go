package recording

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
)

// Reader reads a recording: the header, the records in order, and the
// index of a cleanly closed file. It is strict like the view protocol's
// decoders — unknown kinds, bad lengths and times that go back are errors
// — except at the end of a file that was not closed (being written, or the
// site stopped), where a record cut short simply ends the recording.
type Reader struct {
	r    io.ReaderAt
	size int64
	Meta Meta
	// First is the offset of the first record; End the offset after the
	// last one (the index record excluded).
	First, End int64
	// Index is the file's own index; nil when the file was not closed
	// (BuildIndex scans for one).
	Index *Index
}

// Open opens a recording file for reading.
func Open(path string) (*Reader, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err == nil {
		var r *Reader
		if r, err = NewReader(f, st.Size()); err == nil {
			return r, f, nil
		}
	}
	f.Close()
	return nil, nil, err
}

// NewReader reads the header and, when there is one, the index.
func NewReader(r io.ReaderAt, size int64) (*Reader, error) {
	rd, err := readHeader(r, size)
	if err != nil {
		return nil, err
	}
	if err := rd.readIndex(); err != nil {
		return nil, err
	}
	return rd, nil
}

// readHeader reads the file's header (its metadata), not the index.
func readHeader(r io.ReaderAt, size int64) (*Reader, error) {
	var h [headerFixed]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, formatErr("short header")
	}
	if !bytes.Equal(h[:8], Magic[:]) {
		return nil, formatErr("not a recording")
	}
	if v := le.Uint16(h[8:]); v != Version {
		return nil, fmt.Errorf("%w: version %d (this build reads %d)", ErrFormat, v, Version)
	}
	n := int64(le.Uint32(h[10:]))
	if n > maxMeta || headerFixed+n > size {
		return nil, formatErr("header metadata of %d bytes", n)
	}
	meta := make([]byte, n)
	if _, err := r.ReadAt(meta, headerFixed); err != nil {
		return nil, formatErr("short header")
	}
	rd := &Reader{r: r, size: size, First: headerFixed + n, End: size}
	if err := json.Unmarshal(meta, &rd.Meta); err != nil {
		return nil, fmt.Errorf("%w: header metadata: %w", ErrFormat, err)
	}
	return rd, nil
}

// readIndex follows the trailer of a closed file to its index record.
func (rd *Reader) readIndex() error {
	if rd.size < rd.First+recordHead+trailerSize {
		return nil
	}
	var t [trailerSize]byte
	if _, err := rd.r.ReadAt(t[:], rd.size-trailerSize); err != nil || !bytes.Equal(t[8:], TrailerMagic[:]) {
		return nil // not closed: no index
	}
	off := int64(le.Uint64(t[:]))
	if off < rd.First || off > rd.size-trailerSize-recordHead {
		return formatErr("trailer points outside the file")
	}
	rec, err := rd.recordAt(off, rd.size-trailerSize)
	if err != nil {
		return err
	}
	if rec.Kind != KindIndex || rec.End() != rd.size-trailerSize {
		return formatErr("trailer does not point to the index")
	}
	if rd.Index, err = parseIndex(rec.Payload, off); err != nil {
		return err
	}
	rd.End = off
	return nil
}

// errShort is a record that runs past the end of the data.
var errShort = errors.New("record cut short")

// errIndexKind is an index record anywhere but where the trailer points.
var errIndexKind = fmt.Errorf("%w: an index record among the records", ErrFormat)

func (rd *Reader) recordAt(off, end int64) (Record, error) {
	var h [recordHead]byte
	if end-off < recordHead {
		return Record{}, errShort
	}
	if _, err := rd.r.ReadAt(h[:], off); err != nil {
		return Record{}, fmt.Errorf("recording: %w", err)
	}
	rec, n, err := parseHead(h[:], off)
	if errors.Is(err, errIndexKind) && end == rd.size-trailerSize {
		err = nil // where the trailer points
	}
	if err != nil {
		return rec, err
	}
	if n > end-off-recordHead {
		return rec, errShort
	}
	rec.Payload = make([]byte, n)
	if _, err := rd.r.ReadAt(rec.Payload, off+recordHead); err != nil {
		return rec, fmt.Errorf("recording: %w", err)
	}
	return rec, nil
}

// parseHead checks a record's fixed part and returns its payload length.
func parseHead(h []byte, off int64) (Record, int64, error) {
	l := int64(le.Uint32(h))
	rec := Record{Offset: off, Kind: Kind(h[4]), Stream: le.Uint16(h[5:])}
	if l < recordFixed || l-recordFixed > maxPayload {
		return rec, 0, formatErr("record at %d has length %d", off, l)
	}
	var ok bool
	if rec.Time, ok = usTime(le.Uint64(h[7:])); !ok {
		return rec, 0, formatErr("record at %d has time out of range", off)
	}
	if rec.Kind == KindIndex {
		return rec, l - recordFixed, errIndexKind
	}
	if !rec.Kind.known() {
		return rec, 0, formatErr("record at %d has unknown kind %#02x", off, byte(rec.Kind))
	}
	return rec, l - recordFixed, nil
}

func (k Kind) known() bool {
	switch k {
	case KindStreamStart, KindStreamEnd, KindViewOut, KindViewIn, KindShellOut, KindShellCtl,
		KindChat, KindFile, KindGap:
		return true
	}
	return false // KindIndex only where the trailer points
}

// Records yields the records in file order. A file without an index may
// end in a record cut short (it was being written): the records end there
// without an error.
func (rd *Reader) Records() iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		br := bufio.NewReaderSize(io.NewSectionReader(rd.r, rd.First, rd.End-rd.First), 256<<10)
		off, last := rd.First, int64(-1)
		var h [recordHead]byte
		for off < rd.End {
			rec, err := rd.next(br, h[:], off)
			if errors.Is(err, errShort) && rd.Index == nil {
				return // a torn tail
			}
			if err == nil && int64(rec.Time) < last {
				err = formatErr("record at %d goes back in time", off)
			}
			if err != nil {
				yield(rec, err)
				return
			}
			last = int64(rec.Time)
			if !yield(rec, nil) {
				return
			}
			off = rec.End()
		}
	}
}

func (rd *Reader) next(br *bufio.Reader, h []byte, off int64) (Record, error) {
	if _, err := io.ReadFull(br, h); err != nil {
		return Record{}, errShort
	}
	rec, n, err := parseHead(h, off)
	if err != nil {
		return rec, err
	}
	if n > rd.End-off-recordHead {
		if rd.Index != nil {
			return rec, formatErr("record at %d runs past the index", off)
		}
		return rec, errShort
	}
	rec.Payload = make([]byte, n)
	if _, err := io.ReadFull(br, rec.Payload); err != nil {
		return rec, errShort
	}
	return rec, nil
}

// BuildIndex scans the records for the index a closed file carries: for a
// file still being written, or one the site could not close.
func (rd *Reader) BuildIndex() (*Index, error) {
	x := newIndexer()
	for rec, err := range rd.Records() {
		if err != nil {
			return nil, err
		}
		x.add(rec.Offset, rec.Kind, rec.Stream, rec.Time, rec.Payload)
	}
	return &x.ix, nil
}
