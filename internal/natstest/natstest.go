// Package natstest runs a real NATS server (the nats-server module,
// embedded in the test binary) on a random loopback port, with a user and
// password as a production cluster would have, for the tests of the site's
// cluster (site/cluster, site nodes joined with --cluster).
package natstest

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/tetherhq/tether/site/cluster"
)

// Server is a running NATS server.
type Server struct {
	URL  string       // nats://127.0.0.1:PORT, without credentials
	Auth cluster.Auth // what a node needs to connect
	srv  *server.Server
}

// Start runs a server until tb ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	pw := make([]byte, 16)
	rand.Read(pw)
	auth := cluster.Auth{User: "tether", Password: hex.EncodeToString(pw)}
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true,
		Username: auth.User, Password: auth.Password, MaxPayload: 1 << 20})
	if err != nil {
		tb.Fatal(err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		tb.Fatal("natstest: server not ready")
	}
	tb.Cleanup(srv.Shutdown)
	return &Server{URL: srv.ClientURL(), Auth: auth, srv: srv}
}

// Env is the environment a `tether-site serve --cluster` child process
// needs to connect (cluster.AuthFromEnv reads it).
func (s *Server) Env() []string {
	return []string{"TETHER_CLUSTER_USER=" + s.Auth.User, "TETHER_CLUSTER_PASSWORD=" + s.Auth.Password}
}

// Connections is how many clients are connected now.
func (s *Server) Connections() int { return s.srv.NumClients() }
