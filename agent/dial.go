package agent

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// ErrPinMismatch means the site presented a certificate whose key is not the
// pinned one: someone may be intercepting the connection.
var ErrPinMismatch = errors.New("site certificate does not match the pinned key")

// HTTPClient returns a client that trusts the site by its pin (base64 SHA-256
// of the SPKI) when one is given, else by the system roots.
func HTTPClient(pin string) *http.Client {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if pin != "" {
		want, _ := base64.StdEncoding.DecodeString(pin)
		// The pin replaces chain verification: a self-signed site is
		// trusted exactly when its key is the one the download names.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return ErrPinMismatch
			}
			got := sha256.Sum256(cs.PeerCertificates[0].RawSubjectPublicKeyInfo)
			if len(want) != len(got) || subtle.ConstantTimeCompare(got[:], want) != 1 {
				return ErrPinMismatch
			}
			return nil
		}
	}
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:     cfg,
			Proxy:               http.ProxyFromEnvironment,
			TLSHandshakeTimeout: 15 * time.Second,
		},
	}
}

// wsURL turns the site URL into the WebSocket URL of path.
func wsURL(site, path string) (string, error) {
	u, err := url.Parse(site)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("bad site URL %q", site)
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	case "http":
		u.Scheme = "ws"
	}
	path, query, _ := strings.Cut(path, "?")
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = query
	return u.String(), nil
}

// Dial opens a WebSocket to the site without per-message compression
// (frames are already compressed; NOTES: deflate costs 11–45 ms a frame).
func Dial(ctx context.Context, site, pin, path string) (*websocket.Conn, error) {
	u, err := wsURL(site, path)
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, u, &websocket.DialOptions{
		HTTPClient:      HTTPClient(pin),
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", site, err)
	}
	return c, nil
}
