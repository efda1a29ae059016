package agent

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/wire"
)

// Version is the agent's build version, set by cmd/tether.
var Version = "dev"

// errSiteProof means the peer answered with a welcome it could not sign
// with the site key of our config: not our site.
var errSiteProof = errors.New("the site could not prove its identity")

// handshake proves our identity (signing the site's nonce together with the
// config) and checks the site's proof over our nonce. A refusal comes back
// as a *wire.Error carrying the A9/C11 code.
func handshake(ctx context.Context, c *ctrl, hello wire.Hello, key ed25519.PrivateKey, siteKey ed25519.PublicKey) (*wire.Welcome, error) {
	hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	m, err := c.recv(hctx)
	if err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	ch, ok := m.(*wire.Challenge)
	if !ok || len(ch.Nonce) < 16 {
		return nil, errors.New("handshake: expected a challenge")
	}
	nonce := make([]byte, 32)
	rand.Read(nonce)
	hello.Protocol, hello.Version, hello.Nonce, hello.Beats = wire.ProtocolVersion, Version, nonce, true
	hello.Identity = key.Public().(ed25519.PublicKey)
	hello.Proof = ed25519.Sign(key, wire.ProofMessage(ch.Nonce, hello.Config))
	if err := c.send(hctx, hello); err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	if m, err = c.recv(hctx); err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	switch m := m.(type) {
	case *wire.Welcome:
		if !ed25519.Verify(siteKey, wire.SiteProofMessage(nonce), m.SiteProof) {
			return nil, errSiteProof
		}
		return m, nil
	case *wire.ErrorMsg:
		err := msgError(m.Code, m.Message)
		if len(m.SiteProof) > 0 && ed25519.Verify(siteKey, wire.RefusalMessage(nonce, m.Code), m.SiteProof) {
			return nil, siteRefusal{err}
		}
		return nil, err
	}
	return nil, fmt.Errorf("handshake: unexpected %T", m)
}

// connect dials the site's agent endpoint named by cfg and completes the
// handshake. The caller closes c.conn.
func connect(ctx context.Context, cfg *embedcfg.Config, hello wire.Hello, key ed25519.PrivateKey) (*ctrl, *wire.Welcome, error) {
	conn, err := Dial(ctx, cfg.SiteURL, cfg.CertPin, "/agent/v1/connect")
	if err != nil {
		return nil, nil, err
	}
	conn.SetReadLimit(wire.MaxControlMessage)
	c := newCtrl(conn)
	w, err := handshake(ctx, c, hello, key, cfg.SiteKey)
	if err != nil {
		c.close()
		return nil, nil, err
	}
	return c, w, nil
}

// siteRefusal is a refusal our own site signed over our nonce: acting on it
// (a removed jump client uninstalls itself) cannot be triggered by whoever
// sits on the network path.
type siteRefusal struct{ err *wire.Error }

func (r siteRefusal) Error() string { return r.err.Error() }
func (r siteRefusal) Unwrap() error { return r.err }

func msgError(code wire.Code, text string) *wire.Error {
	if code.Known() && !wire.Generic(code) {
		return wire.Err(code) // the product's own text, whatever was sent
	}
	return &wire.Error{Code: code, Message: text}
}
