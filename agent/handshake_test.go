package agent

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/wire"
)

// refusingSite answers a hello with jc_not_found, signed by key (or not
// signed when key is nil), as a site or a man in the middle would.
func refusingSite(t *testing.T, key ed25519.PrivateKey) *ctrl {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		b, _ := wire.Encode(wire.Challenge{Nonce: make([]byte, 32)})
		conn.Write(r.Context(), websocket.MessageText, b)
		_, hb, err := conn.Read(r.Context())
		if err != nil {
			return
		}
		m, _ := wire.Decode(hb)
		h := m.(*wire.Hello)
		refusal := wire.ErrorMsg{Code: wire.JCNotFound, Message: wire.JCNotFound.Message()}
		if key != nil {
			refusal.SiteProof = ed25519.Sign(key, wire.RefusalMessage(h.Nonce, wire.JCNotFound))
		}
		b, _ = wire.Encode(refusal)
		conn.Write(r.Context(), websocket.MessageText, b)
		conn.Read(r.Context())
	}))
	t.Cleanup(srv.Close)
	conn, _, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newCtrl(conn)
	t.Cleanup(c.close)
	return c
}

// A refusal counts as the site's own (a removed jump client then
// uninstalls itself) only when the site key signed it over our nonce.
func TestRefusalSignedBySite(t *testing.T) {
	_, sitePriv, _ := ed25519.GenerateKey(rand.Reader)
	siteKey := sitePriv.Public().(ed25519.PublicKey)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	_, me, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name   string
		signer ed25519.PrivateKey
		proven bool
	}{{"signed by the site", sitePriv, true}, {"unsigned", nil, false}, {"signed by another key", other, false}} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := handshake(t.Context(), refusingSite(t, tc.signer), wire.Hello{}, me, siteKey)
			var sr siteRefusal
			if wire.CodeOf(err) != wire.JCNotFound || errors.As(err, &sr) != tc.proven {
				t.Fatalf("got %v (proven %v), want jc_not_found proven=%v", err, errors.As(err, &sr), tc.proven)
			}
		})
	}
}
