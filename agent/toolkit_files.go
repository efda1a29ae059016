package agent

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent/files"
	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/wire"
)

// TransferDir overrides the transfer folder (tests; "" = files.DefaultDir).
var TransferDir string

// transferRoot opens the root a request's path lives in: the transfer
// folder for relative paths; for an absolute path, when the site's policy
// allows it (jump clients), the file system (Unix "/") or the path's
// volume (Windows "C:\"). rel is the path inside the root.
func transferRoot(p *wire.FileParams, jump bool) (root *files.Root, rel string, err error) {
	opts := files.Options{MaxSize: p.MaxSize}
	name := p.Path
	if isAbsPath(name) {
		if !jump || !p.Anywhere {
			return nil, "", wire.Errorf(wire.PathNotAllowed, "absolute path %q: only the transfer folder is allowed", name)
		}
		dir := "/"
		if runtime.GOOS == "windows" {
			vol := filepath.VolumeName(name)
			dir, name = vol+`\`, filepath.ToSlash(name[len(vol):])
		}
		rel = strings.TrimLeft(name, "/")
		root, err = files.OpenRoot(dir, opts)
	} else {
		dir := TransferDir
		if dir == "" {
			if dir, err = files.DefaultDir(""); err != nil {
				return nil, "", err
			}
		}
		opts.Create = true
		rel = name
		root, err = files.OpenRoot(dir, opts)
	}
	if rel == "" {
		rel = "."
	}
	return root, rel, err
}

func isAbsPath(p string) bool {
	if runtime.GOOS == "windows" {
		return filepath.IsAbs(p) || filepath.VolumeName(p) != "" || strings.HasPrefix(p, `\`) || strings.HasPrefix(p, "/")
	}
	return strings.HasPrefix(p, "/")
}

// fileError is a reply for an error of package files (or a wire error).
func fileError(err error) *wire.FileReply {
	var we *wire.Error
	if errors.As(err, &we) {
		return &wire.FileReply{Error: we}
	}
	code := wire.Code(files.Code(err))
	if code == "" {
		code = wire.Internal
	}
	return &wire.FileReply{Error: &wire.Error{Code: code, Message: err.Error()}}
}

// humanSize is a size for the customer's question.
func humanSize(n int64) string {
	const unit = 1024
	if n < 0 {
		return "size unknown"
	}
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// serveFiles serves one files request: a support app's customer is asked
// for every transfer (a listing of the transfer folder is not asked for);
// jump clients follow the site's policy. Refusals reply with the code
// before anything is written.
func serveFiles(ctx context.Context, h streamHost, m *wire.Open, p *wire.FileParams, log *slog.Logger) {
	root, rel, err := transferRoot(p, h.jump())
	if err == nil {
		defer root.Close()
	}
	var item files.Item
	if err == nil && p.Op == wire.FileGet {
		item, err = root.Stat(rel)
	}
	if err == nil && p.MaxSize > 0 && (p.Size > p.MaxSize || (p.Op == wire.FileGet && !item.Dir && item.Size > p.MaxSize)) {
		err = wire.Errorf(wire.FileTooLarge, "%s: larger than %d bytes", p.Path, p.MaxSize)
	}
	if err == nil {
		var q string
		switch {
		case p.Op == wire.FilePut:
			q = h.question(ui.KeyAskSendFile, p.Technician, path.Base(rel), humanSize(p.Size))
		case p.Op == wire.FileGet && !item.Dir:
			q = h.question(ui.KeyAskGetFile, p.Technician, path.Base(rel), humanSize(item.Size))
		}
		if q != "" && (!h.jump() || (m.Consent != nil && m.Consent.Mode == wire.ConsentPrompt)) && !h.allow(ctx, m.Consent, q) {
			refuseStream(ctx, h, m, wire.TransferDenied, log)
			return
		}
	}
	conn, derr := h.dialStream(ctx, m.Stream, m.Token)
	if derr != nil {
		log.Warn("files: connect", "err", derr)
		return
	}
	defer conn.CloseNow()
	if err != nil {
		writeJSONMsg(ctx, conn, fileError(err))
		conn.Close(websocket.StatusNormalClosure, "")
		return
	}
	switch p.Op {
	case wire.FilePartial:
		n, err := root.Partial(rel)
		reply := &wire.FileReply{Path: rel, Offset: n}
		if err != nil {
			reply = fileError(err)
		}
		writeJSONMsg(ctx, conn, reply)
	case wire.FileGet:
		if item.Dir {
			err = sendListing(ctx, conn, root, rel)
		} else {
			err = sendFile(ctx, conn, root, rel, p.Offset)
		}
	case wire.FilePut:
		err = receiveFile(ctx, conn, root, rel, p)
	default:
		err = writeJSONMsg(ctx, conn, &wire.FileReply{Error: wire.Errorf(wire.BadRequest, "unknown operation %q", p.Op)})
	}
	if err != nil {
		log.Info("files: transfer ended", "op", p.Op, "err", err)
		return
	}
	conn.Close(websocket.StatusNormalClosure, "")
}

func sendListing(ctx context.Context, conn *websocket.Conn, root *files.Root, rel string) error {
	l, err := root.List(rel)
	if err != nil {
		return writeJSONMsg(ctx, conn, fileError(err))
	}
	reply := &wire.FileReply{Dir: true, Path: rel, Truncated: l.Truncated, Items: make([]wire.FileItem, 0, len(l.Items))}
	for _, it := range l.Items {
		reply.Items = append(reply.Items, wire.FileItem{Name: it.Name, Size: it.Size, Dir: it.Dir, Modified: it.Modified})
	}
	return writeJSONMsg(ctx, conn, reply)
}

// sendFile streams a file in wire.FileChunk messages; a slow site blocks
// the writes, so the file is read no faster than it travels.
func sendFile(ctx context.Context, conn *websocket.Conn, root *files.Root, rel string, offset int64) error {
	rd, err := root.Open(rel, offset)
	if err != nil {
		return writeJSONMsg(ctx, conn, fileError(err))
	}
	defer rd.Close()
	if err := writeJSONMsg(ctx, conn, &wire.FileReply{Path: rel, Size: rd.Size(), Offset: rd.Offset(), Modified: rd.ModTime()}); err != nil {
		return err
	}
	buf := make([]byte, wire.FileChunk)
	for {
		n, rerr := io.ReadFull(rd, buf)
		if n > 0 {
			if err := conn.Write(ctx, websocket.MessageBinary, buf[:n]); err != nil {
				return err
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return writeJSONMsg(ctx, conn, fileError(rerr))
		}
	}
	sum, err := rd.SHA256()
	if err != nil {
		return writeJSONMsg(ctx, conn, fileError(err))
	}
	return writeJSONMsg(ctx, conn, &wire.FileReply{Done: true, Path: rel, Size: rd.Size(), SHA256: hex.EncodeToString(sum)})
}

// receiveFile writes an upload into its part file and commits it once the
// site says every byte was sent. A stream that breaks keeps the part file
// for a resume (wire.FilePartial, then offset).
func receiveFile(ctx context.Context, conn *websocket.Conn, root *files.Root, rel string, p *wire.FileParams) error {
	var expected []byte
	if p.SHA256 != "" {
		var err error
		if expected, err = hex.DecodeString(p.SHA256); err != nil || len(expected) != 32 {
			return writeJSONMsg(ctx, conn, &wire.FileReply{Error: wire.Errorf(wire.BadRequest, "sha256 must be 64 hex digits")})
		}
	}
	w, err := root.Create(rel, p.Size, p.Offset, p.Overwrite)
	if err != nil {
		return writeJSONMsg(ctx, conn, fileError(err))
	}
	defer w.Close()
	if err := writeJSONMsg(ctx, conn, &wire.FileReply{Path: rel, Offset: w.Written()}); err != nil {
		return err
	}
	conn.SetReadLimit(wire.FileChunk + 1024)
	for {
		typ, b, err := conn.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) && ce.Reason == string(wire.FileTooLarge) {
				w.Abort() // the site's limit: nothing stays behind
			}
			return err // Close keeps the part file for a resume
		}
		if typ == websocket.MessageText {
			var end wire.FileEnd
			if json.Unmarshal(b, &end) != nil || !end.End {
				return writeJSONMsg(ctx, conn, &wire.FileReply{Error: wire.Errorf(wire.BadRequest, "unexpected message")})
			}
			break
		}
		if _, err := w.Write(b); err != nil {
			return writeJSONMsg(ctx, conn, fileError(err))
		}
	}
	res, err := w.Commit(expected)
	if err != nil {
		return writeJSONMsg(ctx, conn, fileError(err))
	}
	return writeJSONMsg(ctx, conn, &wire.FileReply{Done: true, Path: res.Path, Size: res.Size, SHA256: res.SHA256})
}
