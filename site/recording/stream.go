package recording

import (
	"encoding/json"
	"github.com/tetherhq/tether/stream"
	"sync/atomic"
	"time"
)

// Stream records one relayed stream of a session: the relay hands it
// every message after passing it on. Stream kinds are the site's
// ("view", "shell"); other kinds are not recorded.
//
// Seeking in a view needs a full frame to start from, and the agent sends
// one only when a view starts, resizes or is asked to (VIEW-PROTOCOL
// refresh). So while it records a view, the Stream asks for one — through
// refresh, which injects a refresh message into the agent's side — when
// the last full frame is KeyframeEvery old and KeyframeBytes of frames
// arrived since: a player then decodes at most that much to reach any
// point. A static screen sends few bytes and gets no extra full frames.
type Stream struct {
	s       *Session
	n       uint16
	info    StreamInfo
	refresh func()

	// Only the agent→viewer goroutine touches these.
	lastKey  time.Time
	sinceKey int64
	asked    atomic.Int64 // UnixNano of the last refresh request
}

// FromAgent records a message the agent sent (text: a WebSocket text
// message).
func (st *Stream) FromAgent(text bool, b []byte) {
	if st == nil {
		return
	}
	switch st.info.Kind {
	case "view":
		if text || len(b) == 0 {
			return
		}
		st.s.add(KindViewOut, st.n, b)
		st.keyframePolicy(b)
	case "shell":
		if text {
			st.s.add(KindShellCtl, st.n, b)
		} else {
			st.s.add(KindShellOut, st.n, b)
		}
	}
}

// FromViewer records a message the technician's browser sent. A shell's
// keystrokes are not kept: what a terminal echoes is in its output, and
// what it does not echo (a password at a prompt) should not be kept.
func (st *Stream) FromViewer(text bool, b []byte) {
	if st == nil {
		return
	}
	switch st.info.Kind {
	case "view":
		if !text && stream.IsInput(b) {
			st.s.add(KindViewIn, st.n, b)
		}
	case "shell":
		if text {
			st.s.add(KindShellCtl, st.n, b)
		}
	}
}

func (st *Stream) keyframePolicy(b []byte) {
	now := time.Now()
	switch {
	case stream.IsFullFrame(b):
		st.lastKey, st.sinceKey = now, 0
	case stream.MsgType(b[0]) == stream.MsgFrame:
		st.sinceKey += int64(len(b))
		o := st.s.m.o
		if now.Sub(st.lastKey) >= o.KeyframeEvery && st.sinceKey >= o.KeyframeBytes {
			st.requestKeyframe()
		}
	}
}

// requestKeyframe asks the agent for a full frame, at most once per
// KeyframeEvery: full frames are the largest messages, and asking more
// often would not help a disk that is already behind.
func (st *Stream) requestKeyframe() {
	if st.refresh == nil {
		return
	}
	now := time.Now().UnixNano()
	last := st.asked.Load()
	if now-last < int64(st.s.m.o.KeyframeEvery) || !st.asked.CompareAndSwap(last, now) {
		return
	}
	go st.refresh() // a WebSocket write: never on the relay's goroutine
}

// Close ends the stream's recording with the reason it ended.
func (st *Stream) Close(reason string) {
	if st == nil {
		return
	}
	p, _ := json.Marshal(map[string]string{"reason": reason})
	st.s.add(KindStreamEnd, st.n, p)
	st.s.mu.Lock()
	delete(st.s.streams, st.n)
	st.s.mu.Unlock()
}
