package site

import (
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/tetherhq/tether/wire"
)

// sameOrigin refuses requests a foreign page made the browser send: a
// cross-site Origin or Sec-Fetch-Site, and (for JSON endpoints) any body
// type a plain HTML form can produce without a CORS preflight
// (text/plain, form-encoded, multipart). Scripts and the CLI send no
// Origin and pass.
func sameOrigin(r *http.Request, jsonBody bool) error {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return errCrossOrigin
		}
	} else if o == "null" {
		return errCrossOrigin
	}
	if sfs := r.Header.Get("Sec-Fetch-Site"); sfs == "cross-site" || sfs == "same-site" {
		return errCrossOrigin
	}
	if jsonBody {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			return wire.Errorf(wire.UnsupportedMediaType, "Send the body as application/json.")
		}
	}
	return nil
}

var errCrossOrigin = wire.Errorf(wire.Forbidden, "Cross-origin request refused.")

// wsPrecheck refuses, in the SPEC error shape and before any one-time token
// is used, what websocket.Accept would refuse with a plain-text answer: a
// request that is not a WebSocket upgrade (426) and a cross-origin one
// (403; Accept's own rule: an Origin must name this host).
func wsPrecheck(r *http.Request) error {
	if r.Method != http.MethodGet || !headerHasToken(r.Header, "Connection", "upgrade") ||
		!headerHasToken(r.Header, "Upgrade", "websocket") ||
		r.Header.Get("Sec-WebSocket-Version") != "13" || r.Header.Get("Sec-WebSocket-Key") == "" {
		return wire.Err(wire.UpgradeRequired)
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return errCrossOrigin
		}
	}
	return nil
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
