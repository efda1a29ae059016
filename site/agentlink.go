package site

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// agentBufferSize is the size of each of an agent WebSocket's read and write
// buffers. Control messages are small and larger frames bypass the buffers,
// so 512 bytes instead of net/http's 4 KB each saves 7 KB per connection on
// a site holding many idle jump clients (docs/BENCHMARKS.md).
const agentBufferSize = 512

// acceptAgent upgrades an agent's request to a WebSocket with small buffers
// and, where the platform allows, the link that lets the connection idle
// without a goroutine reading it (nil otherwise).
func acceptAgent(w http.ResponseWriter, r *http.Request) (*websocket.Conn, *rawLink, error) {
	hj := &smallHijacker{ResponseWriter: w}
	conn, err := websocket.Accept(hj, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil, nil, err
	}
	return conn, hj.link, nil
}

// smallHijacker hands coder/websocket buffers of agentBufferSize instead of
// the ones net/http hijacks with, carrying over bytes net/http had already
// read, and keeps what the idle path needs to look under the WebSocket.
type smallHijacker struct {
	http.ResponseWriter
	link *rawLink
}

func (h *smallHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	var src io.Reader = c
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		src = io.MultiReader(bytes.NewReader(bytes.Clone(b)), c)
	}
	br := bufio.NewReaderSize(src, agentBufferSize)
	h.link = newRawLink(c, br)
	return c, bufio.NewReadWriter(br, bufio.NewWriterSize(c, agentBufferSize)), nil
}

// rawLink is what lies under an agent's WebSocket: the hijacked connection
// (TLS), the WebSocket's read buffer and the TCP socket.
type rawLink struct {
	conn net.Conn
	br   *bufio.Reader
	sock syscall.RawConn
	poll pollState // the waiting's own state (readable_*.go)
}

func newRawLink(c net.Conn, br *bufio.Reader) *rawLink {
	if !canWaitReadable {
		return nil
	}
	nc := c
	if t, ok := c.(*tls.Conn); ok {
		nc = t.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	sock, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return &rawLink{conn: c, br: br, sock: sock}
}

// longAgo is a read deadline that has passed: a read with it returns what
// is already buffered and never waits.
var longAgo = time.Unix(1, 0)

// buffered reports whether a message (or an error) can be read without
// waiting for the socket: bytes in the WebSocket's buffer, or TLS records
// that were read ahead from the socket together with the last message. The
// TLS check reads with a past deadline, which crypto/tls treats as a
// temporary error (the connection stays usable). The caller must be the
// only reader.
func (l *rawLink) buffered() bool {
	if l.br.Buffered() > 0 {
		return true
	}
	l.conn.SetReadDeadline(longAgo)
	_, err := l.br.Peek(1)
	l.conn.SetReadDeadline(time.Time{})
	return err == nil || !errors.Is(err, os.ErrDeadlineExceeded)
}

// The per-OS files (readable_*.go) provide
//
//	onReadable(l, then)  run then, on a goroutine of its own, once l's socket
//	                     has bytes to read (they stay for crypto/tls)
//	forgetReadable(l)    drop a pending onReadable of a link that is over
