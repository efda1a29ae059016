package recording

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"time"
)

// A cluster's nodes each record the views they relay into their own file,
// so a session whose agent moved to another node (a drain, a node that
// failed) has a file on each. Merge makes one recording of them in the
// same format, version 1, so that every reader and player — including
// ones that predate it — plays the whole session from start to end and
// seeks across it: no container, no second kind of file.

// mergePart is one file being merged: its records in order, each with its
// time on the merged clock, and its stream numbers in the merged file.
type mergePart struct {
	next    func() (Record, error, bool)
	shift   time.Duration // from the earliest part's start to this one's
	streams map[uint16]uint16
	rec     Record
	at      time.Duration // rec's time on the merged clock
	done    bool
}

func (p *mergePart) advance() error {
	rec, err, ok := p.next()
	switch {
	case !ok:
		p.done = true
		return nil
	case err != nil:
		return err
	}
	// Checked before adding: a crafted part's time and start could
	// overflow the sum.
	if limit := maxTime * time.Microsecond; p.shift > limit || rec.Time > limit-p.shift {
		return formatErr("a part starts too long after the first")
	}
	p.rec, p.at = rec, p.shift+rec.Time
	return nil
}

// Merge writes parts — readers of the files of one session's recording —
// to w as one recording: the header of the earliest part (Meta.Parts says
// how many were merged), every record of every part in time order on that
// part's clock (each part's times shifted by how much later it started;
// records at the same time keep the parts' order), streams numbered 1, 2,
// … in the order they appear (gap records' stream lists too), and an index
// and trailer when every part had one (a part still being written, or not
// closed, leaves the merged file without, as that part was). A part's
// torn tail ends that part. A single part is better served as it is.
func Merge(w io.Writer, parts []*Reader) error {
	if len(parts) == 0 {
		return errors.New("recording: nothing to merge")
	}
	parts = slices.Clone(parts)
	slices.SortStableFunc(parts, func(a, b *Reader) int { return a.Meta.Started.Compare(b.Meta.Started) })
	meta := parts[0].Meta
	meta.Parts = len(parts)
	head, err := appendHeader(nil, meta)
	if err != nil {
		return err
	}
	fl := &file{bw: bufio.NewWriterSize(w, 256<<10), off: int64(len(head)), x: newIndexer()}
	if _, err := fl.bw.Write(head); err != nil {
		return fmt.Errorf("recording: merge: %w", err)
	}
	closed := true
	ps := make([]*mergePart, len(parts))
	for i, rd := range parts {
		closed = closed && rd.Index != nil
		next, stop := iter.Pull2(rd.Records())
		defer stop()
		ps[i] = &mergePart{next: next, shift: rd.Meta.Started.Sub(meta.Started), streams: map[uint16]uint16{}}
		if err := ps[i].advance(); err != nil {
			return err
		}
	}
	m := merger{fl: fl}
	for {
		var p *mergePart
		for _, q := range ps {
			if !q.done && (p == nil || q.at < p.at) {
				p = q
			}
		}
		if p == nil {
			break
		}
		if err := m.write(p); err != nil {
			return err
		}
		if err := p.advance(); err != nil {
			return err
		}
	}
	if closed {
		if err := fl.writeIndex(); err != nil {
			return fmt.Errorf("recording: merge: %w", err)
		}
	}
	if err := fl.bw.Flush(); err != nil {
		return fmt.Errorf("recording: merge: %w", err)
	}
	return nil
}

// merger numbers the merged file's streams.
type merger struct {
	fl   *file
	last uint16 // last stream number handed out
}

// write copies p's pending record, renumbered; a record of a stream past
// the file's 65535 is left out, as the writer does.
func (m *merger) write(p *mergePart) error {
	r := p.rec
	n, ok := m.number(p, r.Stream)
	if !ok {
		return nil
	}
	payload := r.Payload
	if r.Kind == KindGap {
		payload = m.gap(p, payload)
	}
	if err := m.fl.write(r.Kind, n, p.at, payload); err != nil {
		return fmt.Errorf("recording: merge: %w", err)
	}
	return nil
}

// number is the merged number of p's stream n (0, the session, stays 0).
func (m *merger) number(p *mergePart, n uint16) (uint16, bool) {
	if n == 0 {
		return 0, true
	}
	if v, ok := p.streams[n]; ok {
		return v, true
	}
	if m.last == 1<<16-1 {
		return 0, false
	}
	m.last++
	p.streams[n] = m.last
	return m.last, true
}

// gap renumbers the streams a gap record names; a payload that is not a
// gap's JSON is kept as it is (readers do not parse it either).
func (m *merger) gap(p *mergePart, b []byte) []byte {
	var g Gap
	if json.Unmarshal(b, &g) != nil || len(g.Streams) == 0 {
		return b
	}
	var streams []uint16
	for _, n := range g.Streams {
		if v, ok := m.number(p, n); ok {
			streams = append(streams, v)
		}
	}
	slices.Sort(streams)
	g.Streams = streams
	out, err := json.Marshal(g)
	if err != nil {
		return b
	}
	return out
}
