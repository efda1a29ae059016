package site

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/site/filexfer"
	"github.com/tetherhq/tether/site/recording"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// File transfer (D3, D4, SPEC G; docs/TOOLKIT.md). Each request opens a
// files stream to the agent, which confines the path (agent/files), asks
// a support app's customer, and sends or receives the bytes; the site
// streams between the HTTP body and the stream (site/filexfer).

// fileRequest reads the query every files call shares.
func (s *Server) fileRequest(r *http.Request, a *authed) (*store.Session, wire.FileParams, error) {
	q := r.URL.Query()
	p := wire.FileParams{Path: q.Get("path"), MaxSize: max(s.opts.MaxFileSize, 0), Technician: a.user.Name}
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return nil, p, err
	}
	if err := s.checkToolkit(ss); err != nil {
		return nil, p, err
	}
	p.Anywhere = ss.JumpClientID != "" && !s.opts.JumpFilesConfined
	if v := q.Get("offset"); v != "" {
		if p.Offset, err = strconv.ParseInt(v, 10, 64); err != nil || p.Offset < 0 {
			return nil, p, wire.Errorf(wire.BadRequest, "offset must be a byte count.")
		}
	}
	p.Overwrite = q.Get("overwrite") == "1" || q.Get("overwrite") == "true"
	return ss, p, nil
}

// fileStream opens the files stream and waits for the agent's side.
func (s *Server) fileStream(ctx context.Context, ss *store.Session, p wire.FileParams) (*websocket.Conn, func(), error) {
	pr, err := s.openStream(ctx, ss, wire.StreamFiles, p, false)
	if err != nil {
		return nil, nil, err
	}
	return s.awaitAgent(ctx, pr)
}

// handlePutFile uploads the raw body to the remote computer.
func (s *Server) handlePutFile(w http.ResponseWriter, r *http.Request, a *authed) {
	ss, p, err := s.fileRequest(r, a)
	if err == nil && p.Path == "" {
		err = wire.Errorf(wire.BadRequest, "path is required.")
	}
	p.Op, p.Size = wire.FilePut, -1
	if r.ContentLength >= 0 {
		p.Size = p.Offset + r.ContentLength
	}
	if err == nil && s.opts.MaxFileSize > 0 && p.Size > s.opts.MaxFileSize {
		err = wire.Errorf(wire.FileTooLarge, "%d bytes; the site allows %d", p.Size, s.opts.MaxFileSize)
	}
	p.SHA256 = r.Header.Get("X-Tether-SHA256")
	if v := r.URL.Query().Get("sha256"); v != "" {
		p.SHA256 = v
	}
	if err != nil {
		if ss != nil {
			s.fileRefused(r, ss, a, "file_upload", p, err)
		}
		s.writeErr(w, r, err)
		return
	}
	conn, release, err := s.fileStream(r.Context(), ss, p)
	if err != nil {
		s.fileRefused(r, ss, a, "file_upload", p, err)
		s.writeErr(w, r, err)
		return
	}
	defer release()
	res, err := filexfer.Upload(r.Context(), conn, r.Body, s.opts.MaxFileSize)
	if err != nil {
		s.fileRefused(r, ss, a, "file_upload", p, err)
		s.writeErr(w, r, err)
		return
	}
	conn.Close(websocket.StatusNormalClosure, "")
	s.audit(r.Context(), "file_upload", ss.ID, a.user.Name, remoteAddr(r),
		fmt.Sprintf("%s, %d bytes, sha256 %s", res.Path, res.Size, res.SHA256))
	s.recordFile(ss, recording.FileEvent{Op: "upload", Path: res.Path, Size: res.Size, Offset: p.Offset,
		SHA256: res.SHA256, Result: "done", Technician: a.user.Name})
	writeJSON(w, http.StatusCreated, map[string]any{"path": res.Path, "size": res.Size, "sha256": res.SHA256})
}

// handleGetFile downloads a file (with the SHA-256 in the trailer), lists
// a folder, or (partial=1) tells how much of an interrupted upload arrived.
func (s *Server) handleGetFile(w http.ResponseWriter, r *http.Request, a *authed) {
	ss, p, err := s.fileRequest(r, a)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	p.Op = wire.FileGet
	if r.URL.Query().Get("partial") == "1" {
		p.Op = wire.FilePartial
	}
	conn, release, err := s.fileStream(r.Context(), ss, p)
	var first *wire.FileReply
	if err == nil {
		defer release()
		conn.SetReadLimit(filexfer.ReadLimit)
		first, err = filexfer.ReadReply(r.Context(), conn)
	}
	if err != nil {
		s.fileRefused(r, ss, a, "file_download", p, err)
		s.writeErr(w, r, err)
		return
	}
	switch {
	case p.Op == wire.FilePartial:
		writeJSON(w, http.StatusOK, map[string]any{"path": first.Path, "received": first.Offset})
		return
	case first.Dir:
		items := first.Items
		if items == nil {
			items = []wire.FileItem{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"path": first.Path, "items": items, "truncated": first.Truncated})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(first.Path)}))
	h.Set("Cache-Control", "no-store")
	// No Content-Length: HTTP/1.1 sends trailers only with chunked
	// encoding. The size goes in a header of its own instead.
	h.Set("X-Tether-Size", strconv.FormatInt(first.Size, 10))
	h.Set("X-Tether-Offset", strconv.FormatInt(first.Offset, 10))
	h.Set("Last-Modified", first.Modified.UTC().Format(http.TimeFormat))
	h.Set("Trailer", "X-Tether-SHA256")
	w.WriteHeader(http.StatusOK)
	last, err := filexfer.Download(r.Context(), conn, w, first.Size-first.Offset)
	if err != nil {
		// The status is out: cut the response so the client sees a short
		// body and no hash.
		s.fileRefused(r, ss, a, "file_download", p, err)
		panic(http.ErrAbortHandler)
	}
	h.Set("X-Tether-SHA256", last.SHA256)
	conn.Close(websocket.StatusNormalClosure, "")
	s.audit(r.Context(), "file_download", ss.ID, a.user.Name, remoteAddr(r),
		fmt.Sprintf("%s, %d bytes from %d, sha256 %s", first.Path, first.Size, first.Offset, last.SHA256))
	s.recordFile(ss, recording.FileEvent{Op: "download", Path: first.Path, Size: first.Size, Offset: first.Offset,
		SHA256: last.SHA256, Result: "done", Technician: a.user.Name})
}

// fileRefused audits a transfer that did not happen: op_refused with the
// code of a refusal, op_failed for a transfer that broke off.
func (s *Server) fileRefused(r *http.Request, ss *store.Session, a *authed, op string, p wire.FileParams, err error) {
	event := op + "_refused"
	if wire.CodeOf(err) == "" {
		event = op + "_failed"
	}
	s.audit(r.Context(), event, ss.ID, a.user.Name, remoteAddr(r), fmt.Sprintf("%s: %s", p.Path, codeOrErr(err)))
	e := recording.FileEvent{Op: strings.TrimPrefix(op, "file_"), Path: p.Path, Size: p.Size, Offset: p.Offset,
		Result: "failed", Technician: a.user.Name}
	if c := wire.CodeOf(err); c != "" {
		e.Result, e.Code = "refused", string(c)
	}
	s.recordFile(ss, e)
}

func codeOrErr(err error) string {
	if c := wire.CodeOf(err); c != "" {
		return string(c)
	}
	return err.Error()
}
