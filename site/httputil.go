package site

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"

	"github.com/tetherhq/tether/wire"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeErr answers with SPEC F's error body. Errors that are not *wire.Error
// are logged and hidden behind "internal".
func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var we *wire.Error
	if !errors.As(err, &we) {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		we = wire.Err(wire.Internal)
	}
	if we.Message == "" {
		we.Message = we.Code.Message()
	}
	s.rec.ErrorAnswered(we.Code)
	writeJSON(w, we.Code.HTTPStatus(), wire.ErrorBody{Error: we})
}

// readJSON decodes a bounded JSON body.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return wire.Errorf(wire.BadRequest, "Invalid JSON body: %v", err)
	}
	return nil
}

// remoteAddr is the client's IP (no port). The site terminates TLS itself,
// so forwarded headers are not trusted.
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
