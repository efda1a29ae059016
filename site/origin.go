package site

import (
	"mime"
	"net/http"
	"net/url"

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
