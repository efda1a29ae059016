package site

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/site/recording"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/stream"
	"github.com/tetherhq/tether/wire"
)

// Session recording (docs/RECORDING.md). The relay hands each message of a
// view or shell stream to a recording.Stream after passing it on; chat and
// file transfers add events. Package recording queues them and writes
// them off the relay's path, one file per session under the data dir —
// also when the database is PostgreSQL: recordings stay on the disk of the
// node that relayed the stream.

func (s *Server) newRecordings() (*recording.Manager, error) {
	return recording.New(recording.Options{
		Dir: filepath.Join(s.opts.DataDir, "recordings"), Clock: s.clock,
		Retention: max(s.opts.RecordingRetention, 0), QueueBytes: s.opts.RecordingQueueBytes,
		KeyframeEvery: s.opts.RecordingKeyframeEvery, KeyframeBytes: s.opts.RecordingKeyframeBytes,
		OnGap: func(id string, g recording.Gap) {
			detail := fmt.Sprintf("%d records, %d bytes dropped: the disk is behind", g.Records, g.Bytes)
			if g.Reason == "interrupted" {
				detail = "the site stopped before the recording was closed; what it had not written is lost"
			}
			s.log.Warn("recording gap", "session", id, "records", g.Records, "bytes", g.Bytes, "reason", g.Reason)
			s.audit(context.Background(), "recording_gap", id, "site", "", detail)
		},
		OnError: func(id string, err error) {
			s.log.Error("recording failed", "session", id, "err", err)
			s.audit(context.Background(), "recording_failed", id, "site", "", err.Error())
		},
	})
}

// recorded reports whether the site's policy records a session: jump
// sessions by default, ad hoc sessions when the site says so.
func (s *Server) recorded(ss *store.Session) bool {
	if ss.JumpClientID != "" {
		return !s.opts.NoRecordJump
	}
	return s.opts.RecordAdhoc
}

func (s *Server) recordingMeta(ss *store.Session) recording.Meta {
	return recording.Meta{Session: ss.ID, Code: ss.Code, Technician: ss.Technician, Customer: ss.CustomerName,
		Computer: ss.Computer, JumpClient: ss.JumpClientID, SiteVersion: s.opts.Version}
}

// recordStream starts recording a view or shell stream; nil (which
// records nothing) when the session is not recorded. stop ends it with
// the reason the stream ended. For a view, the recorder may ask the agent
// for a full frame (a refresh message on the agent's side, as a viewer
// would send) so that a player can seek.
func (s *Server) recordStream(ctx context.Context, ss *store.Session, p *pairing, tech, addr string,
	agent *websocket.Conn) (st *recording.Stream, stop func(reason string)) {
	if !s.recorded(ss) || (p.kind != wire.StreamView && p.kind != wire.StreamShell) {
		return nil, func(string) {}
	}
	rs := s.recordings.Open(s.recordingMeta(ss))
	var refresh func()
	if p.kind == wire.StreamView {
		msg := stream.Refresh{}.Append(nil)
		refresh = func() {
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			agent.Write(wctx, websocket.MessageBinary, msg)
		}
	}
	st = rs.Stream(recording.StreamInfo{Kind: p.kind, ID: p.id, Technician: tech, Addr: addr}, refresh)
	return st, func(reason string) {
		st.Close(reason)
		rs.Release()
	}
}

// recordChat adds a chat message to the session's recording.
func (s *Server) recordChat(ss *store.Session, m *store.ChatMessage) {
	if s.recorded(ss) {
		s.recordings.Event(s.recordingMeta(ss), func(r *recording.Session) {
			r.Chat(recording.ChatEvent{ID: m.ID, From: m.From, Name: m.Name, Text: m.Text})
		})
	}
}

// recordFile adds a file transfer (name, size, hash, direction, outcome;
// never the bytes) to the session's recording.
func (s *Server) recordFile(ss *store.Session, e recording.FileEvent) {
	if s.recorded(ss) {
		s.recordings.Event(s.recordingMeta(ss), func(r *recording.Session) { r.File(e) })
	}
}

// reapRecordings applies the retention; each removal is audited.
func (s *Server) reapRecordings(ctx context.Context) {
	removed, err := s.recordings.Reap()
	if err != nil && ctx.Err() == nil {
		s.log.Warn("recording retention", "err", err)
	}
	for _, id := range removed {
		s.audit(ctx, "recording_removed", id, "site", "",
			"older than the retention of "+recording.FormatRetention(s.opts.RecordingRetention))
	}
}
