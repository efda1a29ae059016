package site

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"time"

	"github.com/tetherhq/tether/site/cluster"
	"github.com/tetherhq/tether/wire"
)

// Forwarding between the nodes of a cluster. Whatever talks to an agent
// runs on the node that holds the agent's control channel, exactly as on a
// single site: the view's pairing, the toolkit's streams, chat, pin and
// reboot requests and their answers, which come back on that channel. A
// request for an agent held elsewhere is forwarded there whole, through a
// tunnel (package cluster), and the answer comes back the same way:
//
//   - the API calls of agentRoutes go to the node of the session's agent;
//   - the viewer's and the agent's stream dials go to the node that made
//     the stream: its ID starts with that node's ID (streamID).
//
// So a viewer whose WebSocket lands on node A, for an agent connected to
// node B whose stream dial lands on node C, is relayed A → B ← C: bytes
// cross the bus at most twice, and nothing but the forwarding code knows
// there is more than one node. The other choice — sending the agent to
// dial the viewer's node — needs every node to be reachable on its own
// address by every agent, which a plain load balancer in front of the
// nodes does not give.

// agentRoutes are the API patterns served by the node that holds the
// session's agent.
var agentRoutes = map[string]bool{
	"GET /api/v1/sessions/{id}":            true, // the pin's progress lives there
	"POST /api/v1/sessions/{id}/view":      true,
	"POST /api/v1/sessions/{id}/pin":       true,
	"POST /api/v1/sessions/{id}/reboot":    true,
	"POST /api/v1/sessions/{id}/shell":     true,
	"POST /api/v1/sessions/{id}/clipboard": true,
	"POST /api/v1/sessions/{id}/chat":      true,
	"PUT /api/v1/sessions/{id}/files":      true,
	"GET /api/v1/sessions/{id}/files":      true,
	"GET /api/v1/sessions/{id}/sysinfo":    true,
}

// streamRoutes are served by the node that made the stream.
var streamRoutes = map[string]bool{
	"GET /api/v1/sessions/{id}/stream/{stream}": true,
	"GET /agent/v1/stream/{stream}":             true,
}

// forwardedKey marks a request that came from another node: it is served
// here, never forwarded again.
type forwardedKey struct{}

// nodeKey carries the node a request is forwarded to, localKey the handler
// that serves it here should that node be gone.
type (
	nodeKey  struct{}
	localKey struct{}
)

// clientAddrHeader carries the caller's address to the node a request is
// forwarded to. Only requests that arrive through a tunnel are believed
// (forwardedHandler); the public listener never reads it.
const clientAddrHeader = "X-Tether-Client-Addr"

// nodeHostSuffix makes a node ID the host of a forwarded request's URL, so
// that the transport keeps idle tunnels per node.
const nodeHostSuffix = ".node.tether.invalid"

// streamID names a new stream; in a cluster it begins with this node's ID.
func (s *Server) streamID() string {
	if n := s.cluster.Node(); n != "" {
		return n + "-" + newID()
	}
	return newID()
}

// streamNode is the node that made stream id ("" when it carries none).
func streamNode(id string) string {
	n, _, ok := strings.Cut(id, "-")
	if !ok {
		return ""
	}
	return n
}

// routed wraps the handler of pattern with the forwarding it needs; alone,
// it is the handler itself.
func (s *Server) routed(pattern string, h http.Handler) http.Handler {
	if s.cluster.Node() == "" {
		return h
	}
	switch {
	case agentRoutes[pattern]:
		return s.forwardBy(h, s.agentNode)
	case streamRoutes[pattern]:
		return s.forwardBy(h, func(r *http.Request) string { return streamNode(r.PathValue("stream")) })
	}
	return h
}

// forwardBy serves r where node says: here when it names no other node.
func (s *Server) forwardBy(h http.Handler, node func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Context().Value(forwardedKey{}) != nil {
			h.ServeHTTP(w, r)
			return
		}
		n := node(r)
		if n == "" || n == s.cluster.Node() {
			h.ServeHTTP(w, r)
			return
		}
		if headerHasToken(r.Header, "Upgrade", "websocket") {
			s.relay.pipes.Add(1) // a drain waits for the streams it forwards too
			defer s.relay.pipes.Add(-1)
		}
		ctx := context.WithValue(r.Context(), nodeKey{}, n)
		ctx = context.WithValue(ctx, localKey{}, h)
		s.proxy.ServeHTTP(w, r.WithContext(ctx))
	})
}

// agentNode is the other node holding the control channel of the agent of
// session {id}, or "". Only callers that present credentials are looked up
// (the node they reach checks them): others get their 401 here.
func (s *Server) agentNode(r *http.Request) string {
	if !hasCredentials(r) {
		return ""
	}
	id := r.PathValue("id")
	if s.hub.get(id) != nil {
		return ""
	}
	if n, ok := s.cluster.Locate(id); ok {
		return n
	}
	jc, err := s.jumpClientOf(r.Context(), id)
	if err != nil || jc == "" || s.hub.get(jc) != nil {
		return ""
	}
	n, _ := s.cluster.Locate(jc)
	return n
}

// errNodeDial marks a tunnel that could not be opened: nothing was sent.
type errNodeDial struct{ err error }

func (e errNodeDial) Error() string { return "forward: " + e.err.Error() }
func (e errNodeDial) Unwrap() error { return e.err }

// newProxy forwards requests through tunnels to the node in their context.
func (s *Server) newProxy() *httputil.ReverseProxy {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			c, err := s.cluster.Dial(ctx, strings.TrimSuffix(host, nodeHostSuffix))
			if err != nil {
				return nil, errNodeDial{err}
			}
			return c, nil
		},
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			node, _ := pr.In.Context().Value(nodeKey{}).(string)
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", node+nodeHostSuffix
			pr.Out.Host = pr.In.Host // origin checks compare with it
			pr.Out.Header.Set(clientAddrHeader, remoteAddr(pr.In))
		},
		Transport:     tr,
		FlushInterval: -1, // downloads and streams go out as they come
		ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		ErrorHandler:  s.forwardFailed,
	}
}

// forwardFailed answers a request the other node could not take: one whose
// tunnel never opened (the node just left) is served here, where it finds
// the agent offline or the stream unknown; a broken forward is a 502.
func (s *Server) forwardFailed(w http.ResponseWriter, r *http.Request, err error) {
	var dial errNodeDial
	if errors.As(err, &dial) {
		if h, ok := r.Context().Value(localKey{}).(http.Handler); ok {
			s.log.Info("cluster: node unreachable; served here", "path", r.URL.Path, "err", err)
			h.ServeHTTP(w, r)
			return
		}
	}
	if r.Context().Err() != nil {
		return
	}
	s.log.Warn("cluster: forward failed", "path", r.URL.Path, "err", err)
	s.writeErr(w, r, wire.Errorf(wire.Internal, "The site node serving this computer did not answer. Try again."))
}

// forwardedHandler serves the requests other nodes forward here, and the
// nodes' own questions (clusterPath), which only come this way.
func (s *Server) forwardedHandler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, clusterPath) {
			s.serveNodeQuestion(w, r)
			return
		}
		if a := r.Header.Get(clientAddrHeader); a != "" {
			r.RemoteAddr = net.JoinHostPort(a, "0")
		}
		r.Header.Del(clientAddrHeader)
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), forwardedKey{}, true)))
	})
}

// serveTunnels serves forwarded requests until ctx ends.
func (s *Server) serveTunnels(ctx context.Context) {
	if _, alone := s.cluster.(*cluster.Single); alone {
		return
	}
	srv := &http.Server{
		Handler:           s.forwardedHandler(s.Handler()),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	srv.Serve(s.cluster.Listener())
}
