package sitetest

import (
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// LB is a layer-4 load balancer on loopback, as in front of the nodes of a
// cluster: each connection goes to the next backend in turn (no sticky
// sessions), skipping backends that refuse it. TLS passes through, so the
// nodes' certificate is what agents pin.
type LB struct {
	ln       net.Listener
	mu       sync.Mutex
	backends []string
	next     int
	conns    map[net.Conn]string // link ends, to their backend
}

// NewLB listens on a random loopback port until tb ends.
func NewLB(tb testing.TB) *LB {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	l := &LB{ln: ln, conns: map[net.Conn]string{}}
	go l.serve()
	tb.Cleanup(l.close)
	return l
}

// Addr is the balancer's address, URL its https URL.
func (l *LB) Addr() string { return l.ln.Addr().String() }
func (l *LB) URL() string  { return "https://" + l.Addr() }

// Set replaces the backends (host:port) new connections go to.
func (l *LB) Set(backends ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.backends = slices.Clone(backends)
}

func (l *LB) serve() {
	for {
		c, err := l.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil { // out of descriptors (EMFILE) and the like: wait, as a balancer does
			time.Sleep(50 * time.Millisecond)
			continue
		}
		go l.forward(c)
	}
}

// pick returns the backends in the order to try them.
func (l *LB) pick() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.backends)
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, l.backends[(l.next+i)%n])
	}
	l.next++
	return out
}

func (l *LB) forward(c net.Conn) {
	var b net.Conn
	var to string
	for _, addr := range l.pick() {
		var err error
		if b, err = net.DialTimeout("tcp", addr, time.Second); err == nil {
			to = addr
			break
		}
	}
	if b == nil {
		c.Close()
		return
	}
	if !l.track(to, c, b) {
		return
	}
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		// Not io.Copy: between two TCP sockets it splices through a pipe
		// that stays open while the copy waits (two more descriptors per
		// direction), and a balancer holding thousands of idle links would
		// run out of them before the links.
		io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, make([]byte, 4<<10))
		done <- struct{}{}
	}
	go cp(b, c)
	go cp(c, b)
	<-done // one side ended: so does the other, as a TCP balancer does
	c.Close()
	b.Close()
	<-done
	l.untrack(c, b)
}

// Drop cuts every link to backend, as a network fault between the
// balancer and that node would: the clients (agents) reconnect through
// the balancer to whatever backends it has then.
func (l *LB) Drop(backend string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c, to := range l.conns {
		if to == backend {
			c.Close()
		}
	}
}

func (l *LB) track(backend string, cs ...net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conns == nil {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		l.conns[c] = backend
	}
	return true
}

func (l *LB) untrack(cs ...net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range cs {
		delete(l.conns, c)
	}
}

func (l *LB) close() {
	l.ln.Close()
	l.mu.Lock()
	conns := l.conns
	l.conns = nil
	l.mu.Unlock()
	for c := range conns {
		c.Close()
	}
}
