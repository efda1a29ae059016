package recording

import (
	"encoding/json"
	"slices"
	"sync"
	"time"
)

// item is a record waiting in a session's queue.
type item struct {
	kind    Kind
	stream  uint16        // the session's own number; 0 is the session
	at      time.Duration // since the part opened (monotonic clock)
	payload []byte
	gap     *Gap
}

// Session records one support session. Records from every stream and
// event go into one bounded queue; one goroutine writes them to the
// session's file. add never blocks: when the queue holds QueueBytes, the
// record is dropped and counted, and the next record that fits is
// preceded by a gap record saying what was lost. A nil *Session records
// nothing (recording is off).
type Session struct {
	m      *Manager
	id     string
	meta   Meta
	opened time.Time // with a monotonic reading: record times count from it

	mu          sync.Mutex
	queue       []item
	queued      int // bytes of records queued or being written
	users       int // holders: streams and events in progress (Manager.mu)
	closing     bool
	failed      bool
	next        uint16 // last stream number handed out
	streams     map[uint16]*Stream
	drop        Gap
	dropStreams map[uint16]bool
	wake        chan struct{}
	done        chan struct{}
}

func newSession(m *Manager, meta Meta) *Session {
	return &Session{m: m, id: meta.Session, meta: meta, opened: time.Now(), streams: map[uint16]*Stream{},
		dropStreams: map[uint16]bool{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// cost is what a record counts against the queue's bound.
func cost(p []byte) int { return recordHead + len(p) }

// add queues a record; false when it was dropped.
func (s *Session) add(k Kind, stream uint16, p []byte) bool {
	if s == nil {
		return false
	}
	at := time.Since(s.opened)
	var refresh []*Stream
	s.mu.Lock()
	if s.closing || s.failed {
		s.mu.Unlock()
		return false
	}
	if s.queued+cost(p) > s.m.o.QueueBytes {
		s.drop.Records++
		s.drop.Bytes += int64(cost(p))
		s.dropStreams[stream] = true
		s.mu.Unlock()
		return false
	}
	if s.drop.Records > 0 {
		refresh = s.gapLocked(at)
	}
	s.queue = append(s.queue, item{kind: k, stream: stream, at: at, payload: p})
	s.queued += cost(p)
	s.mu.Unlock()
	s.signal()
	// A view stream that lost records cannot be replayed past the gap
	// until its next full frame: ask for one now.
	for _, st := range refresh {
		st.requestKeyframe()
	}
	return true
}

// gapLocked queues the gap record of what was dropped (it does not count
// against the bound: it is small and says what the bound cost) and
// returns the view streams that need a full frame.
func (s *Session) gapLocked(at time.Duration) []*Stream {
	g := s.drop
	g.Reason = "disk"
	var refresh []*Stream
	for n := range s.dropStreams {
		g.Streams = append(g.Streams, n)
		if st := s.streams[n]; st != nil && st.info.Kind == "view" {
			refresh = append(refresh, st)
		}
	}
	slices.Sort(g.Streams)
	p, _ := json.Marshal(g)
	s.queue = append(s.queue, item{kind: KindGap, at: at, payload: p, gap: &g})
	s.drop = Gap{}
	clear(s.dropStreams)
	return refresh
}

func (s *Session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Stream starts recording a relayed stream; refresh asks the agent for a
// full frame (views; nil otherwise). A nil Session returns a nil Stream,
// whose methods do nothing.
func (s *Session) Stream(info StreamInfo, refresh func()) *Stream {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	if s.next == 1<<16-1 {
		s.mu.Unlock()
		return nil // a file has room for 65535 streams
	}
	s.next++
	st := &Stream{s: s, n: s.next, info: info, refresh: refresh, lastKey: time.Now()}
	s.streams[st.n] = st
	s.mu.Unlock()
	p, _ := json.Marshal(info)
	s.add(KindStreamStart, st.n, p)
	return st
}

// Chat records a chat message.
func (s *Session) Chat(e ChatEvent) {
	p, _ := json.Marshal(e)
	s.add(KindChat, 0, p)
}

// File records a file transfer (its name, size and hash; never its bytes).
func (s *Session) File(e FileEvent) {
	p, _ := json.Marshal(e)
	s.add(KindFile, 0, p)
}

// Release gives the session back; the last holder closes the file.
func (s *Session) Release() {
	if s != nil {
		s.m.release(s)
	}
}

// run is the session's writer goroutine. prev is the previous part of
// the same session, still closing its file: this part appends to it.
func (s *Session) run(prev <-chan struct{}) {
	defer s.m.finished(s)
	if prev != nil {
		<-prev
	}
	fl, interrupted, err := openFile(s.m.Path(s.id), s.meta, s.m.o.wrap)
	if err != nil {
		s.fail(err, nil)
		return
	}
	base := max(fl.x.ix.Last, s.opened.Sub(fl.start))
	numbers := fl.x.ix.NextStream - 1 // this part's streams follow the file's
	if interrupted {
		g := Gap{Reason: "interrupted"}
		p, _ := json.Marshal(g)
		fl.write(KindGap, 0, base, p)
		s.m.o.OnGap(s.id, g)
	}
	flush := time.NewTimer(time.Hour)
	flush.Stop()
	armed := false
	for {
		select {
		case <-s.wake:
		case <-flush.C:
			armed = false
			if err := fl.bw.Flush(); err != nil {
				s.fail(err, fl)
				return
			}
			continue
		}
		// Let records gather: a view sends many small messages, and one
		// wake-up and write per message would cost more than the rest of
		// the recorder together.
		time.Sleep(batchDelay)
		s.mu.Lock()
		batch, closing := s.queue, s.closing
		s.queue = nil
		s.mu.Unlock()
		if err := s.writeBatch(fl, batch, base, numbers); err != nil {
			s.fail(err, fl)
			return
		}
		if closing {
			if err := fl.close(s.m.o.Clock.Now()); err != nil {
				s.m.o.OnError(s.id, err)
			}
			return
		}
		if !armed && fl.bw.Buffered() > 0 {
			flush.Reset(flushEvery)
			armed = true
		}
	}
}

// Records wait up to batchDelay to be written together, and reach the
// file (from the write buffer) within flushEvery, or as soon as 256 KiB
// are buffered.
const (
	batchDelay = 5 * time.Millisecond
	flushEvery = time.Second
)

func (s *Session) writeBatch(fl *file, batch []item, base time.Duration, numbers uint16) error {
	n := 0
	for _, it := range batch {
		n += cost(it.payload) // written or skipped, it leaves the queue
		stream := it.stream
		if stream != 0 {
			if int(stream)+int(numbers) > 1<<16-1 {
				continue // past the file's 65535 streams
			}
			stream += numbers
		}
		if err := fl.write(it.kind, stream, base+it.at, it.payload); err != nil {
			return err
		}
		if it.gap != nil {
			s.m.o.OnGap(s.id, *it.gap)
		}
	}
	s.mu.Lock()
	s.queued -= n
	s.mu.Unlock()
	return nil
}

// fail stops recording the session after a disk error: later records are
// dropped at once, and the error is reported (logged and audited).
func (s *Session) fail(err error, fl *file) {
	s.mu.Lock()
	s.failed = true
	s.queue, s.queued = nil, 0
	s.mu.Unlock()
	if fl != nil {
		fl.abandon()
	}
	s.m.o.OnError(s.id, err)
}
