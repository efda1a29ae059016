package site

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tetherhq/tether/site/recording"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// handleGetRecording streams a session's recording (SPEC G) to the
// session's technician or an admin — the same people who may see the
// session (ownSession) — and audits every download as recording_viewed:
// a recording holds what was on the customer's screen. In a cluster the
// session may have a part on several nodes (forward_recording.go): the
// download is all of them, merged into one recording; a single part is
// served byte for byte as it is on disk.
func (s *Server) handleGetRecording(w http.ResponseWriter, r *http.Request, a *authed) {
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if s.recordings.Path(ss.ID) == "" {
		s.writeErr(w, r, wire.Err(wire.NoRecording))
		return
	}
	parts, unanswered, err := s.recordingParts(r.Context(), ss.ID)
	defer func() {
		for _, p := range parts {
			p.Close()
		}
	}()
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	var readers []*recording.Reader
	if len(parts) > 1 {
		var unreadable []string
		parts, readers, unreadable = s.readableParts(ss.ID, parts)
		unanswered = append(unanswered, unreadable...)
	}
	h := w.Header()
	if len(unanswered) > 0 {
		// Never silently: what the nodes that did not answer hold is not
		// in this download.
		h.Set(recordingUnansweredHeader, strings.Join(unanswered, ", "))
	}
	if len(parts) == 0 {
		s.writeErr(w, r, wire.Err(wire.NoRecording))
		return
	}
	body, size, mod, err := s.recordingDownload(r.Context(), parts, readers)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	defer body.Close()
	active := false
	for _, p := range parts {
		active = active || p.active
	}
	s.audit(r.Context(), "recording_viewed", ss.ID, a.user.Name, remoteAddr(r), viewedDetail(size, parts, active, unanswered))
	h.Set("Content-Type", "application/vnd.tether.recording")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment",
		map[string]string{"filename": "tether-" + ss.Code + "-" + ss.ID[:min(8, len(ss.ID))] + ".trec"}))
	h.Set("Cache-Control", "no-store")
	h.Set(recordingPartsHeader, strconv.Itoa(len(parts)))
	if active {
		h.Set(recordingActiveHeader, "active")
	}
	if len(parts) == 1 {
		http.ServeContent(w, r, "", mod, io.NewSectionReader(body, 0, size))
		return
	}
	// A merged file is made anew for each request, and may differ from
	// the last one (a part grew, a node stopped answering) at the same
	// time stamp: a range of it would splice two files, so it is served
	// whole (ServeContent would offer ranges).
	h.Set("Accept-Ranges", "none")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	if !mod.IsZero() {
		h.Set("Last-Modified", mod.UTC().Format(http.TimeFormat))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		io.Copy(w, io.NewSectionReader(body, 0, size))
	}
}

// readableParts keeps the parts that read as recordings of session id,
// with their readers; the others are closed and named in unreadable (a
// corrupt file on one node must not cost the parts the other nodes hold).
func (s *Server) readableParts(id string, parts []*recordingPart) (ok []*recordingPart, readers []*recording.Reader, unreadable []string) {
	for _, p := range parts {
		rd, err := recording.NewReader(p.f, p.size)
		if err == nil && rd.Meta.Session != id {
			err = fmt.Errorf("a recording of session %q", rd.Meta.Session)
		}
		if err != nil {
			node := cmp.Or(p.node, s.cluster.Node(), "this node")
			s.log.Warn("recording: a part is unreadable", "session", id, "node", node, "err", err)
			unreadable = append(unreadable, node+" (unreadable part)")
			p.Close()
			continue
		}
		ok, readers = append(ok, p), append(readers, rd)
	}
	return ok, readers, unreadable
}

// maxMerges is how many merged downloads are made and served at once;
// more wait.
const maxMerges = 2

// recordingDownload is what a download serves: a single part as it is,
// several (read by readers) merged (recording.Merge) into scratch, at most
// maxMerges at once. The
// caller closes body; the parts stay the caller's.
func (s *Server) recordingDownload(ctx context.Context, parts []*recordingPart, readers []*recording.Reader) (body readerAtCloser, size int64, mod time.Time, err error) {
	for _, p := range parts {
		if p.mod.After(mod) {
			mod = p.mod
		}
	}
	if len(parts) == 1 {
		return nopCloser{parts[0].f}, parts[0].size, mod, nil
	}
	select {
	case s.merges <- struct{}{}:
	case <-ctx.Done():
		return nil, 0, mod, ctx.Err()
	}
	release := func() { <-s.merges }
	f, err := s.recordings.Scratch()
	if err != nil {
		release()
		return nil, 0, mod, err
	}
	merged := &mergedBody{f, release}
	if err := recording.Merge(f, readers); err != nil {
		merged.Close()
		return nil, 0, mod, err
	}
	st, err := f.Stat()
	if err != nil {
		merged.Close()
		return nil, 0, mod, fmt.Errorf("recording: %w", err)
	}
	return merged, st.Size(), mod, nil
}

// mergedBody is a merged download: closing it removes the file and frees
// its merge slot, held while it is served.
type mergedBody struct {
	*recording.Scratch
	release func()
}

func (b *mergedBody) Close() error {
	err := b.Scratch.Close()
	b.release()
	return err
}

// readerAtCloser is a part's file, or a download's body.
type readerAtCloser interface {
	io.ReaderAt
	io.Closer
}

// nopCloser leaves a single part's file to its part to close.
type nopCloser struct{ io.ReaderAt }

func (nopCloser) Close() error { return nil }

// viewedDetail is the detail of a recording_viewed audit entry: the size,
// and — only when there is something to say, so that a single part reads
// as it always did — the parts merged, that a part is still being
// recorded, and the nodes whose parts are missing.
func viewedDetail(size int64, parts []*recordingPart, active bool, unanswered []string) string {
	d := fmt.Sprintf("%d bytes", size)
	if len(parts) > 1 {
		d += fmt.Sprintf(", %d parts merged", len(parts))
	}
	if active {
		d += ", still recording"
	}
	if len(unanswered) > 0 {
		d += ", incomplete: no answer from nodes " + strings.Join(unanswered, ", ")
	}
	return d
}

// recordingView is what the session API says about recording: whether
// the site records the session, and this node's file when there is one
// (othersRecordings adds the other nodes' parts).
func (s *Server) recordingView(v *sessionView, ss *store.Session, full bool) {
	v.Recorded = s.recorded(ss)
	var in recording.Info
	var err error
	if full {
		in, err = s.recordings.Info(ss.ID)
	} else {
		in, err = s.recordings.Stat(ss.ID)
	}
	if err == nil {
		v.Recording = &in
	}
}
