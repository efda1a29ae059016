package site

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"

	"github.com/tetherhq/tether/site/recording"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// handleGetRecording streams a session's recording (SPEC G) to the
// session's technician or an admin — the same people who may see the
// session (ownSession) — and audits every download as recording_viewed:
// a recording holds what was on the customer's screen.
func (s *Server) handleGetRecording(w http.ResponseWriter, r *http.Request, a *authed) {
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	f, err := os.Open(s.recordings.Path(ss.ID))
	if errors.Is(err, fs.ErrNotExist) || s.recordings.Path(ss.ID) == "" {
		s.writeErr(w, r, wire.Err(wire.NoRecording))
		return
	}
	var st os.FileInfo
	if err == nil {
		defer f.Close()
		st, err = f.Stat()
	}
	if err != nil {
		s.writeErr(w, r, fmt.Errorf("recording: %w", err))
		return
	}
	// A recording still being written is served as far as it is on disk
	// now; its last record may be cut short, which readers accept.
	size := st.Size()
	active := s.recordings.Active(ss.ID)
	s.audit(r.Context(), "recording_viewed", ss.ID, a.user.Name, remoteAddr(r),
		fmt.Sprintf("%d bytes%s", size, map[bool]string{true: ", still recording"}[active]))
	h := w.Header()
	h.Set("Content-Type", "application/vnd.tether.recording")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment",
		map[string]string{"filename": "tether-" + ss.Code + "-" + ss.ID[:min(8, len(ss.ID))] + ".trec"}))
	h.Set("Cache-Control", "no-store")
	if active {
		h.Set("X-Tether-Recording", "active")
	}
	http.ServeContent(w, r, "", st.ModTime(), io.NewSectionReader(f, 0, size))
}

// recordingView is what the session API says about recording: whether
// the site records the session, and the file when there is one.
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
